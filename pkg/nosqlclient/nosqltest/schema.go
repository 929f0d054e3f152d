package nosqltest

import (
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
)

// DocStatements returns the DDL an adapter's package doc shows: the lines
// of the indented block of the package comment of path (its doc.go), one
// statement a line.
func DocStatements(t testing.TB, path string) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	if file.Doc == nil {
		t.Fatalf("%s has no package doc comment", path)
	}
	var statements []string
	for line := range strings.SplitSeq(file.Doc.Text(), "\n") {
		if stmt, ok := strings.CutPrefix(line, "\t"); ok {
			statements = append(statements, stmt)
		}
	}
	if len(statements) == 0 {
		t.Fatalf("the package doc of %s shows no DDL", path)
	}
	return statements
}

// CheckSchemaMatchesDoc opens an adapter on a fresh fake with open and fails
// the test unless the DDL statements the fake received are, in order, those
// the package doc in doc.go shows.
func CheckSchemaMatchesDoc(t *testing.T, open func(*nosqlclient.Client)) {
	t.Helper()
	if live() {
		t.Skip("compares what the fake received; FOTOGAL_NOSQL_LIVE=1 runs against a real service")
	}
	want := DocStatements(t, "doc.go")
	c, f := New(t)
	open(c)
	if got := f.Statements(); !slices.Equal(got, want) {
		t.Errorf("statements sent:\n%s\nwant (doc.go):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

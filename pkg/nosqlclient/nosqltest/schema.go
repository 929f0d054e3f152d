package nosqltest

import (
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ocifake"
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

// Reopen opens a store a second time on f's data with open, as a restart
// would, and returns it. It fails the test unless that second start sent
// only CREATE ... IF NOT EXISTS statements and left every row of tables as
// it was.
func Reopen[S any](t *testing.T, f *ocifake.NoSQL, tables []string, open func(*nosqlclient.Client) S) S {
	t.Helper()
	before := make(map[string][]map[string]any, len(tables))
	for _, table := range tables {
		before[table] = f.Rows(table)
	}
	sent := len(f.Statements())
	s := open(Client(t, f))
	again := f.Statements()[sent:]
	if len(again) == 0 {
		t.Error("the second start sent no DDL, want its IF NOT EXISTS statements")
	}
	for _, stmt := range again {
		if !strings.HasPrefix(stmt, "CREATE TABLE IF NOT EXISTS ") && !strings.HasPrefix(stmt, "CREATE INDEX IF NOT EXISTS ") {
			t.Errorf("the second start sent %q, want only CREATE ... IF NOT EXISTS", stmt)
		}
	}
	for _, table := range tables {
		if got := f.Rows(table); !reflect.DeepEqual(got, before[table]) {
			t.Errorf("%s after the second start: rows %v, want %v", table, got, before[table])
		}
	}
	return s
}

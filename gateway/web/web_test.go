package web

import (
	"io/fs"
	"testing"
)

func TestStaticHoldsIndex(t *testing.T) {
	t.Parallel()
	b, err := fs.ReadFile(Static, "static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Error("static/index.html is empty")
	}
}

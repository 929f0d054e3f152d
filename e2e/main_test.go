package e2e

import (
	"fmt"
	"os"
	"testing"
)

// binDir holds the binaries built once for the whole run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fotogal-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startStack starts a fresh FotoGal for one test.
func startStack(t *testing.T, env map[string]string) *Stack {
	t.Helper()
	return Start(t, binDir, Options{Env: env})
}

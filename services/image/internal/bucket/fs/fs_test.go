package fs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/bucket/buckettest"
	"github.com/fotogal/fotogal/services/image/internal/bucket/fs"
)

func TestContract(t *testing.T) {
	buckettest.Run(t, func(t *testing.T) bucket.Bucket {
		b, err := fs.New(filepath.Join(t.TempDir(), "bucket"))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return b
	})
}

func TestNewRemovesInterruptedPuts(t *testing.T) {
	root := t.TempDir()
	if _, err := fs.New(root); err != nil {
		t.Fatalf("New: %v", err)
	}
	leftover := filepath.Join(root, ".tmp", "put-123")
	if err := os.WriteFile(leftover, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.New(root); err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("leftover temporary file still there: %v", err)
	}
}

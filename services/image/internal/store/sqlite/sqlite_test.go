package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fotogal/fotogal/services/image/internal/store"
	"github.com/fotogal/fotogal/services/image/internal/store/sqlite"
	"github.com/fotogal/fotogal/services/image/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "image.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

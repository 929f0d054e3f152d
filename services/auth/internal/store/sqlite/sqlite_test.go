package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fotogal/fotogal/services/auth/internal/store"
	"github.com/fotogal/fotogal/services/auth/internal/store/sqlite"
	"github.com/fotogal/fotogal/services/auth/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "auth.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestReopenKeepsSessions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "auth.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, store.Session{TokenHash: "h", ID: "s", UserID: "u"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetSession(ctx, "h")
	if err != nil {
		t.Fatalf("GetSession after reopen: %v", err)
	}
	if got.ID != "s" {
		t.Errorf("ID = %q, want %q", got.ID, "s")
	}
}

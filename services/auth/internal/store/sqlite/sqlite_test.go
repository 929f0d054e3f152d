package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/sqlitedb"
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

// TestIncrementSweepsEndedWindows checks that the rows of ended windows do
// not pile up: increments delete them as they go.
func TestIncrementSweepsEndedWindows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "auth.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// Three increments sweep up to 24 rows of ended windows.
	const ended = 20
	for i := range ended {
		if _, err := s.IncrementCounter(ctx, fmt.Sprintf("addr:%d", i), start, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	later := start.Add(time.Hour)
	for i := range 3 {
		if _, err := s.IncrementCounter(ctx, fmt.Sprintf("email:%d", i), later, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqlitedb.Open(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, live int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE expire_time > ?)
		FROM fotogal_ntable_auththrottle`, later.UnixNano()).Scan(&rows, &live); err != nil {
		t.Fatal(err)
	}
	if rows != 3 || live != 3 {
		t.Errorf("%d rows, %d of them live; want only the 3 live ones", rows, live)
	}
}

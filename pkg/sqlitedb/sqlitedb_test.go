package sqlitedb_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fotogal/fotogal/pkg/sqlitedb"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	// A directory that does not exist yet, with a space and a '?' that a
	// DSN must escape.
	path := filepath.Join(t.TempDir(), "new dir", "what?.db")
	db, err := sqlitedb.Open(ctx, path, `CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT NOT NULL)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t (k, v) VALUES (?, ?)`, "a", "1"); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var busy int
	if err := db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != int(sqlitedb.BusyTimeout.Milliseconds()) {
		t.Errorf("busy_timeout = %d, %v; want %d", busy, err, sqlitedb.BusyTimeout.Milliseconds())
	}
	var mmap int64
	if err := db.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&mmap); err != nil || mmap != sqlitedb.MmapSize {
		t.Errorf("mmap_size = %d, %v; want %d", mmap, err, sqlitedb.MmapSize)
	}
	db.Close()

	// Opening again keeps the data: the schema is IF NOT EXISTS.
	db, err = sqlitedb.Open(ctx, path, `CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT NOT NULL)`)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, `SELECT v FROM t WHERE k = ?`, "a").Scan(&v); err != nil || v != "1" {
		t.Errorf("after reopening: %q, %v", v, err)
	}

	if _, err := sqlitedb.Open(ctx, filepath.Join(t.TempDir(), "bad.db"), `NOT SQL`); err == nil {
		t.Error("a bad schema opened without error")
	}
}

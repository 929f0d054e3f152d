package sqlitecounters_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fotogal/fotogal/pkg/counters"
	"github.com/fotogal/fotogal/pkg/counters/counterstest"
	"github.com/fotogal/fotogal/pkg/counters/sqlitecounters"
	"github.com/fotogal/fotogal/pkg/sqlitedb"
)

func TestCounters(t *testing.T) {
	counterstest.RunReversible(t, func(t *testing.T) counters.Reversible {
		const table = "test_throttle"
		db, err := sqlitedb.Open(context.Background(), filepath.Join(t.TempDir(), "counters.db"), sqlitecounters.Schema(table))
		if err != nil {
			t.Fatalf("open database: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return sqlitecounters.New(db, table)
	})
}

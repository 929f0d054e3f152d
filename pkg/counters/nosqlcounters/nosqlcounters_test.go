package nosqlcounters_test

import (
	"context"
	"testing"

	"github.com/fotogal/fotogal/pkg/counters"
	"github.com/fotogal/fotogal/pkg/counters/counterstest"
	"github.com/fotogal/fotogal/pkg/counters/nosqlcounters"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
)

func TestCounters(t *testing.T) {
	counterstest.RunReversible(t, func(t *testing.T) counters.Reversible {
		// The FotoGal prefix, so that a run against a real service
		// (FOTOGAL_NOSQL_LIVE=1) empties the table first.
		const table = "fotogal_ntable_testthrottle"
		c, _ := nosqltest.New(t)
		if err := c.CreateTables(context.Background(), nosqlcounters.Schema(table)); err != nil {
			t.Fatalf("create table: %v", err)
		}
		return nosqlcounters.New(c, table)
	})
}

package sqliteactivity

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitytest"
	"github.com/fotogal/fotogal/pkg/sqlitedb"
)

const table = "test_activity"

// open returns a database with an activity table in a temp file.
func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sqlitedb.Open(context.Background(), filepath.Join(t.TempDir(), "activity.db"), Schema(table))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLog(t *testing.T) {
	activitytest.Run(t, func(t *testing.T) activity.Log { return New(open(t), table) })
}

// TestOldEventsSweptAndNeverListed checks that rows older than the
// retention, which an append never writes but a database kept from before
// holds, are not listed, and that appends delete them as they go.
func TestOldEventsSweptAndNeverListed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t)
	l := New(db, table)
	const old = 40
	longAgo := time.Now().Add(-activity.Retention - time.Hour)
	for i := range old {
		_, err := db.ExecContext(ctx, l.insert, fmt.Sprintf("old%02d", i), longAgo.Add(-time.Duration(i)*time.Minute).UnixNano(),
			int(activity.Like), "actor", "recipient", "image", "", "", false)
		if err != nil {
			t.Fatalf("insert an old event: %v", err)
		}
	}
	got, err := l.ListEventsAfter(ctx, activity.Cursor{}, 100)
	if err != nil {
		t.Fatalf("ListEventsAfter: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("listed %d events older than the retention, want none", len(got))
	}
	// Two appends sweep 2*sweepBatch of the 40.
	for i := range 2 {
		ev := activity.Event{ID: fmt.Sprintf("new%d", i), Time: time.Now(), Kind: activity.Follow, ActorID: "a", RecipientID: "b"}
		if err := l.AppendEvents(ctx, ev); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
	}
	var rows, stale int
	err = db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE event_ts < ?) FROM `+table,
		time.Now().Add(-activity.Retention).UnixNano()).Scan(&rows, &stale)
	if err != nil {
		t.Fatal(err)
	}
	if want := old - 2*sweepBatch; stale != want || rows != want+2 {
		t.Errorf("%d rows, %d of them older than the retention; want %d, %d", rows, stale, want+2, want)
	}
}

// TestQueriesUseTheTimeIndex checks that listing and the sweep seek the
// index on (event_ts, event_id) in order instead of scanning or sorting
// the table.
func TestQueriesUseTheTimeIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t)
	l := New(db, table)
	queries := map[string]struct {
		query string
		args  []any
		want  string
	}{
		"list":  {l.list, []any{int64(1), "x", 10}, "USING INDEX " + table + "_by_time ((event_ts,event_id)>(?,?))"},
		"sweep": {l.sweep, []any{int64(1), sweepBatch}, "USING COVERING INDEX " + table + "_by_time (event_ts<?)"},
	}
	for name, q := range queries {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.query, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, q.want) || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s does not seek the time index in order (%s):\n%s", name, q.want, text)
		}
	}
}

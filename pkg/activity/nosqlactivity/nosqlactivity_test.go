package nosqlactivity_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitytest"
	"github.com/fotogal/fotogal/pkg/activity/nosqlactivity"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
)

// The FotoGal prefix, so that a run against a real service
// (FOTOGAL_NOSQL_LIVE=1) empties the table first.
const table = "fotogal_ntable_testactivity"

func TestLog(t *testing.T) {
	activitytest.Run(t, func(t *testing.T) activity.Log {
		c, _ := nosqltest.New(t)
		if err := c.CreateTables(context.Background(), nosqlactivity.Schema(table)...); err != nil {
			t.Fatalf("create table: %v", err)
		}
		return nosqlactivity.New(c, table)
	})
}

// openFake returns a client of a fresh fake whose clock runs offset ahead
// of the wall clock, with the activity table created.
func openFake(t *testing.T, offset *atomic.Int64) (*nosqlclient.Client, *ocifake.NoSQL) {
	t.Helper()
	f, endpoint := ocifake.StartNoSQLWith(t, ocifake.NoSQLOptions{
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) },
	})
	c, err := nosqlclient.Open(nosqltest.Config(endpoint))
	if err != nil {
		t.Fatalf("open nosql client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.CreateTables(context.Background(), nosqlactivity.Schema(table)...); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return c, f
}

// TestRowsExpire checks the rows' time to live: a row stays for the
// retention from its event's time, and goes by itself within two days
// after.
func TestRowsExpire(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	c, f := openFake(t, &offset)
	l := nosqlactivity.New(c, table)
	now := time.Now()
	fresh := activity.Event{ID: "fresh", Time: now, Kind: activity.Follow, ActorID: "a", RecipientID: "b"}
	ending := fresh
	ending.ID, ending.Time = "ending", now.Add(-activity.Retention+time.Hour)
	if err := l.AppendEvents(context.Background(), fresh, ending); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	tests := []struct {
		later time.Duration
		want  []string
	}{
		{0, []string{"ending", "fresh"}},
		{2 * 24 * time.Hour, []string{"fresh"}},
		{activity.Retention - time.Minute, []string{"fresh"}},
		{activity.Retention + 24*time.Hour + time.Minute, nil},
	}
	for _, tc := range tests {
		offset.Store(int64(tc.later))
		var got []string
		for _, row := range f.Rows(table) {
			got = append(got, row["event_id"].(string))
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v later the rows are %q, want %q", tc.later, got, tc.want)
		}
	}
}

// TestOldRowsNotListed checks that rows older than the retention that
// have not gone yet are left out of listings.
func TestOldRowsNotListed(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	c, _ := openFake(t, &offset)
	l := nosqlactivity.New(c, table)
	// Written as a row whose time to live has not run out yet would be.
	_, err := c.Put(context.Background(), &nosqldb.PutRequest{
		TableName: table,
		Value: types.NewMapValue(map[string]any{
			"event_id": "old", "event_ts": time.Now().Add(-activity.Retention - time.Hour).UnixNano(), "kind": int(activity.Like),
			"actor_id": "a", "recipient_id": "b", "image_id": "i", "comment_id": "", "event_text": "", "retracted": false,
		}),
	})
	if err != nil {
		t.Fatalf("put an old row: %v", err)
	}
	if err := l.AppendEvents(context.Background(), activity.Event{ID: "new", Time: time.Now(), Kind: activity.Follow, ActorID: "a", RecipientID: "b"}); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	got, err := l.ListEventsAfter(context.Background(), activity.Cursor{}, 10)
	if err != nil {
		t.Fatalf("ListEventsAfter: %v", err)
	}
	if len(got) != 1 || got[0].ID != "new" {
		t.Errorf("listed %+v, want only the event inside the retention", got)
	}
}

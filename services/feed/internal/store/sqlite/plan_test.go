package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// TestTimelineIsOneRangeScan checks that a stretch of a timeline is read
// by seeking the primary key at both ends, in order: its cost does not
// grow with the depth of the page nor with the size of the timeline.
func TestTimelineIsOneRangeScan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, inclusive := range []bool{false, true} {
		text := queryPlan(t, s, entriesQuery(inclusive), "r", 2, "b", 1, "a", 20)
		if !strings.Contains(text, "PRIMARY KEY (reader_id=? AND (created_ts,image_id)>(?,?) AND (created_ts,image_id)<(?,?))") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("inclusive %v: not one ordered range scan of the primary key:\n%s", inclusive, text)
		}
	}
}

// TestInboxIsOneRangeScan checks that a page of an inbox is read by
// seeking the index of live notifications, in order, and that the sweep
// finds old rows by seeking too: neither grows with the inbox's size nor
// reads tombstones for a page.
func TestInboxIsOneRangeScan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name, query string
		args        []any
		want        string
	}{
		{"first page", notificationsQuery(true), []any{"r", 1, 20}, "INDEX notifications_by_time (recipient_id=? AND event_ts>?)"},
		{"next page", notificationsQuery(false), []any{"r", 1, 5, "n", 20}, "INDEX notifications_by_time (recipient_id=? AND event_ts>? AND (event_ts,notification_id)<(?,?))"},
		{"sweep", sweepNotifications, []any{true, 1, 8}, "INDEX notifications_by_age (retracted=? AND event_ts<?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := queryPlan(t, s, tc.query, tc.args...)
			if !strings.Contains(text, tc.want) || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("not one ordered seek of %q:\n%s", tc.want, text)
			}
		})
	}
}

// TestDeletionsSeek checks that each batch of the deletion of an account
// is found by one seek, of a primary key or of the owner or actor index,
// and deleted by key: a batch costs the same however big the tables are.
func TestDeletionsSeek(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name, query, find, byKey string
	}{
		{"timeline", deleteReaderEntries, "SEARCH timeline USING PRIMARY KEY (reader_id=?)",
			"SEARCH timeline USING PRIMARY KEY (reader_id=? AND created_ts=? AND image_id=?)"},
		{"entries of an owner", deleteOwnerEntries, "SEARCH timeline USING COVERING INDEX timeline_by_owner (owner_id=?)",
			"SEARCH timeline USING PRIMARY KEY (reader_id=? AND created_ts=? AND image_id=?)"},
		{"inbox", deleteRecipientNotifications, "SEARCH notifications USING PRIMARY KEY (recipient_id=?)",
			"SEARCH notifications USING PRIMARY KEY (recipient_id=? AND notification_id=?)"},
		{"notifications of an actor", deleteActorNotifications, "SEARCH notifications USING COVERING INDEX notifications_by_actor (actor_id=?)",
			"SEARCH notifications USING PRIMARY KEY (recipient_id=? AND notification_id=?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := queryPlan(t, s, tc.query, "x", 500)
			if !strings.Contains(text, tc.find) || !strings.Contains(text, tc.byKey) || strings.Contains(text, "SCAN") {
				t.Errorf("want %q and %q, no scan:\n%s", tc.find, tc.byKey, text)
			}
		})
	}
}

// queryPlan returns SQLite's plan of query, one line per step.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
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
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestApplySweepsOldRows checks that applying notifications deletes the
// rows past their retention: tombstones after TombstoneRetention, live
// notifications after NotificationRetention, both by event time.
func TestApplySweepsOldRows(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	at := func(id string, age time.Duration, retracted bool) store.Notification {
		return store.Notification{RecipientID: "ann", ID: id, Kind: activity.Like, ActorID: "bob", EventTime: now.Add(-age), EventID: "ev-" + id, Retracted: retracted}
	}
	old := []store.Notification{
		at("old-live", store.NotificationRetention+time.Hour, false),
		at("old-tombstone", store.TombstoneRetention+time.Hour, true),
	}
	kept := []store.Notification{
		at("live", store.NotificationRetention-time.Hour, false),
		at("tombstone", store.TombstoneRetention-time.Hour, true),
	}
	if err := s.ApplyNotifications(ctx, append(old, kept...)); err != nil {
		t.Fatal(err)
	}
	// The next apply sweeps what the first left past its retention.
	if err := s.ApplyNotifications(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT notification_id FROM notifications ORDER BY notification_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	if want := []string{"live", "tombstone"}; !slices.Equal(got, want) {
		t.Errorf("rows left %v, want %v", got, want)
	}
}

package nosql_test

import (
	"context"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

const notificationsTable = "fotogal_ntable_notifications"

// like returns a like of recipient's photo at t, its ids as the services
// make them.
func like(recipient string, t time.Time) store.Notification {
	return store.Notification{
		RecipientID: recipient, ID: newID(), Kind: activity.Like, ActorID: newID(), ImageID: newID(),
		EventTime: t, EventID: newID(),
	}
}

// TestLongestNotificationKeyFits writes and lists notifications whose keys
// are as long as the Store doc allows, ids of 26 bytes, and checks that
// longer ids and the read mark's are refused before anything is written.
func TestLongestNotificationKeyFits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	recipient := newID()
	n := like(recipient, time.Now().UTC())
	if err := s.ApplyNotifications(ctx, []store.Notification{n}); err != nil {
		t.Fatalf("ApplyNotifications: %v", err)
	}
	if _, err := s.AdvanceReadMark(ctx, recipient, n.EventTime); err != nil {
		t.Fatalf("AdvanceReadMark: %v", err)
	}
	if got, err := s.ListNotifications(ctx, recipient, store.NotificationCursor{}, 10); err != nil || len(got) != 1 || got[0].ID != n.ID {
		t.Errorf("ListNotifications: got %v, %v, want the notification %s", got, err, n.ID)
	}

	longRecipient := like(recipient+"x", time.Now().UTC())
	longID := like(recipient, time.Now().UTC())
	longID.ID += "x"
	readMark := like(recipient, time.Now().UTC())
	readMark.ID = "#read"
	tests := []struct {
		name string
		bad  store.Notification
	}{
		{"a recipient id of 27 bytes", longRecipient},
		{"a notification id of 27 bytes", longID},
		{"the read mark's id", readMark},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			good := like(recipient, time.Now().UTC())
			if err := s.ApplyNotifications(ctx, []store.Notification{good, tc.bad}); err == nil {
				t.Error("ApplyNotifications: got no error")
			}
			got, err := s.ListNotifications(ctx, recipient, store.NotificationCursor{}, 10)
			if err != nil || len(got) != 1 {
				t.Errorf("ListNotifications: got %v, %v, want only the first notification: a refused batch writes nothing", got, err)
			}
		})
	}
	if mark, err := s.ReadMark(ctx, recipient); err != nil || !mark.Equal(n.EventTime) {
		t.Errorf("ReadMark: got %v, %v, want %v", mark, err, n.EventTime)
	}
}

// TestNotificationRowTTL checks that each notification row expires by
// itself no sooner than its event's retention ends and within two days
// after (the TTL and the service's expiry both round up to the day); a row
// past its retention gets the smallest TTL, a day. A tombstone that
// replaces a live row takes the tombstone's TTL.
func TestNotificationRowTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := nosqltest.New(t)
	s := open(t, c)
	recipient := newID()
	now := time.Now().UTC()
	tombstoneOf := func(n store.Notification) store.Notification {
		n.Retracted, n.EventTime, n.EventID = true, n.EventTime.Add(time.Second), newID()
		return n
	}
	replaced := like(recipient, now)
	tests := []struct {
		name     string
		applies  []store.Notification
		earliest time.Time
	}{
		{"live, just now", []store.Notification{like(recipient, now)}, now.Add(store.NotificationRetention)},
		{"live, 89 days ago", []store.Notification{like(recipient, now.Add(-89*24*time.Hour))}, now.Add(24 * time.Hour)},
		{"live, past its retention", []store.Notification{like(recipient, now.Add(-100*24*time.Hour))}, now.Add(24 * time.Hour)},
		{"a tombstone", []store.Notification{tombstoneOf(like(recipient, now))}, now.Add(store.TombstoneRetention)},
		{"a tombstone over a live row", []store.Notification{replaced, tombstoneOf(replaced)}, now.Add(store.TombstoneRetention)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range tc.applies {
				if err := s.ApplyNotifications(ctx, []store.Notification{n}); err != nil {
					t.Fatalf("ApplyNotifications: %v", err)
				}
			}
			last := tc.applies[len(tc.applies)-1]
			res, err := c.Get(ctx, &nosqldb.GetRequest{
				TableName: notificationsTable,
				Key:       types.NewMapValue(map[string]any{"recipient_id": last.RecipientID, "notification_id": last.ID}),
			})
			if err != nil || res.Value == nil {
				t.Fatalf("Get: %v, %v", res, err)
			}
			got, latest := res.ExpirationTime, tc.earliest.Add(48*time.Hour)
			if got.Before(tc.earliest) || got.After(latest) {
				t.Errorf("row expires at %v, want between %v and %v", got, tc.earliest, latest)
			}
		})
	}
}

// TestInboxPageIsOneQuery checks that a page of an inbox with tombstones
// among its notifications takes one query, and that deleting more
// notifications than one WriteMultiple holds takes as few as it can.
func TestInboxPageIsOneQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, f := newStore(t)
	recipient := newID()
	start := time.Now().UTC().Add(-time.Hour)
	var ns []store.Notification
	for i := range 120 {
		n := like(recipient, start.Add(time.Duration(i)*time.Second))
		n.Retracted = i%2 == 0
		ns = append(ns, n)
	}
	if err := s.ApplyNotifications(ctx, ns); err != nil {
		t.Fatal(err)
	}
	queries := f.OpCount(ocifake.OpQuery, notificationsTable)
	page, err := s.ListNotifications(ctx, recipient, store.NotificationCursor{}, 50)
	if err != nil || len(page) != 50 {
		t.Fatalf("ListNotifications: got %d, %v, want 50", len(page), err)
	}
	if got := f.OpCount(ocifake.OpQuery, notificationsTable) - queries; got != 1 {
		t.Errorf("%d queries for a page, want 1", got)
	}

	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	writes := f.OpCount(ocifake.OpWriteMultiple, notificationsTable)
	if err := s.DeleteNotifications(ctx, recipient, ids); err != nil {
		t.Fatal(err)
	}
	if got, want := f.OpCount(ocifake.OpWriteMultiple, notificationsTable)-writes, 3; got != want {
		t.Errorf("%d WriteMultiple requests to delete %d notifications, want %d (50 + 50 + 20)", got, len(ids), want)
	}
	if rows := f.Rows(notificationsTable); len(rows) != 0 {
		t.Errorf("%d rows left, want none: %v", len(rows), rows)
	}
}

// TestApplyLosesARaceToANewerEvent holds an older event's write back while
// a newer event of the same notification is applied: the older write finds
// the row changed, reads it again and leaves the newer one.
func TestApplyLosesARaceToANewerEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, f := newStore(t)
	recipient := newID()
	first := like(recipient, time.Now().UTC().Add(-time.Minute))
	older, newer := first, first
	older.EventTime, older.EventID, older.Text = first.EventTime.Add(time.Second), newID(), "older"
	newer.EventTime, newer.EventID, newer.Text = first.EventTime.Add(2*time.Second), newID(), "newer"
	if err := s.ApplyNotifications(ctx, []store.Notification{first}); err != nil {
		t.Fatal(err)
	}
	f.InjectFault(ocifake.Fault{Op: ocifake.OpPut, Table: notificationsTable, Delay: 500 * time.Millisecond, Times: 1})
	done := make(chan error)
	go func() { done <- s.ApplyNotifications(ctx, []store.Notification{older}) }()
	// Wait until the older write is the one held back.
	for f.OpCount(ocifake.OpPut, notificationsTable) < 2 {
		time.Sleep(time.Millisecond)
	}
	if err := s.ApplyNotifications(ctx, []store.Notification{newer}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := s.ListNotifications(ctx, recipient, store.NotificationCursor{}, 10)
	if err != nil || len(got) != 1 || got[0].Text != "newer" {
		t.Errorf("ListNotifications: got %+v, %v, want the newer event's notification", got, err)
	}
}

package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// runNotifications runs the cases of the inboxes, the read marks and the
// activity cursors.
func runNotifications(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("NotificationsRoundTrip", func(t *testing.T) { testNotificationsRoundTrip(t, newStore(t)) })
	t.Run("NotificationsPaging", func(t *testing.T) { testNotificationsPaging(t, newStore(t)) })
	t.Run("NotificationsLastWriterWins", func(t *testing.T) { testNotificationsLastWriterWins(t, newStore) })
	t.Run("NotificationsConcurrently", func(t *testing.T) { testNotificationsConcurrently(t, newStore(t)) })
	t.Run("NotificationPagesSkipTombstones", func(t *testing.T) { testNotificationPagesSkipTombstones(t, newStore(t)) })
	t.Run("DeleteNotifications", func(t *testing.T) { testDeleteNotifications(t, newStore(t)) })
	t.Run("NotificationRetention", func(t *testing.T) { testNotificationRetention(t, newStore(t)) })
	t.Run("ReadMark", func(t *testing.T) { testReadMark(t, newStore(t)) })
	t.Run("ReadMarkConcurrently", func(t *testing.T) { testReadMarkConcurrently(t, newStore(t)) })
	t.Run("ActivityCursors", func(t *testing.T) { testActivityCursors(t, newStore(t)) })
}

// recent is the time the notifications of the tests happen around: an
// hour ago, well within their retention, which the stores count from the
// present.
var recent = time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)

// notification returns a like by actor-<id> of recipient's photo img-<id>,
// sec seconds after recent, written by event ev.
func notification(recipient, id string, sec int, ev string) store.Notification {
	return store.Notification{
		RecipientID: recipient,
		ID:          id,
		Kind:        activity.Like,
		ActorID:     "actor-" + id,
		ImageID:     "img-" + id,
		EventTime:   recent.Add(time.Duration(sec) * time.Second),
		EventID:     ev,
	}
}

// retracted returns n as a tombstone.
func retracted(n store.Notification) store.Notification {
	n.Retracted = true
	return n
}

func sameNotification(a, b store.Notification) bool {
	return a.RecipientID == b.RecipientID && a.ID == b.ID && a.Kind == b.Kind && a.ActorID == b.ActorID &&
		a.ImageID == b.ImageID && a.CommentID == b.CommentID && a.Text == b.Text &&
		a.EventTime.Equal(b.EventTime) && a.EventID == b.EventID && a.Retracted == b.Retracted
}

func apply(t *testing.T, s store.Store, ns ...store.Notification) {
	t.Helper()
	if err := s.ApplyNotifications(context.Background(), ns); err != nil {
		t.Fatalf("ApplyNotifications: %v", err)
	}
}

func listNotifications(t *testing.T, s store.Store, recipient string, before store.NotificationCursor, limit int) []store.Notification {
	t.Helper()
	ns, err := s.ListNotifications(context.Background(), recipient, before, limit)
	if err != nil {
		t.Fatalf("ListNotifications(%s, %+v, %d): %v", recipient, before, limit, err)
	}
	return ns
}

// inbox returns recipient's whole inbox, newest first.
func inbox(t *testing.T, s store.Store, recipient string) []store.Notification {
	t.Helper()
	return listNotifications(t, s, recipient, store.NotificationCursor{}, 1000)
}

func notificationIDs(ns []store.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

// cursorAfter is the cursor of the page after the one that ends with n.
func cursorAfter(n store.Notification) store.NotificationCursor {
	return store.NotificationCursor{EventTime: n.EventTime, ID: n.ID}
}

func testNotificationsRoundTrip(t *testing.T, s store.Store) {
	comment := store.Notification{
		RecipientID: "ann", ID: "c1", Kind: activity.Comment, ActorID: "bob", ImageID: "img-1", CommentID: "cmt-1",
		Text: "Quelle belle photo ! 📷", EventTime: recent.Add(3*time.Second + 7*time.Nanosecond), EventID: "ev-c1",
	}
	follow := store.Notification{RecipientID: "ann", ID: "f1", Kind: activity.Follow, ActorID: "cat", EventTime: recent.Add(time.Second), EventID: "ev-f1"}
	// b2, a2 and c2 share an instant: ids break the tie.
	tied := []store.Notification{notification("ann", "b2", 2, "ev-b2"), notification("ann", "a2", 2, "ev-a2"), notification("ann", "c2", 2, "ev-c2")}
	other := notification("bob", "c1", 9, "ev-bob")
	apply(t, s, append([]store.Notification{follow, other, comment}, tied...)...)

	got := inbox(t, s, "ann")
	want := []store.Notification{comment, tied[2], tied[0], tied[1], follow}
	if !slices.EqualFunc(got, want, sameNotification) {
		t.Errorf("inbox of ann:\n got %+v\nwant %+v", got, want)
	}
	for _, n := range got {
		if n.EventTime.Location() != time.UTC {
			t.Errorf("%s: event time %v, want UTC", n.ID, n.EventTime)
		}
	}
	t.Run("recipients are isolated", func(t *testing.T) {
		if got := inbox(t, s, "bob"); !slices.EqualFunc(got, []store.Notification{other}, sameNotification) {
			t.Errorf("inbox of bob: got %+v, want only %+v", got, other)
		}
		if got := inbox(t, s, "nobody"); len(got) != 0 {
			t.Errorf("inbox of nobody: got %+v, want none", got)
		}
	})
	t.Run("strictly before the cursor", func(t *testing.T) {
		got := listNotifications(t, s, "ann", cursorAfter(tied[0]), 10)
		if want := []string{"a2", "f1"}; !slices.Equal(notificationIDs(got), want) {
			t.Errorf("got %v, want %v", notificationIDs(got), want)
		}
	})
	t.Run("limit", func(t *testing.T) {
		got := listNotifications(t, s, "ann", store.NotificationCursor{}, 2)
		if want := []string{"c1", "c2"}; !slices.Equal(notificationIDs(got), want) {
			t.Errorf("got %v, want %v", notificationIDs(got), want)
		}
	})
}

// pageThrough reads recipient's inbox in pages of size and returns the
// sizes of the pages and the ids read, in order.
func pageThrough(t *testing.T, s store.Store, recipient string, size int) (sizes []int, ids []string) {
	t.Helper()
	var before store.NotificationCursor
	for range 100 {
		page := listNotifications(t, s, recipient, before, size)
		if len(page) == 0 {
			return sizes, ids
		}
		sizes = append(sizes, len(page))
		ids = append(ids, notificationIDs(page)...)
		before = cursorAfter(page[len(page)-1])
	}
	t.Fatal("paging does not end")
	return nil, nil
}

func testNotificationsPaging(t *testing.T, s store.Store) {
	var ns, want []string
	var batch []store.Notification
	for i := range 45 {
		// Three per instant, so that pages also end between ties.
		id := fmt.Sprintf("n-%02d", i)
		batch = append(batch, notification("ann", id, i/3, "ev-"+id))
		ns = append(ns, id)
	}
	apply(t, s, batch...)
	for i := len(ns) - 1; i >= 0; i-- {
		want = append(want, ns[i])
	}
	sizes, got := pageThrough(t, s, "ann", 20)
	if !slices.Equal(sizes, []int{20, 20, 5}) {
		t.Errorf("page sizes %v, want [20 20 5]", sizes)
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged ids:\n got %v\nwant %v (each once, newest first)", got, want)
	}
}

// testNotificationsLastWriterWins applies versions of one notification in
// the orders the tailers may read them: whatever the order, the newest
// event by (EventTime, EventID) decides.
func testNotificationsLastWriterWins(t *testing.T, newStore func(t *testing.T) store.Store) {
	older := notification("ann", "n", 1, "ev-1")
	older.Text = "older"
	newer := notification("ann", "n", 2, "ev-2")
	newer.Text = "newer"
	sameInstantHigherID := notification("ann", "n", 2, "ev-3")
	sameInstantHigherID.Text = "same instant, higher event id"
	newest := notification("ann", "n", 5, "ev-5")
	newest.Text = "newest"
	tests := []struct {
		name    string
		applies [][]store.Notification // one ApplyNotifications call each
		want    *store.Notification    // nil when nothing is listed
	}{
		{"newer, then older", [][]store.Notification{{newer}, {older}}, &newer},
		{"older, then newer", [][]store.Notification{{older}, {newer}}, &newer},
		{"both in one call, newer first", [][]store.Notification{{newer, older}}, &newer},
		{"both in one call, older first", [][]store.Notification{{older, newer}}, &newer},
		{"same instant: the higher event id wins", [][]store.Notification{{sameInstantHigherID}, {newer}}, &sameInstantHigherID},
		{"the same event twice", [][]store.Notification{{newer}, {newer}}, &newer},
		{"a tombstone newer than the live row", [][]store.Notification{{older}, {retracted(newer)}}, nil},
		{"an older live event after a tombstone", [][]store.Notification{{retracted(newer)}, {older}}, nil},
		{"an older live event after a tombstone that replaced a row", [][]store.Notification{{older}, {retracted(newer)}, {older}}, nil},
		{"a newer live event after a tombstone", [][]store.Notification{{older}, {retracted(newer)}, {newest}}, &newest},
		{"a tombstone older than the live row", [][]store.Notification{{newer}, {retracted(older)}}, &newer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			for _, ns := range tc.applies {
				apply(t, s, ns...)
			}
			var want []store.Notification
			if tc.want != nil {
				want = []store.Notification{*tc.want}
			}
			if got := inbox(t, s, "ann"); !slices.EqualFunc(got, want, sameNotification) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// testNotificationsConcurrently has several tailers apply the same 20
// versions of one notification, each in its own order: the newest stands.
func testNotificationsConcurrently(t *testing.T, s store.Store) {
	const goroutines, versions = 8, 20
	all := make([]store.Notification, versions)
	for i := range all {
		n := notification("ann", "n", i, fmt.Sprintf("ev-%02d", i))
		n.Text = fmt.Sprintf("version %d", i)
		// Every third a tombstone, the newest not.
		if i%3 == 2 {
			n = retracted(n)
		}
		all[i] = n
	}
	var wg sync.WaitGroup
	for range goroutines {
		order := slices.Clone(all)
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		wg.Go(func() {
			for _, n := range order {
				if err := s.ApplyNotifications(context.Background(), []store.Notification{n}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := all[versions-1]
	if got := inbox(t, s, "ann"); !slices.EqualFunc(got, []store.Notification{want}, sameNotification) {
		t.Errorf("got %+v, want only the newest version, %+v", got, want)
	}
}

// testNotificationPagesSkipTombstones interleaves tombstones with live
// notifications: no page is short because of them.
func testNotificationPagesSkipTombstones(t *testing.T, s store.Store) {
	var batch []store.Notification
	tombstones := make(map[string]bool)
	for i := range 75 {
		id := fmt.Sprintf("n-%02d", i)
		n := notification("ann", id, i, "ev-"+id)
		// 30 tombstones among the 75, two in every five.
		if i%5 == 1 || i%5 == 3 {
			n = retracted(n)
			tombstones[id] = true
		}
		batch = append(batch, n)
	}
	apply(t, s, batch...)
	sizes, ids := pageThrough(t, s, "ann", 20)
	if !slices.Equal(sizes, []int{20, 20, 5}) {
		t.Errorf("page sizes %v, want [20 20 5] for 45 live notifications", sizes)
	}
	for _, id := range ids {
		if tombstones[id] {
			t.Errorf("tombstone %s listed", id)
		}
	}
}

func testDeleteNotifications(t *testing.T, s store.Store) {
	ctx := context.Background()
	var batch []store.Notification
	for i := range 60 {
		batch = append(batch, notification("ann", fmt.Sprintf("n-%02d", i), i, fmt.Sprintf("ev-%02d", i)))
	}
	apply(t, s, append(batch, notification("bob", "n-01", 1, "ev-bob"))...)
	// More than one batch of a backend takes, a repeat and ids that are
	// not there.
	var del []string
	for i := range 60 {
		if i%10 != 0 {
			del = append(del, fmt.Sprintf("n-%02d", i))
		}
	}
	del = append(del, "n-01", "not-there", "")
	if err := s.DeleteNotifications(ctx, "ann", del); err != nil {
		t.Fatalf("DeleteNotifications: %v", err)
	}
	if got, want := notificationIDs(inbox(t, s, "ann")), []string{"n-50", "n-40", "n-30", "n-20", "n-10", "n-00"}; !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}
	if got := notificationIDs(inbox(t, s, "bob")); !slices.Equal(got, []string{"n-01"}) {
		t.Errorf("inbox of bob: got %v, want [n-01] untouched", got)
	}
	if err := s.DeleteNotifications(ctx, "ann", nil); err != nil {
		t.Errorf("DeleteNotifications(nil): %v", err)
	}
}

// testNotificationRetention applies a live notification older than
// NotificationRetention: it is not listed.
func testNotificationRetention(t *testing.T, s store.Store) {
	now := time.Now().UTC()
	old := notification("ann", "old", 0, "ev-old")
	old.EventTime = now.Add(-store.NotificationRetention - 24*time.Hour)
	kept := notification("ann", "kept", 0, "ev-kept")
	kept.EventTime = now.Add(-store.NotificationRetention + 24*time.Hour)
	apply(t, s, old, kept)
	if got := notificationIDs(inbox(t, s, "ann")); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("got %v, want only the notification within its retention, [kept]", got)
	}
	// Applying more sweeps old rows on the stores that sweep; the old one
	// stays out of the inbox either way.
	apply(t, s, notification("ann", "new", 0, "ev-new"))
	if got := notificationIDs(inbox(t, s, "ann")); !slices.Equal(got, []string{"new", "kept"}) {
		t.Errorf("got %v, want [new kept]", got)
	}
}

func testReadMark(t *testing.T, s store.Store) {
	ctx := context.Background()
	if got, err := s.ReadMark(ctx, "ann"); err != nil || !got.IsZero() {
		t.Errorf("ReadMark before any: got %v, %v, want the zero time", got, err)
	}
	if got, err := s.AdvanceReadMark(ctx, "ann", time.Time{}); err != nil || !got.IsZero() {
		t.Errorf("AdvanceReadMark to the zero time: got %v, %v, want the zero time", got, err)
	}
	steps := []struct {
		name string
		to   time.Time
		want time.Time
	}{
		{"first", recent, recent},
		{"forward", recent.Add(time.Minute), recent.Add(time.Minute)},
		{"back", recent, recent.Add(time.Minute)},
		{"the same", recent.Add(time.Minute), recent.Add(time.Minute)},
		{"a nanosecond forward", recent.Add(time.Minute + time.Nanosecond), recent.Add(time.Minute + time.Nanosecond)},
	}
	for _, step := range steps {
		got, err := s.AdvanceReadMark(ctx, "ann", step.to)
		if err != nil || !got.Equal(step.want) {
			t.Errorf("%s: AdvanceReadMark(%v): got %v, %v, want %v", step.name, step.to, got, err, step.want)
		}
		if got, err := s.ReadMark(ctx, "ann"); err != nil || !got.Equal(step.want) || got.Location() != time.UTC {
			t.Errorf("%s: ReadMark: got %v, %v, want %v in UTC", step.name, got, err, step.want)
		}
	}
	if got, err := s.ReadMark(ctx, "bob"); err != nil || !got.IsZero() {
		t.Errorf("ReadMark of another recipient: got %v, %v, want the zero time", got, err)
	}
	t.Run("the mark is no notification", func(t *testing.T) {
		if got := inbox(t, s, "ann"); len(got) != 0 {
			t.Errorf("inbox with a read mark and no notifications: got %+v, want none", got)
		}
		apply(t, s, notification("ann", "n", 1, "ev-1"))
		if got := notificationIDs(inbox(t, s, "ann")); !slices.Equal(got, []string{"n"}) {
			t.Errorf("inbox: got %v, want [n]", got)
		}
		if err := s.DeleteNotifications(ctx, "ann", []string{"n"}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ReadMark(ctx, "ann"); err != nil || !got.Equal(recent.Add(time.Minute+time.Nanosecond)) {
			t.Errorf("ReadMark after DeleteNotifications: got %v, %v, want it unchanged", got, err)
		}
	})
}

func testReadMarkConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if _, err := s.AdvanceReadMark(ctx, "ann", recent.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := s.ReadMark(ctx, "ann"); err != nil || !got.Equal(recent.Add(15*time.Second)) {
		t.Errorf("ReadMark: got %v, %v, want the latest, %v", got, err, recent.Add(15*time.Second))
	}
}

func testActivityCursors(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, source := range []string{"image", "user"} {
		if _, err := s.ActivityCursor(ctx, source); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ActivityCursor(%s) before any advance: got %v, want ErrNotFound", source, err)
		}
	}
	at := func(sec int, id string) activity.Cursor {
		return activity.Cursor{Time: recent.Add(time.Duration(sec) * time.Second), ID: id}
	}
	steps := []struct {
		name   string
		source string
		to     activity.Cursor
		want   activity.Cursor
	}{
		{"created on the first advance", "image", at(10, "m"), at(10, "m")},
		{"back in time", "image", at(5, "z"), at(10, "m")},
		{"same instant, lower id", "image", at(10, "a"), at(10, "m")},
		{"same instant, higher id", "image", at(10, "n"), at(10, "n")},
		{"same position", "image", at(10, "n"), at(10, "n")},
		{"another source, behind the first", "user", at(1, "a"), at(1, "a")},
		{"forward", "image", at(20, "a"), at(20, "a")},
	}
	for _, step := range steps {
		if err := s.AdvanceActivityCursor(ctx, step.source, step.to); err != nil {
			t.Fatalf("%s: AdvanceActivityCursor: %v", step.name, err)
		}
		got, err := s.ActivityCursor(ctx, step.source)
		if err != nil || !got.Time.Equal(step.want.Time) || got.ID != step.want.ID {
			t.Errorf("%s: cursor of %s %v, %v, want %v", step.name, step.source, got, err, step.want)
		}
	}
	if got, err := s.ActivityCursor(ctx, "user"); err != nil || !got.Time.Equal(at(1, "a").Time) || got.ID != "a" {
		t.Errorf("cursor of user after the image cursor moved: %v, %v, want %v", got, err, at(1, "a"))
	}
	t.Run("concurrent advances end at the furthest", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				if err := s.AdvanceActivityCursor(ctx, "user", at(100+i, "ev")); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got, err := s.ActivityCursor(ctx, "user"); err != nil || !got.Time.Equal(at(115, "ev").Time) || got.ID != "ev" {
			t.Errorf("cursor of user: %v, %v, want %v", got, err, at(115, "ev"))
		}
	})
}

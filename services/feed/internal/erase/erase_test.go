package erase_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/services/feed/internal/erase"
	"github.com/fotogal/fotogal/services/feed/internal/store"
	"github.com/fotogal/fotogal/services/feed/internal/store/sqlite"
)

// The account deleted, and the others whose rows must stay.
const gone = "gone"

var people = []string{gone, "ann", "bob"}

// base is the time the photos are posted around; recent the time of the
// notifications, within their retention, which the store counts from now.
var (
	base   = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	recent = time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
)

// countingStore is a store.Store that counts the rows its deletions
// delete, and fails DeleteInbox while failInbox is set.
type countingStore struct {
	store.Store
	mu        sync.Mutex
	deleted   int
	failInbox bool
}

var errInjected = errors.New("injected failure")

func (s *countingStore) count(n int, err error) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted += n
	return n, err
}

// takeDeleted returns how many rows were deleted since it was last called.
func (s *countingStore) takeDeleted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.deleted
	s.deleted = 0
	return n
}

func (s *countingStore) DeleteTimeline(ctx context.Context, id string, limit int) (int, error) {
	return s.count(s.Store.DeleteTimeline(ctx, id, limit))
}

func (s *countingStore) DeleteOwnerEntries(ctx context.Context, id string, limit int) (int, error) {
	return s.count(s.Store.DeleteOwnerEntries(ctx, id, limit))
}

func (s *countingStore) DeleteInbox(ctx context.Context, id string, limit int) (int, error) {
	s.mu.Lock()
	fail := s.failInbox
	s.mu.Unlock()
	if fail {
		return 0, errInjected
	}
	return s.count(s.Store.DeleteInbox(ctx, id, limit))
}

func (s *countingStore) DeleteActorNotifications(ctx context.Context, id string, limit int) (int, error) {
	return s.count(s.Store.DeleteActorNotifications(ctx, id, limit))
}

func openStore(t *testing.T) *countingStore {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &countingStore{Store: s}
}

// photos returns reader's entries of n photos of owner, named
// <owner>-<i> and posted i seconds after base.
func photos(reader, owner string, n int) []store.Entry {
	entries := make([]store.Entry, n)
	for i := range entries {
		p := store.Position{CreatedAt: base.Add(time.Duration(i) * time.Second), ImageID: fmt.Sprintf("%s-%02d", owner, i)}
		entries[i] = store.Entry{ReaderID: reader, Position: p, OwnerID: owner}
	}
	return entries
}

// notifications returns n notifications of recipient by actor, the ith i
// seconds after recent; every third is a tombstone.
func notifications(recipient, actor string, n int) []store.Notification {
	ns := make([]store.Notification, n)
	for i := range ns {
		ns[i] = store.Notification{
			RecipientID: recipient, ID: fmt.Sprintf("like-%s-%02d", actor, i), Kind: activity.Like, ActorID: actor,
			ImageID: fmt.Sprintf("img-%02d", i), EventTime: recent.Add(time.Duration(i) * time.Second),
			EventID: fmt.Sprintf("ev-%s-%s-%02d", recipient, actor, i), Retracted: i%3 == 2,
		}
	}
	return ns
}

// populate writes ann's and bob's timelines, inboxes, read marks and
// celebrity marks into s, and with withGone gone's too, with gone's photos
// in ann's and bob's timelines and gone's likes in their inboxes. It
// returns how many rows of gone's it wrote (the celebrity mark aside).
func populate(t *testing.T, s store.Store, withGone bool) int {
	t.Helper()
	ctx := context.Background()
	timelines := map[string][]store.Entry{
		"ann": append(photos("ann", "ann", 3), photos("ann", "bob", 5)...),
		"bob": photos("bob", "bob", 5),
	}
	inboxes := [][]store.Notification{notifications("ann", "bob", 4), notifications("bob", "ann", 4)}
	celebrities := []string{"bob"}
	var rows int
	if withGone {
		timelines[gone] = append(photos(gone, gone, 6), photos(gone, "bob", 5)...)
		timelines["ann"] = append(timelines["ann"], photos("ann", gone, 6)...)
		timelines["bob"] = append(timelines["bob"], photos("bob", gone, 6)...)
		inboxes = append(inboxes, notifications(gone, "ann", 9), notifications("ann", gone, 7), notifications("bob", gone, 5))
		celebrities = append(celebrities, gone)
		// gone's state and entries, gone's photos in the other two
		// timelines, gone's inbox and read mark, gone's likes elsewhere.
		rows = 1 + 11 + 6 + 6 + 9 + 1 + 7 + 5
	}
	for _, reader := range slices.Sorted(maps.Keys(timelines)) {
		if _, err := s.CreateReader(ctx, store.Reader{ID: reader, FollowsSyncedAt: base, Floor: store.Top}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Backfill(ctx, reader, timelines[reader], func(r *store.Reader) { r.Floor = store.Bottom }); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range inboxes {
		if err := s.ApplyNotifications(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	for _, recipient := range people {
		if recipient == gone && !withGone {
			continue
		}
		if _, err := s.AdvanceReadMark(ctx, recipient, recent); err != nil {
			t.Fatal(err)
		}
	}
	for _, owner := range celebrities {
		if err := s.MarkCelebrity(ctx, owner, base); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// snapshot describes what s shows of everyone: readers, timelines, inboxes,
// read marks and celebrities.
func snapshot(t *testing.T, s store.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, id := range people {
		r, err := s.GetReader(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		entries, err := s.ListEntries(ctx, store.EntryQuery{ReaderID: id, Before: store.Top, Floor: store.Bottom, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := s.ListNotifications(ctx, id, store.NotificationCursor{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		mark, err := s.ReadMark(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: reader %+v (%v)\n  timeline %v\n  inbox %v\n  read mark %v\n", id, r, err, entries, ns, mark)
	}
	celebrities, err := s.ListCelebrities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(celebrities)
	fmt.Fprintf(&b, "celebrities %v\n", celebrities)
	return b.String()
}

// withoutGone is the snapshot of a store where gone never was.
func withoutGone(t *testing.T) string {
	t.Helper()
	s := openStore(t)
	populate(t, s, false)
	return snapshot(t, s)
}

func deleteUserData(srv *erase.Server, id string) (bool, error) {
	resp, err := srv.DeleteUserData(context.Background(), &feedv1.DeleteUserDataRequest{UserId: id})
	return resp.GetDone(), err
}

func TestDeleteUserData(t *testing.T) {
	want := withoutGone(t)
	tests := []struct {
		name  string
		batch int // 0: erase.DefaultBatch
	}{
		{"a row per call", 1},
		{"a few rows per call", 7},
		{"batches that the steps' rows fill exactly", 6},
		{"the default batch", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			rows := populate(t, s, true)
			srv := erase.New(erase.Config{Store: s, Batch: tc.batch})
			batch := cmp.Or(tc.batch, erase.DefaultBatch)

			var calls, total int
			for done := false; !done; {
				if calls++; calls > rows+1 {
					t.Fatalf("not done after %d calls", calls-1)
				}
				var err error
				if done, err = deleteUserData(srv, gone); err != nil {
					t.Fatalf("call %d: %v", calls, err)
				}
				n := s.takeDeleted()
				if n > batch {
					t.Errorf("call %d deleted %d rows, over the batch of %d", calls, n, batch)
				}
				if !done && n < batch {
					t.Errorf("call %d deleted %d rows, fewer than the batch of %d, and is not done", calls, n, batch)
				}
				total += n
			}
			// Every call but the last deletes a whole batch; the last finds
			// what is left, fewer than a batch, perhaps none.
			if total != rows || calls != rows/batch+1 {
				t.Errorf("deleted %d rows in %d calls, want %d in %d", total, calls, rows, rows/batch+1)
			}
			if got := snapshot(t, s); got != want {
				t.Errorf("after the deletion:\n%s\nwant, as if gone never was:\n%s", got, want)
			}

			done, err := deleteUserData(srv, gone)
			if err != nil || !done {
				t.Errorf("a further call: done %v, %v, want done", done, err)
			}
			if n := s.takeDeleted(); n != 0 {
				t.Errorf("a further call deleted %d rows, want none", n)
			}
			if got := snapshot(t, s); got != want {
				t.Errorf("after a further call:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestDeleteUserDataOfAnUnknownAccount(t *testing.T) {
	s := openStore(t)
	populate(t, s, false)
	before := snapshot(t, s)
	done, err := deleteUserData(erase.New(erase.Config{Store: s, Batch: 1}), "nobody")
	if err != nil || !done {
		t.Errorf("got done %v, %v, want done at once", done, err)
	}
	if got := snapshot(t, s); got != before {
		t.Errorf("after the call:\n%s\nwant it unchanged:\n%s", got, before)
	}
}

func TestDeleteUserDataRefusesAnEmptyID(t *testing.T) {
	s := openStore(t)
	_, err := deleteUserData(erase.New(erase.Config{Store: s}), "")
	if got := status.Code(err); got != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "user_id") {
		t.Errorf("got %v, want InvalidArgument naming user_id", err)
	}
}

// TestDeleteUserDataAfterAFailure fails a step part way through the
// deletion: the call fails, without claiming done, and the calls after it
// finish the deletion.
func TestDeleteUserDataAfterAFailure(t *testing.T) {
	want := withoutGone(t)
	s := openStore(t)
	rows := populate(t, s, true)
	srv := erase.New(erase.Config{Store: s, Batch: 5})
	// Four calls delete the timeline rows and some entries elsewhere; the
	// inbox fails after the timelines are gone.
	s.failInbox = true
	var failed bool
	for range 10 {
		_, err := deleteUserData(srv, gone)
		if err != nil {
			if got := status.Code(err); got != codes.Internal {
				t.Errorf("failed call: code %v, want Internal", got)
			}
			if strings.Contains(err.Error(), errInjected.Error()) {
				t.Errorf("failed call reveals the store's error: %v", err)
			}
			failed = true
			break
		}
	}
	if !failed {
		t.Fatal("no call reached the failing inbox deletion")
	}
	deleted := s.takeDeleted()
	s.failInbox = false
	var calls int
	for done := false; !done; calls++ {
		if calls > rows {
			t.Fatalf("not done after %d calls", calls)
		}
		var err error
		if done, err = deleteUserData(srv, gone); err != nil {
			t.Fatalf("call %d after the failure: %v", calls+1, err)
		}
	}
	if total := deleted + s.takeDeleted(); total != rows {
		t.Errorf("deleted %d rows in all, want %d", total, rows)
	}
	if got := snapshot(t, s); got != want {
		t.Errorf("after the deletion:\n%s\nwant, as if gone never was:\n%s", got, want)
	}
}

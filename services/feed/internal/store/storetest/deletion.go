package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// runDeletion runs the cases of the deletion of an account, "gone", among
// others' rows that must stay.
func runDeletion(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("DeleteTimeline", func(t *testing.T) { testDeleteTimeline(t, newStore) })
	t.Run("DeleteTimelineStateFirst", func(t *testing.T) { testDeleteTimelineStateFirst(t, newStore(t)) })
	t.Run("DeleteOwnerEntries", func(t *testing.T) { testDeleteOwnerEntries(t, newStore) })
	t.Run("DeleteCelebrity", func(t *testing.T) { testDeleteCelebrity(t, newStore(t)) })
	t.Run("DeleteInbox", func(t *testing.T) { testDeleteInbox(t, newStore) })
	t.Run("DeleteActorNotifications", func(t *testing.T) { testDeleteActorNotifications(t, newStore) })
}

// drain calls del with limit until it deletes fewer than limit rows, and
// returns how many it deleted in all and how many calls that took. No call
// may delete more than limit.
func drain(t *testing.T, what string, limit int, del func(ctx context.Context, limit int) (int, error)) (total, calls int) {
	t.Helper()
	for calls < 1000 {
		n, err := del(context.Background(), limit)
		calls++
		if err != nil {
			t.Fatalf("%s, call %d: %v", what, calls, err)
		}
		if n > limit {
			t.Fatalf("%s, call %d: deleted %d rows, over the limit of %d", what, calls, n, limit)
		}
		total += n
		if n < limit {
			return total, calls
		}
	}
	t.Fatalf("%s: still deleting after %d calls of %d rows", what, calls, limit)
	return total, calls
}

// photosOf returns reader's entries of n photos of owner, named
// <prefix>-<i> and posted i ms after base.
func photosOf(reader, owner, prefix string, n int) []store.Entry {
	entries := make([]store.Entry, n)
	for i := range entries {
		entries[i] = entry(reader, at(i, fmt.Sprintf("%s-%03d", prefix, i)), owner)
	}
	return entries
}

// backfilled creates reader with entries, complete down to the bottom, and
// returns its state.
func backfilled(t *testing.T, s store.Store, reader string, entries []store.Entry) store.Reader {
	t.Helper()
	create(t, s, pending(reader))
	r, err := s.Backfill(context.Background(), reader, entries, func(r *store.Reader) { r.Floor = store.Bottom })
	if err != nil {
		t.Fatalf("Backfill(%s): %v", reader, err)
	}
	return r
}

// wantCalls is how many calls drain needs to delete rows rows, limit at a
// time: one more than the full batches, the last finding fewer than limit.
func wantCalls(rows, limit int) int { return rows/limit + 1 }

func testDeleteTimeline(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	// The state row and 120 entries: 121 rows, more than a WriteMultiple
	// of the NoSQL adapter holds.
	const rows = 121
	for _, limit := range []int{11, 50, 1000} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			s := newStore(t)
			// gone's timeline holds photos of its own and of others; ann's
			// holds photos of gone's, which this deletion leaves alone.
			backfilled(t, s, "gone", append(photosOf("gone", "gone", "own", 60), photosOf("gone", "bob", "bob", 60)...))
			annEntries := append(photosOf("ann", "gone", "own", 5), photosOf("ann", "bob", "bob", 5)...)
			ann := backfilled(t, s, "ann", annEntries)

			if n, err := s.DeleteTimeline(ctx, "nobody", limit); err != nil || n != 0 {
				t.Errorf("DeleteTimeline of no reader: got %d, %v, want 0", n, err)
			}
			total, calls := drain(t, "DeleteTimeline", limit, func(ctx context.Context, limit int) (int, error) {
				return s.DeleteTimeline(ctx, "gone", limit)
			})
			if total != rows || calls != wantCalls(rows, limit) {
				t.Errorf("deleted %d rows in %d calls, want %d in %d", total, calls, rows, wantCalls(rows, limit))
			}
			if _, err := s.GetReader(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetReader after the deletion: got %v, want ErrNotFound", err)
			}
			if got := list(t, s, all("gone")); len(got) != 0 {
				t.Errorf("entries left: %v", ids(got))
			}
			if got, err := s.FilterReaders(ctx, []string{"gone", "ann"}); err != nil || !slices.Equal(got, []string{"ann"}) {
				t.Errorf("FilterReaders: got %v, %v, want [ann]", got, err)
			}
			if got, err := s.GetReader(ctx, "ann"); err != nil || !sameReader(got, ann) {
				t.Errorf("another reader: got %+v, %v, want %+v untouched", got, err, ann)
			}
			if got := list(t, s, all("ann")); len(got) != len(annEntries) {
				t.Errorf("another reader's timeline: %d entries, want its %d", len(got), len(annEntries))
			}
			if n, err := s.DeleteTimeline(ctx, "gone", limit); err != nil || n != 0 {
				t.Errorf("DeleteTimeline again: got %d, %v, want 0", n, err)
			}
		})
	}
}

// testDeleteTimelineStateFirst checks that the first row deleted is the
// reader's state, so that nothing adds to the timeline while its entries
// go.
func testDeleteTimelineStateFirst(t *testing.T, s store.Store) {
	ctx := context.Background()
	backfilled(t, s, "gone", photosOf("gone", "bob", "bob", 3))
	if n, err := s.DeleteTimeline(ctx, "gone", 1); err != nil || n != 1 {
		t.Fatalf("DeleteTimeline(1): got %d, %v, want 1", n, err)
	}
	if _, err := s.GetReader(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetReader after deleting one row: got %v, want ErrNotFound", err)
	}
	if got := list(t, s, all("gone")); len(got) != 3 {
		t.Errorf("after deleting one row: %d entries, want the 3 still there", len(got))
	}
	if _, err := s.Backfill(ctx, "gone", photosOf("gone", "bob", "late", 1), func(*store.Reader) {}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Backfill after the state went: got %v, want ErrNotFound", err)
	}
	if total, _ := drain(t, "DeleteTimeline", 2, func(ctx context.Context, limit int) (int, error) {
		return s.DeleteTimeline(ctx, "gone", limit)
	}); total != 3 {
		t.Errorf("then deleted %d rows, want the 3 entries", total)
	}
}

func testDeleteOwnerEntries(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	for _, limit := range []int{13, 1000} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			s := newStore(t)
			// gone's photos are in three timelines, gone's own among them,
			// 60 of them in ann's: more than a WriteMultiple holds.
			timelines := map[string][]store.Entry{
				"ann":  append(photosOf("ann", "gone", "gone", 60), photosOf("ann", "bob", "bob", 4)...),
				"bob":  append(photosOf("bob", "gone", "gone", 7), photosOf("bob", "bob", "bob", 4)...),
				"gone": append(photosOf("gone", "gone", "gone", 7), photosOf("gone", "bob", "bob", 4)...),
				"cat":  photosOf("cat", "bob", "bob", 4),
			}
			readers := make(map[string]store.Reader)
			for reader, entries := range timelines {
				readers[reader] = backfilled(t, s, reader, entries)
			}
			// The tailer's rows count as much as the backfill's.
			if err := s.AddEntries(ctx, []store.Entry{entry("cat", at(100, "late"), "gone")}); err != nil {
				t.Fatal(err)
			}
			const rows = 60 + 7 + 7 + 1

			if n, err := s.DeleteOwnerEntries(ctx, "nobody", limit); err != nil || n != 0 {
				t.Errorf("DeleteOwnerEntries of no owner: got %d, %v, want 0", n, err)
			}
			total, calls := drain(t, "DeleteOwnerEntries", limit, func(ctx context.Context, limit int) (int, error) {
				return s.DeleteOwnerEntries(ctx, "gone", limit)
			})
			if total != rows || calls != wantCalls(rows, limit) {
				t.Errorf("deleted %d rows in %d calls, want %d in %d", total, calls, rows, wantCalls(rows, limit))
			}
			for reader, r := range readers {
				got := list(t, s, all(reader))
				var want []store.Entry
				for _, e := range slices.Backward(timelines[reader]) {
					if e.OwnerID != "gone" {
						want = append(want, e)
					}
				}
				if !slices.EqualFunc(got, want, sameEntry) {
					t.Errorf("timeline of %s:\n got %v\nwant %v", reader, got, want)
				}
				// The state rows are no entries of gone's, and are left
				// as they were: Version included.
				if got, err := s.GetReader(ctx, reader); err != nil || !sameReader(got, r) {
					t.Errorf("reader %s: got %+v, %v, want %+v untouched", reader, got, err, r)
				}
			}
			if n, err := s.DeleteOwnerEntries(ctx, "gone", limit); err != nil || n != 0 {
				t.Errorf("DeleteOwnerEntries again: got %d, %v, want 0", n, err)
			}
		})
	}
}

func testDeleteCelebrity(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, owner := range []string{"gone", "star"} {
		if err := s.MarkCelebrity(ctx, owner, base); err != nil {
			t.Fatal(err)
		}
	}
	// Twice: a mark already gone is no failure; nor is an owner never
	// marked.
	for _, owner := range []string{"gone", "gone", "nobody"} {
		if err := s.DeleteCelebrity(ctx, owner); err != nil {
			t.Errorf("DeleteCelebrity(%s): %v", owner, err)
		}
	}
	if got, err := s.ListCelebrities(ctx); err != nil || !slices.Equal(got, []string{"star"}) {
		t.Errorf("ListCelebrities: got %v, %v, want [star]", got, err)
	}
}

// inboxOf returns n notifications of recipient by actor, named
// <prefix>-<i>, the ith i seconds after recent, retracted where i is a
// multiple of every.
func inboxOf(recipient, actor, prefix string, n, every int) []store.Notification {
	ns := make([]store.Notification, n)
	for i := range ns {
		ns[i] = notification(recipient, fmt.Sprintf("%s-%02d", prefix, i), i, fmt.Sprintf("ev-%s-%02d", prefix, i))
		ns[i].ActorID = actor
		if i%every == 0 {
			ns[i].Retracted = true
		}
	}
	return ns
}

// live returns the notifications of ns that are not tombstones, newest
// first (EventTime, then ID, descending), as an inbox lists them.
func live(ns []store.Notification) []store.Notification {
	var out []store.Notification
	for _, n := range ns {
		if !n.Retracted {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b store.Notification) int {
		return cmp.Or(b.EventTime.Compare(a.EventTime), cmp.Compare(b.ID, a.ID))
	})
	return out
}

// checkTombstoneGone applies a live event about n older than n's: it is
// listed only if the tombstone n left is gone.
func checkTombstoneGone(t *testing.T, s store.Store, n store.Notification) {
	t.Helper()
	older := n
	older.Retracted, older.EventTime, older.EventID = false, n.EventTime.Add(-time.Hour), "ev-older"
	apply(t, s, older)
	if got := inbox(t, s, n.RecipientID); !slices.ContainsFunc(got, func(m store.Notification) bool { return m.ID == n.ID }) {
		t.Errorf("an event older than the tombstone of %s/%s is not listed: the tombstone is still there", n.RecipientID, n.ID)
	}
}

func testDeleteInbox(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	for _, limit := range []int{9, 1000} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			s := newStore(t)
			// 60 notifications in gone's inbox, 12 of them tombstones, and
			// its read mark: 61 rows.
			mine := inboxOf("gone", "bob", "n", 60, 5)
			// ann's inbox holds notifications by gone too: this deletion
			// leaves them to DeleteActorNotifications.
			anns := append(inboxOf("ann", "bob", "b", 5, 10), inboxOf("ann", "gone", "g", 5, 10)...)
			apply(t, s, append(mine, anns...)...)
			for _, r := range []string{"gone", "ann"} {
				if _, err := s.AdvanceReadMark(ctx, r, recent); err != nil {
					t.Fatal(err)
				}
			}
			const rows = 61

			if n, err := s.DeleteInbox(ctx, "nobody", limit); err != nil || n != 0 {
				t.Errorf("DeleteInbox of no recipient: got %d, %v, want 0", n, err)
			}
			total, calls := drain(t, "DeleteInbox", limit, func(ctx context.Context, limit int) (int, error) {
				return s.DeleteInbox(ctx, "gone", limit)
			})
			if total != rows || calls != wantCalls(rows, limit) {
				t.Errorf("deleted %d rows in %d calls, want %d in %d", total, calls, rows, wantCalls(rows, limit))
			}
			if got := inbox(t, s, "gone"); len(got) != 0 {
				t.Errorf("notifications left: %v", notificationIDs(got))
			}
			if got, err := s.ReadMark(ctx, "gone"); err != nil || !got.IsZero() {
				t.Errorf("ReadMark: got %v, %v, want the zero time", got, err)
			}
			if got, want := inbox(t, s, "ann"), live(anns); !slices.EqualFunc(got, want, sameNotification) {
				t.Errorf("another inbox:\n got %v\nwant %v", notificationIDs(got), notificationIDs(want))
			}
			if got, err := s.ReadMark(ctx, "ann"); err != nil || !got.Equal(recent) {
				t.Errorf("another read mark: got %v, %v, want %v", got, err, recent)
			}
			if n, err := s.DeleteInbox(ctx, "gone", limit); err != nil || n != 0 {
				t.Errorf("DeleteInbox again: got %d, %v, want 0", n, err)
			}
			checkTombstoneGone(t, s, mine[0])
		})
	}
}

func testDeleteActorNotifications(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	for _, limit := range []int{17, 1000} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			s := newStore(t)
			// gone's notifications in two inboxes, 60 in ann's (more than
			// a WriteMultiple holds), tombstones among them; others'
			// notifications in the same inboxes and in gone's own.
			byGone := append(inboxOf("ann", "gone", "g", 60, 7), inboxOf("bob", "gone", "g", 6, 7)...)
			kept := map[string][]store.Notification{
				"ann":  inboxOf("ann", "bob", "b", 5, 3),
				"bob":  inboxOf("bob", "ann", "a", 5, 3),
				"gone": inboxOf("gone", "ann", "a", 5, 3),
			}
			apply(t, s, byGone...)
			for _, ns := range kept {
				apply(t, s, ns...)
			}
			if _, err := s.AdvanceReadMark(ctx, "ann", recent); err != nil {
				t.Fatal(err)
			}
			rows := len(byGone)

			if n, err := s.DeleteActorNotifications(ctx, "nobody", limit); err != nil || n != 0 {
				t.Errorf("DeleteActorNotifications of no actor: got %d, %v, want 0", n, err)
			}
			total, calls := drain(t, "DeleteActorNotifications", limit, func(ctx context.Context, limit int) (int, error) {
				return s.DeleteActorNotifications(ctx, "gone", limit)
			})
			if total != rows || calls != wantCalls(rows, limit) {
				t.Errorf("deleted %d rows in %d calls, want %d in %d", total, calls, rows, wantCalls(rows, limit))
			}
			for recipient, ns := range kept {
				if got, want := inbox(t, s, recipient), live(ns); !slices.EqualFunc(got, want, sameNotification) {
					t.Errorf("inbox of %s:\n got %v\nwant %v", recipient, notificationIDs(got), notificationIDs(want))
				}
			}
			if got, err := s.ReadMark(ctx, "ann"); err != nil || !got.Equal(recent) {
				t.Errorf("read mark of ann: got %v, %v, want %v", got, err, recent)
			}
			if n, err := s.DeleteActorNotifications(ctx, "gone", limit); err != nil || n != 0 {
				t.Errorf("DeleteActorNotifications again: got %d, %v, want 0", n, err)
			}
			checkTombstoneGone(t, s, byGone[0])
		})
	}
}

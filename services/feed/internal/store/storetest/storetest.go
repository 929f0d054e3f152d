// Package storetest is the contract every store.Store implementation must
// meet: the timelines and their tailer (storetest.go), the notification
// inboxes, read marks and activity cursors (notifications.go), and the
// deletion of an account's rows (deletion.go). Each adapter's tests call
// Run with a function that returns a new, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// Run runs the contract suite, each case on a store newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Readers", func(t *testing.T) { testReaders(t, newStore(t)) })
	t.Run("Backfill", func(t *testing.T) { testBackfill(t, newStore(t)) })
	t.Run("BackfillConcurrently", func(t *testing.T) { testBackfillConcurrently(t, newStore(t)) })
	t.Run("ListEntries", func(t *testing.T) { testListEntries(t, newStore(t)) })
	t.Run("ListEntriesPagingAcrossInserts", func(t *testing.T) { testPaging(t, newStore(t)) })
	t.Run("DeleteEntries", func(t *testing.T) { testDeleteEntries(t, newStore(t)) })
	t.Run("AddEntriesAndFilterReaders", func(t *testing.T) { testAddEntries(t, newStore(t)) })
	t.Run("TailCursor", func(t *testing.T) { testTailCursor(t, newStore(t)) })
	t.Run("TailCursorConcurrently", func(t *testing.T) { testTailCursorConcurrently(t, newStore(t)) })
	t.Run("Celebrities", func(t *testing.T) { testCelebrities(t, newStore(t)) })
	runNotifications(t, newStore)
	runDeletion(t, newStore)
}

// base is the time the photos of the tests are posted around.
var base = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// at returns the position of a photo id posted ms milliseconds after base.
func at(ms int, id string) store.Position {
	return store.Position{CreatedAt: base.Add(time.Duration(ms) * time.Millisecond), ImageID: id}
}

// entry returns reader's entry of a photo of owner at p.
func entry(reader string, p store.Position, owner string) store.Entry {
	return store.Entry{ReaderID: reader, Position: p, OwnerID: owner}
}

func create(t *testing.T, s store.Store, r store.Reader) store.Reader {
	t.Helper()
	got, err := s.CreateReader(context.Background(), r)
	if err != nil {
		t.Fatalf("CreateReader(%s): %v", r.ID, err)
	}
	return got
}

// pending is a reader whose timeline is being filled for the first time.
func pending(id string) store.Reader {
	return store.Reader{ID: id, FollowsSyncedAt: store.Bottom.CreatedAt, Floor: store.Top}
}

// samePosition reports whether p and q are the same position, times
// compared as instants.
func samePosition(p, q store.Position) bool { return p.Compare(q) == 0 }

func sameReader(got, want store.Reader) bool {
	return got.ID == want.ID && got.FollowsSyncedAt.Equal(want.FollowsSyncedAt) &&
		samePosition(got.Floor, want.Floor) && got.Version == want.Version
}

func testReaders(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.GetReader(ctx, "ann"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetReader of a missing reader: got %v, want ErrNotFound", err)
	}
	tests := []struct {
		name string
		r    store.Reader
	}{
		{"pending", pending("ann")},
		{"complete", store.Reader{ID: "bob", FollowsSyncedAt: base, Floor: store.Bottom}},
		{"floor at a photo", store.Reader{ID: "cat", FollowsSyncedAt: base.Add(time.Nanosecond), Floor: at(3, "img-3")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.r
			want.Version = 1
			if got := create(t, s, tc.r); !sameReader(got, want) {
				t.Errorf("CreateReader: got %+v, want %+v", got, want)
			}
			got, err := s.GetReader(ctx, tc.r.ID)
			if err != nil || !sameReader(got, want) {
				t.Errorf("GetReader: got %+v, %v, want %+v", got, err, want)
			}
			// Creating again leaves the reader as it is.
			again := tc.r
			again.Floor = at(9, "other")
			if got := create(t, s, again); !sameReader(got, want) {
				t.Errorf("CreateReader over an existing reader: got %+v, want the existing %+v", got, want)
			}
		})
	}
}

func testBackfill(t *testing.T, s store.Store) {
	ctx := context.Background()
	create(t, s, pending("ann"))
	create(t, s, pending("bob"))
	first := []store.Entry{entry("ann", at(1, "a"), "o1"), entry("ann", at(2, "b"), "o2")}

	got, err := s.Backfill(ctx, "ann", first, func(r *store.Reader) {
		r.FollowsSyncedAt, r.Floor = base, store.Bottom
	})
	want := store.Reader{ID: "ann", FollowsSyncedAt: base, Floor: store.Bottom, Version: 2}
	if err != nil || !sameReader(got, want) {
		t.Fatalf("Backfill: got %+v, %v, want %+v", got, err, want)
	}
	if got, err := s.GetReader(ctx, "ann"); err != nil || !sameReader(got, want) {
		t.Errorf("GetReader after Backfill: got %+v, %v, want %+v", got, err, want)
	}

	// Entries already there are left as they are; the version moves on
	// even when nothing else changes.
	second := []store.Entry{entry("ann", at(2, "b"), "someone-else"), entry("ann", at(3, "c"), "o3")}
	if got, err := s.Backfill(ctx, "ann", second, func(*store.Reader) {}); err != nil || got.Version != 3 {
		t.Errorf("second Backfill: got %+v, %v, want version 3", got, err)
	}
	wantEntries := []store.Entry{entry("ann", at(3, "c"), "o3"), entry("ann", at(2, "b"), "o2"), entry("ann", at(1, "a"), "o1")}
	if got := list(t, s, all("ann")); !slices.EqualFunc(got, wantEntries, sameEntry) {
		t.Errorf("entries:\n got %v\nwant %v", got, wantEntries)
	}
	if got := list(t, s, all("bob")); len(got) != 0 {
		t.Errorf("another reader's entries: got %v, want none", got)
	}

	t.Run("missing reader", func(t *testing.T) {
		_, err := s.Backfill(ctx, "nobody", []store.Entry{entry("nobody", at(1, "a"), "o1")}, func(*store.Reader) {})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
		if got := list(t, s, all("nobody")); len(got) != 0 {
			t.Errorf("entries of a missing reader were written: %v", got)
		}
	})
	t.Run("entries of another reader", func(t *testing.T) {
		_, err := s.Backfill(ctx, "bob", []store.Entry{entry("bob", at(1, "a"), "o1"), entry("ann", at(9, "z"), "o1")}, func(*store.Reader) {})
		if err == nil {
			t.Error("got no error")
		}
		if got := list(t, s, all("bob")); len(got) != 0 {
			t.Errorf("a failed backfill left entries: %v", got)
		}
	})
}

// testBackfillConcurrently checks that concurrent backfills lose no update
// and that exactly one of them sees the reader still pending.
func testBackfillConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	create(t, s, pending("ann"))
	const n = 8
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		// won says which backfills saw the reader pending; update may run
		// more than once, and only its last run counts.
		won [n]bool
	)
	for i := range n {
		wg.Go(func() {
			e := entry("ann", at(i, fmt.Sprintf("img-%d", i)), "o")
			_, err := s.Backfill(ctx, "ann", []store.Entry{e}, func(r *store.Reader) {
				mu.Lock()
				defer mu.Unlock()
				won[i] = r.Floor == store.Top
				if won[i] {
					r.Floor = e.Position
				}
				if synced := base.Add(time.Duration(i) * time.Second); synced.After(r.FollowsSyncedAt) {
					r.FollowsSyncedAt = synced
				}
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetReader(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	winner := slices.Index(won[:], true)
	if countOf(won[:], true) != 1 {
		t.Fatalf("backfills that saw the reader pending: %v, want exactly one", won)
	}
	want := store.Reader{ID: "ann", FollowsSyncedAt: base.Add((n - 1) * time.Second), Floor: at(winner, fmt.Sprintf("img-%d", winner)), Version: 1 + n}
	if !sameReader(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := list(t, s, all("ann")); len(got) != n {
		t.Errorf("%d entries, want %d", len(got), n)
	}
}

// all asks for a reader's whole timeline.
func all(reader string) store.EntryQuery {
	return store.EntryQuery{ReaderID: reader, Before: store.Top, Floor: store.Bottom, Limit: 1000}
}

func list(t *testing.T, s store.Store, q store.EntryQuery) []store.Entry {
	t.Helper()
	entries, err := s.ListEntries(context.Background(), q)
	if err != nil {
		t.Fatalf("ListEntries(%+v): %v", q, err)
	}
	return entries
}

func sameEntry(a, b store.Entry) bool {
	return a.ReaderID == b.ReaderID && samePosition(a.Position, b.Position) && a.OwnerID == b.OwnerID
}

func ids(entries []store.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ImageID
	}
	return out
}

func testListEntries(t *testing.T, s store.Store) {
	ctx := context.Background()
	// Photos b, c and d share an instant: ids break the tie.
	var entries []store.Entry
	for _, p := range []store.Position{at(1, "a"), at(2, "c"), at(2, "b"), at(2, "d"), at(3, "e"), at(4, "f")} {
		entries = append(entries, entry("ann", p, "owner-"+p.ImageID))
	}
	if err := s.AddEntries(ctx, append(entries, entry("bob", at(2, "x"), "o"))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    store.EntryQuery
		want []string
	}{
		{"everything", all("ann"), []string{"f", "e", "d", "c", "b", "a"}},
		{"limit", store.EntryQuery{ReaderID: "ann", Before: store.Top, Floor: store.Bottom, Limit: 2}, []string{"f", "e"}},
		{"strictly before", store.EntryQuery{ReaderID: "ann", Before: at(2, "c"), Floor: store.Bottom, Limit: 10}, []string{"b", "a"}},
		{"at or before", store.EntryQuery{ReaderID: "ann", Before: at(2, "c"), IncludeBefore: true, Floor: store.Bottom, Limit: 10}, []string{"c", "b", "a"}},
		{"before a position that is no entry", store.EntryQuery{ReaderID: "ann", Before: at(2, "cc"), IncludeBefore: true, Floor: store.Bottom, Limit: 10}, []string{"c", "b", "a"}},
		{"down to the floor, inclusive", store.EntryQuery{ReaderID: "ann", Before: store.Top, Floor: at(2, "c"), Limit: 10}, []string{"f", "e", "d", "c"}},
		{"between", store.EntryQuery{ReaderID: "ann", Before: at(4, "f"), Floor: at(2, "b"), Limit: 10}, []string{"e", "d", "c", "b"}},
		{"floor above before", store.EntryQuery{ReaderID: "ann", Before: at(2, "b"), Floor: at(3, "e"), Limit: 10}, nil},
		{"long ago and far ahead", store.EntryQuery{ReaderID: "ann", Before: store.Position{CreatedAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, Floor: store.Position{CreatedAt: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, Limit: 10}, []string{"f", "e", "d", "c", "b", "a"}},
		{"another reader", all("bob"), []string{"x"}},
		{"no timeline", all("nobody"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(list(t, s, tc.q)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("entries come back whole", func(t *testing.T) {
		got := list(t, s, store.EntryQuery{ReaderID: "ann", Before: at(2, "c"), IncludeBefore: true, Floor: at(2, "c"), Limit: 10})
		if want := []store.Entry{entry("ann", at(2, "c"), "owner-c")}; !slices.EqualFunc(got, want, sameEntry) {
			t.Errorf("got %+v, want %+v", got, want)
		}
		if len(got) == 1 && got[0].CreatedAt.Location() != time.UTC {
			t.Errorf("created at %v, want UTC", got[0].CreatedAt)
		}
	})
}

// testPaging pages through a timeline by keyset while entries are added
// above the pages read (new photos) and within the part not read yet
// (photos copied late): the pages neither repeat nor skip an entry, and
// hold the late ones.
func testPaging(t *testing.T, s store.Store) {
	ctx := context.Background()
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("img-%02d", i)
		if err := s.AddEntries(ctx, []store.Entry{entry("ann", at(10*i, id), "o")}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{id}, want...)
	}
	var got []string
	before := store.Top
	for page := 0; ; page++ {
		entries := list(t, s, store.EntryQuery{ReaderID: "ann", Before: before, Floor: store.Bottom, Limit: 10})
		got = append(got, ids(entries)...)
		late := []store.Entry{
			entry("ann", at(1000+page, fmt.Sprintf("new-%d", page)), "o"),
			entry("ann", at(5+10*page, fmt.Sprintf("late-%d", page)), "o"),
		}
		if err := s.AddEntries(ctx, late); err != nil {
			t.Fatal(err)
		}
		if len(entries) < 10 {
			break
		}
		before = entries[len(entries)-1].Position
		if page > 10 {
			t.Fatal("paging does not end")
		}
	}
	for _, id := range got {
		if n := countOf(got, id); n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Errorf("%s skipped", id)
		}
	}
	if slices.ContainsFunc(got, func(id string) bool { return id[:3] == "new" }) {
		t.Errorf("entries newer than the first page were listed: %v", got)
	}
}

func countOf[T comparable](values []T, v T) int {
	n := 0
	for _, x := range values {
		if x == v {
			n++
		}
	}
	return n
}

func testDeleteEntries(t *testing.T, s store.Store) {
	ctx := context.Background()
	create(t, s, pending("ann"))
	r, err := s.Backfill(ctx, "ann", []store.Entry{
		entry("ann", at(1, "a"), "o"), entry("ann", at(2, "b"), "o"), entry("ann", at(3, "c"), "o"),
	}, func(r *store.Reader) { r.Floor = store.Bottom })
	if err != nil {
		t.Fatal(err)
	}

	deleted, err := s.DeleteEntries(ctx, "ann", []store.Position{at(2, "b"), at(9, "not-there")}, r.Version-1)
	if err != nil || deleted {
		t.Errorf("with a stale version: got %v, %v, want false", deleted, err)
	}
	if got, want := ids(list(t, s, all("ann"))), []string{"c", "b", "a"}; !slices.Equal(got, want) {
		t.Errorf("after a refused deletion: got %v, want %v", got, want)
	}
	deleted, err = s.DeleteEntries(ctx, "ann", []store.Position{at(2, "b"), at(9, "not-there")}, r.Version)
	if err != nil || !deleted {
		t.Errorf("with the version: got %v, %v, want true", deleted, err)
	}
	if got, want := ids(list(t, s, all("ann"))), []string{"c", "a"}; !slices.Equal(got, want) {
		t.Errorf("after the deletion: got %v, want %v", got, want)
	}
	if deleted, err := s.DeleteEntries(ctx, "nobody", []store.Position{at(1, "a")}, 1); err != nil || deleted {
		t.Errorf("missing reader: got %v, %v, want false", deleted, err)
	}

	t.Run("exactly one of a deletion and a backfill decided on the same version wins", func(t *testing.T) {
		r, err := s.GetReader(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var backfilled store.Reader
		var deleted bool
		wg.Go(func() {
			var err error
			backfilled, err = s.Backfill(ctx, "ann", []store.Entry{entry("ann", at(1, "a"), "o")}, func(*store.Reader) {})
			if err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			var err error
			deleted, err = s.DeleteEntries(ctx, "ann", []store.Position{at(1, "a")}, r.Version)
			if err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		// Either the deletion came first and the backfill wrote the entry
		// back, or the backfill came first and the deletion was refused:
		// the entry is there in both cases.
		if got := ids(list(t, s, all("ann"))); !slices.Contains(got, "a") {
			t.Errorf("deleted = %v, backfill version %d: entry a is gone (%v)", deleted, backfilled.Version, got)
		}
	})
}

func testAddEntries(t *testing.T, s store.Store) {
	ctx := context.Background()
	// More readers than one batch of a backend may take.
	var readers []string
	for i := range 1200 {
		readers = append(readers, fmt.Sprintf("reader-%04d", i))
	}
	for _, r := range readers[:700] {
		create(t, s, pending(r))
	}
	got, err := s.FilterReaders(ctx, append(slices.Clone(readers), "nobody"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, readers[:700]) {
		t.Errorf("FilterReaders: got %d readers, want the 700 created", len(got))
	}
	if got, err := s.FilterReaders(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("FilterReaders(nil): got %v, %v", got, err)
	}

	var entries []store.Entry
	for _, r := range readers {
		entries = append(entries, entry(r, at(1, "photo"), "owner"))
	}
	// Twice: adding is idempotent.
	for range 2 {
		if err := s.AddEntries(ctx, entries); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []string{readers[0], readers[1199]} {
		if got, want := ids(list(t, s, all(r))), []string{"photo"}; !slices.Equal(got, want) {
			t.Errorf("timeline of %s: got %v, want %v", r, got, want)
		}
	}
	if err := s.AddEntries(ctx, nil); err != nil {
		t.Errorf("AddEntries(nil): %v", err)
	}
}

func testTailCursor(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.TailCursor(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TailCursor before InitTailCursor: got %v, want ErrNotFound", err)
	}
	if err := s.AdvanceTailCursor(ctx, at(1, "a")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AdvanceTailCursor before InitTailCursor: got %v, want ErrNotFound", err)
	}
	start := store.Position{CreatedAt: base}
	if got, err := s.InitTailCursor(ctx, start); err != nil || !samePosition(got, start) {
		t.Fatalf("InitTailCursor: got %v, %v, want %v", got, err, start)
	}
	if got, err := s.InitTailCursor(ctx, at(50, "x")); err != nil || !samePosition(got, start) {
		t.Errorf("InitTailCursor again: got %v, %v, want the cursor set first, %v", got, err, start)
	}
	steps := []struct {
		name string
		to   store.Position
		want store.Position
	}{
		{"forward", at(10, "m"), at(10, "m")},
		{"back in time", at(5, "z"), at(10, "m")},
		{"same instant, lower id", at(10, "a"), at(10, "m")},
		{"same instant, higher id", at(10, "n"), at(10, "n")},
		{"same position", at(10, "n"), at(10, "n")},
	}
	for _, step := range steps {
		if err := s.AdvanceTailCursor(ctx, step.to); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got, err := s.TailCursor(ctx)
		if err != nil || !samePosition(got, step.want) {
			t.Errorf("%s: cursor %v, %v, want %v", step.name, got, err, step.want)
		}
	}
}

func testTailCursorConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.InitTailCursor(ctx, store.Position{CreatedAt: base}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := s.AdvanceTailCursor(ctx, at(i, "img")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := s.TailCursor(ctx); err != nil || !samePosition(got, at(15, "img")) {
		t.Errorf("cursor %v, %v, want the newest, %v", got, err, at(15, "img"))
	}
}

func testCelebrities(t *testing.T, s store.Store) {
	ctx := context.Background()
	listed := func(what string, want ...string) {
		t.Helper()
		got, err := s.ListCelebrities(ctx)
		if err != nil {
			t.Fatalf("%s: ListCelebrities: %v", what, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: celebrities %v, want %v", what, got, want)
		}
	}
	listed("none marked")
	if err := s.MarkCelebrity(ctx, "star-b", base); err != nil {
		t.Fatal(err)
	}
	listed("one marked", "star-b")
	// Several replicas may mark the same account, at once or later: the
	// first mark stands, and the account is listed once.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			owner := "star-a"
			if i%2 == 1 {
				owner = "star-b"
			}
			if err := s.MarkCelebrity(ctx, owner, base.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	listed("marked again, concurrently", "star-a", "star-b")
	// Marks are not timeline rows: no reader appears.
	if got, err := s.FilterReaders(ctx, []string{"star-a", "star-b"}); err != nil || len(got) != 0 {
		t.Errorf("FilterReaders of celebrities without timelines: got %v, %v, want none", got, err)
	}
}

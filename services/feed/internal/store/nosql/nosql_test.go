package nosql_test

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/feed/internal/store"
	"github.com/fotogal/fotogal/services/feed/internal/store/nosql"
	"github.com/fotogal/fotogal/services/feed/internal/store/storetest"
)

// The tables of the adapter, as the package doc names them.
var tables = []string{"fotogal_ntable_timelines", "fotogal_ntable_feedstate", "fotogal_ntable_celebrities", "fotogal_ntable_notifications"}

func open(t *testing.T, c *nosqlclient.Client) *nosql.Store {
	t.Helper()
	s, err := nosql.Open(context.Background(), c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// newStore opens a store on a fresh fake and returns it with the fake.
func newStore(t *testing.T) (*nosql.Store, *ocifake.NoSQL) {
	t.Helper()
	c, f := nosqltest.New(t)
	return open(t, c), f
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := newStore(t)
		return s
	})
}

func TestSchemaMatchesDoc(t *testing.T) {
	t.Parallel()
	nosqltest.CheckSchemaMatchesDoc(t, func(c *nosqlclient.Client) { open(t, c) })
}

// newID returns an id shaped as the services make them: 16 random bytes in
// lower-case base32 without padding, 26 bytes.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

var base = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// pending is a reader whose timeline is being filled for the first time.
func pending(id string) store.Reader {
	return store.Reader{ID: id, FollowsSyncedAt: store.Bottom.CreatedAt, Floor: store.Top}
}

func TestSecondOpenChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, f := newStore(t)
	reader := newID()
	if _, err := s.CreateReader(ctx, pending(reader)); err != nil {
		t.Fatal(err)
	}
	e := store.Entry{ReaderID: reader, Position: store.Position{CreatedAt: base, ImageID: newID()}, OwnerID: newID()}
	if _, err := s.Backfill(ctx, reader, []store.Entry{e}, func(r *store.Reader) { r.Floor = store.Bottom }); err != nil {
		t.Fatal(err)
	}
	cursor := store.Position{CreatedAt: base, ImageID: e.ImageID}
	if _, err := s.InitTailCursor(ctx, cursor); err != nil {
		t.Fatal(err)
	}
	n := store.Notification{RecipientID: reader, ID: newID(), Kind: activity.Follow, ActorID: newID(), EventTime: time.Now().UTC(), EventID: newID()}
	if err := s.ApplyNotifications(ctx, []store.Notification{n}); err != nil {
		t.Fatal(err)
	}
	again := nosqltest.Reopen(t, f, tables, func(c *nosqlclient.Client) *nosql.Store { return open(t, c) })

	t.Run("data still there", func(t *testing.T) {
		r, err := again.GetReader(ctx, reader)
		if err != nil || r.Version != 2 || r.Floor.Compare(store.Bottom) != 0 {
			t.Errorf("GetReader: got %+v, %v, want version 2 and the floor at the bottom", r, err)
		}
		entries, err := again.ListEntries(ctx, store.EntryQuery{ReaderID: reader, Before: store.Top, Floor: store.Bottom, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].ImageID != e.ImageID {
			t.Errorf("ListEntries: got %v, %v, want the entry of %s", entries, err, e.ImageID)
		}
		if got, err := again.TailCursor(ctx); err != nil || got.Compare(cursor) != 0 {
			t.Errorf("TailCursor: got %v, %v, want %v", got, err, cursor)
		}
		if got, err := again.ListNotifications(ctx, reader, store.NotificationCursor{}, 10); err != nil || len(got) != 1 || got[0].ID != n.ID {
			t.Errorf("ListNotifications: got %v, %v, want the notification %s", got, err, n.ID)
		}
	})
}

// TestLongestKeyFits writes and reads an entry whose key is as long as the
// Store doc allows: a reader id and an image id of 26 bytes each.
func TestLongestKeyFits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	reader, image := newID(), newID()
	if len(reader) != 26 || len(image) != 26 {
		t.Fatalf("ids of %d and %d bytes, want 26", len(reader), len(image))
	}
	p := store.Position{CreatedAt: base.Add(time.Nanosecond), ImageID: image}
	if err := s.AddEntries(ctx, []store.Entry{{ReaderID: reader, Position: p, OwnerID: newID()}}); err != nil {
		t.Fatalf("AddEntries: %v", err)
	}
	if _, err := s.CreateReader(ctx, store.Reader{ID: reader, FollowsSyncedAt: base, Floor: p}); err != nil {
		t.Fatalf("CreateReader: %v", err)
	}
	got, err := s.ListEntries(ctx, store.EntryQuery{ReaderID: reader, Before: store.Top, Floor: p, Limit: 10})
	if err != nil || len(got) != 1 || got[0].Compare(p) != 0 {
		t.Errorf("ListEntries: got %v, %v, want the entry at %v", got, err, p)
	}
	if ids, err := s.FilterReaders(ctx, []string{reader}); err != nil || !slices.Equal(ids, []string{reader}) {
		t.Errorf("FilterReaders: got %v, %v, want [%s]", ids, err, reader)
	}
	t.Run("a key one byte longer is refused", func(t *testing.T) {
		// 26 + 8 + 31 = 65 bytes: the fake measures keys as the service
		// does, so the entry above fits for what it is.
		long := store.Position{CreatedAt: p.CreatedAt, ImageID: image + "abcde"}
		if err := s.AddEntries(ctx, []store.Entry{{ReaderID: reader, Position: long, OwnerID: newID()}}); err == nil {
			t.Error("AddEntries of a 65-byte key: got no error")
		}
	})
}

// TestBackfillOfManyEntries fills a timeline with more entries than one
// WriteMultiple takes, as the service's default backfill of 500 does.
func TestBackfillOfManyEntries(t *testing.T) {
	t.Parallel()
	const n = 500
	ctx := context.Background()
	s, f := newStore(t)
	reader := newID()
	if _, err := s.CreateReader(ctx, pending(reader)); err != nil {
		t.Fatal(err)
	}
	entries := make([]store.Entry, n)
	for i := range entries {
		entries[i] = store.Entry{ReaderID: reader, Position: store.Position{CreatedAt: base.Add(time.Duration(i) * time.Second), ImageID: newID()}, OwnerID: newID()}
	}
	floor := entries[0].Position
	r, err := s.Backfill(ctx, reader, entries, func(r *store.Reader) { r.Floor = floor })
	if err != nil {
		t.Fatalf("Backfill: %v", err)
	}
	if r.Version != 2 || r.Floor.Compare(floor) != 0 {
		t.Errorf("Backfill: got %+v, want version 2 and the floor at %v", r, floor)
	}
	// The last request takes 49 entries and the state row, the 451 others
	// go ahead in requests of 50.
	if got, want := f.OpCount(ocifake.OpWriteMultiple, "fotogal_ntable_timelines"), 1+(n-49+49)/50; got != want {
		t.Errorf("%d WriteMultiple requests, want %d", got, want)
	}
	got, err := s.ListEntries(ctx, store.EntryQuery{ReaderID: reader, Before: store.Top, Floor: floor, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(entries)
	slices.Reverse(want)
	if len(got) != len(want) {
		t.Fatalf("listed %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Compare(want[i].Position) != 0 || got[i].OwnerID != want[i].OwnerID {
			t.Fatalf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// photos returns n entries of reader, a second apart from start, each of a
// photo of its own.
func photos(reader string, start time.Time, n int) []store.Entry {
	entries := make([]store.Entry, n)
	for i := range entries {
		entries[i] = store.Entry{ReaderID: reader, Position: store.Position{CreatedAt: start.Add(time.Duration(i) * time.Second), ImageID: newID()}, OwnerID: newID()}
	}
	return entries
}

func positions(entries []store.Entry) []store.Position {
	out := make([]store.Position, len(entries))
	for i, e := range entries {
		out[i] = e.Position
	}
	return out
}

// listAll returns the whole timeline of reader, newest first.
func listAll(t *testing.T, s store.Store, reader string) []store.Entry {
	t.Helper()
	entries, err := s.ListEntries(context.Background(), store.EntryQuery{ReaderID: reader, Before: store.Top, Floor: store.Bottom, Limit: 10000})
	if err != nil {
		t.Fatalf("ListEntries: %v", err)
	}
	return entries
}

// TestDeleteManyEntries deletes more entries at once than one WriteMultiple
// takes.
func TestDeleteManyEntries(t *testing.T) {
	t.Parallel()
	const n = 120
	ctx := context.Background()
	s, f := newStore(t)
	reader := newID()
	if _, err := s.CreateReader(ctx, pending(reader)); err != nil {
		t.Fatal(err)
	}
	entries := photos(reader, base, n+1)
	r, err := s.Backfill(ctx, reader, entries, func(r *store.Reader) { r.Floor = store.Bottom })
	if err != nil {
		t.Fatal(err)
	}
	if deleted, err := s.DeleteEntries(ctx, reader, positions(entries[:n]), r.Version-1); err != nil || deleted {
		t.Errorf("with a stale version: got %v, %v, want false", deleted, err)
	}
	sent := f.OpCount(ocifake.OpWriteMultiple, "fotogal_ntable_timelines")
	if deleted, err := s.DeleteEntries(ctx, reader, positions(entries[:n]), r.Version); err != nil || !deleted {
		t.Fatalf("with the version: got %v, %v, want true", deleted, err)
	}
	if got, want := f.OpCount(ocifake.OpWriteMultiple, "fotogal_ntable_timelines")-sent, 3; got != want {
		t.Errorf("%d WriteMultiple requests, want %d (49 + 49 + 22 deletes)", got, want)
	}
	if got := listAll(t, s, reader); len(got) != 1 || got[0].Compare(entries[n].Position) != 0 {
		t.Errorf("left %v, want only the entry at %v", got, entries[n].Position)
	}
	if got, err := s.GetReader(ctx, reader); err != nil || got.Version != r.Version {
		t.Errorf("GetReader: got %+v, %v, want version %d unchanged", got, err, r.Version)
	}
}

// TestBackfillsAndDeletionsInterleaved runs backfills of several requests
// each while deletions decided before them run too: whatever the order, no
// backfill loses an entry and each counts once.
func TestBackfillsAndDeletionsInterleaved(t *testing.T) {
	t.Parallel()
	const backfills, perBackfill = 4, 120
	ctx := context.Background()
	s, _ := newStore(t)
	reader := newID()
	r, err := s.CreateReader(ctx, pending(reader))
	if err != nil {
		t.Fatal(err)
	}
	batches := make([][]store.Entry, backfills)
	for i := range batches {
		batches[i] = photos(reader, base.Add(time.Duration(i)*time.Hour), perBackfill)
	}
	var wg sync.WaitGroup
	for i := range backfills {
		wg.Go(func() {
			if _, err := s.Backfill(ctx, reader, batches[i], func(r *store.Reader) { r.Floor = store.Bottom }); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			// Decided at the version before any backfill: it may delete
			// only what a backfill writes again.
			if _, err := s.DeleteEntries(ctx, reader, positions(batches[i]), r.Version); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := listAll(t, s, reader); len(got) != backfills*perBackfill {
		t.Errorf("%d entries, want %d", len(got), backfills*perBackfill)
	}
	if got, err := s.GetReader(ctx, reader); err != nil || got.Version != r.Version+backfills {
		t.Errorf("GetReader: got %+v, %v, want version %d", got, err, r.Version+backfills)
	}
}

// TestBackfillCutShort fails a Backfill between its requests: the entries
// of the requests that went through stay, without the state, below the
// floor where no stretch of the timeline reads them; the Backfill run
// again completes over them.
func TestBackfillCutShort(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, f := newStore(t)
	reader := newID()
	floor := store.Position{CreatedAt: base.Add(24 * time.Hour), ImageID: newID()}
	r, err := s.CreateReader(ctx, store.Reader{ID: reader, FollowsSyncedAt: base, Floor: floor})
	if err != nil {
		t.Fatal(err)
	}
	older := photos(reader, base, 200)
	lower := func(r *store.Reader) { r.Floor = older[0].Position }

	f.InjectFault(ocifake.Fault{Op: ocifake.OpWriteMultiple, Table: "fotogal_ntable_timelines", Code: nosqlerr.ServiceUnavailable, Times: 1})
	if _, err := s.Backfill(ctx, reader, older, lower); err == nil {
		t.Fatal("Backfill with a failing request: got no error")
	}
	if got, err := s.GetReader(ctx, reader); err != nil || got.Version != r.Version || got.Floor.Compare(floor) != 0 {
		t.Errorf("GetReader: got %+v, %v, want the state unchanged, %+v", got, err, r)
	}
	left := listAll(t, s, reader)
	if len(left) > len(older)-49 {
		t.Errorf("%d entries left, want at most the %d of the requests before the last", len(left), len(older)-49)
	}
	got, err := s.ListEntries(ctx, store.EntryQuery{ReaderID: reader, Before: store.Top, Floor: floor, Limit: 1000})
	if err != nil || len(got) != 0 {
		t.Errorf("ListEntries down to the floor: got %v, %v, want none of the entries below it", got, err)
	}

	written, err := s.Backfill(ctx, reader, older, lower)
	if err != nil {
		t.Fatal(err)
	}
	if written.Version != r.Version+1 || written.Floor.Compare(older[0].Position) != 0 {
		t.Errorf("Backfill: got %+v, want version %d and the floor at %v", written, r.Version+1, older[0].Position)
	}
	if got := listAll(t, s, reader); len(got) != len(older) {
		t.Errorf("%d entries, want %d, each once", len(got), len(older))
	}
}

// TestBackfillStartsOverAfterADeletion deletes entries of a Backfill after
// it read the state and before its last request: the last request aborts,
// and the Backfill runs update again and writes every entry again.
func TestBackfillStartsOverAfterADeletion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	reader := newID()
	r, err := s.CreateReader(ctx, pending(reader))
	if err != nil {
		t.Fatal(err)
	}
	entries := photos(reader, base, 120)
	// The entries are there already, as a backfill cut short leaves them.
	if err := s.AddEntries(ctx, entries); err != nil {
		t.Fatal(err)
	}
	runs := 0
	written, err := s.Backfill(ctx, reader, entries, func(cur *store.Reader) {
		runs++
		if runs == 1 {
			deleted, err := s.DeleteEntries(ctx, reader, positions(entries), cur.Version)
			if err != nil || !deleted {
				t.Errorf("DeleteEntries during the Backfill: got %v, %v, want true", deleted, err)
			}
		}
		cur.Floor = store.Bottom
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("update ran %d times, want 2", runs)
	}
	if written.Version != r.Version+1 {
		t.Errorf("Backfill: got version %d, want %d", written.Version, r.Version+1)
	}
	if got := listAll(t, s, reader); len(got) != len(entries) {
		t.Errorf("%d entries, want %d", len(got), len(entries))
	}
}

// TestStateRowIsNoEntry checks that the reader's state row, at the bottom
// of posting order, is never listed, overwritten or deleted as an entry.
func TestStateRowIsNoEntry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	reader := newID()
	r, err := s.CreateReader(ctx, pending(reader))
	if err != nil {
		t.Fatal(err)
	}
	atBottom := store.Entry{ReaderID: reader, Position: store.Bottom, OwnerID: newID()}
	t.Run("AddEntries refuses an entry at the bottom", func(t *testing.T) {
		if err := s.AddEntries(ctx, []store.Entry{atBottom}); err == nil {
			t.Error("got no error")
		}
	})
	t.Run("Backfill refuses an entry at the bottom", func(t *testing.T) {
		if _, err := s.Backfill(ctx, reader, []store.Entry{atBottom}, func(*store.Reader) {}); err == nil {
			t.Error("got no error")
		}
	})
	t.Run("DeleteEntries leaves the state row", func(t *testing.T) {
		if _, err := s.DeleteEntries(ctx, reader, []store.Position{store.Bottom}, r.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetReader(ctx, reader); err != nil {
			t.Errorf("GetReader: %v", err)
		}
	})
	t.Run("ListEntries down to the bottom", func(t *testing.T) {
		for _, include := range []bool{false, true} {
			got, err := s.ListEntries(ctx, store.EntryQuery{ReaderID: reader, Before: store.Top, IncludeBefore: include, Floor: store.Bottom, Limit: 10})
			if err != nil || len(got) != 0 {
				t.Errorf("IncludeBefore %v: got %v, %v, want no entries", include, got, err)
			}
		}
	})
}

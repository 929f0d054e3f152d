package feed

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// rowsMode keeps pages on the timeline rows: the tailer runs before each
// request and the backfill holds every photo of these tests.
var rowsMode = modes[1]

// TestTailerIdempotentUnderOverlap checks that passes re-reading the same
// stretch of the posting log copy each photo once, and do not ask for the
// followers again.
func TestTailerIdempotentUnderOverlap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, rowsMode)
	reader, other := e.users.add("reader", false), e.users.add("other", false)
	owner := followed(e, reader)
	e.users.follow(other, owner)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	e.page(t, reader, 0, "")
	e.page(t, other, 0, "")

	for i := range 4 {
		e.images.post(owner, start.Add(time.Duration(i)*time.Second))
	}
	want := e.expected(owner)
	e.tailOnce(t)
	followerCalls := e.users.callCount("ListFollowerIds")
	// Every photo is within the overlap of the cursor: each pass re-reads
	// them all.
	for range 3 {
		e.tailOnce(t)
	}
	for _, r := range []string{reader, other} {
		if got := e.entries(t, r); !slices.Equal(got, want) {
			t.Errorf("entries of %s: got %v, want %v", r, got, want)
		}
	}
	if got := e.users.callCount("ListFollowerIds"); got != followerCalls {
		t.Errorf("passes over copied photos asked for followers %d more times", got-followerCalls)
	}
	cursor, err := e.store.TailCursor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if newest := e.images.images[want[0]]; cursor.Compare(position(newest)) != 0 {
		t.Errorf("tail cursor %v, want the newest photo's position %v", cursor, position(newest))
	}
}

// TestTailerDeliversLateCommits checks that a photo committed after newer
// ones, with a create time older than the tail cursor but within the
// overlap, is still copied, to its place.
func TestTailerDeliversLateCommits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, rowsMode)
	reader := e.users.add("reader", false)
	owner := followed(e, reader)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	e.page(t, reader, 0, "")
	e.images.post(owner, start)
	e.images.post(owner, start.Add(4*time.Second))
	e.tailOnce(t)

	late := e.images.post(owner, start.Add(2*time.Second))
	e.tailOnce(t)
	want := e.expected(owner)
	if want[1] != late {
		t.Fatalf("setup: the late photo is not between the others: %v", want)
	}
	if got := e.entries(t, reader); !slices.Equal(got, want) {
		t.Errorf("entries: got %v, want %v", got, want)
	}
	if got := e.all(t, reader, 1); !slices.Equal(got, want) {
		t.Errorf("timeline: got %v, want %v", got, want)
	}
}

// TestTailerCopiesOnlyIntoTimelines checks that the tailer copies a photo
// to its owner and to the followers that have a timeline, and that the
// others find it when they first ask.
func TestTailerCopiesOnlyIntoTimelines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, rowsMode)
	owner := e.users.add("owner", false)
	active, newcomer, stranger := e.users.add("active", false), e.users.add("newcomer", false), e.users.add("stranger", false)
	e.users.follow(active, owner)
	e.users.follow(newcomer, owner)
	e.page(t, owner, 0, "")
	e.page(t, active, 0, "")
	e.page(t, stranger, 0, "")

	photo := e.images.post(owner, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	e.tailOnce(t)
	tests := []struct {
		reader string
		want   []string
	}{
		{owner, []string{photo}},
		{active, []string{photo}},
		{newcomer, []string{}},
		{stranger, []string{}},
	}
	for _, tc := range tests {
		if got := e.entries(t, tc.reader); !slices.Equal(got, tc.want) {
			t.Errorf("entries of %s: got %v, want %v", tc.reader, got, tc.want)
		}
	}
	if got := itemIDs(e.page(t, newcomer, 0, "")); !slices.Equal(got, []string{photo}) {
		t.Errorf("the newcomer's first page: got %v, want %v", got, []string{photo})
	}
	if got := e.entries(t, newcomer); !slices.Equal(got, []string{photo}) {
		t.Errorf("the newcomer's entries after the first page: got %v, want %v", got, []string{photo})
	}
}

// TestStaleEntriesDeletedLazily checks that the entries of an unfollowed
// account and of a deleted photo are left out of the page though present,
// and then deleted from the timeline.
func TestStaleEntriesDeletedLazily(t *testing.T) {
	t.Parallel()
	e := newEnv(t, rowsMode)
	reader := e.users.add("reader", false)
	kept, dropped := followed(e, reader), e.users.add("dropped", false)
	e.users.follow(reader, dropped)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var keptPhotos []string
	for i := range 3 {
		keptPhotos = append(keptPhotos, e.images.post(kept, start.Add(time.Duration(2*i)*time.Second)))
		e.images.post(dropped, start.Add(time.Duration(2*i+1)*time.Second))
	}
	e.page(t, reader, 0, "")
	if got := len(e.entries(t, reader)); got != 6 {
		t.Fatalf("setup: %d entries, want 6", got)
	}

	e.users.unfollow(reader, dropped)
	e.images.delete(keptPhotos[0])
	want := e.expected(kept)
	if got := e.all(t, reader, 2); !slices.Equal(got, want) {
		t.Errorf("timeline: got %v, want %v", got, want)
	}
	if got := e.entries(t, reader); !slices.Equal(got, want) {
		t.Errorf("entries after reading: got %v, want only %v", got, want)
	}
}

// TestLazyDeletionDoesNotUndoABackfill checks that a deletion decided
// before the timeline changed (here: the account followed again and
// backfilled in between) is not carried out.
func TestLazyDeletionDoesNotUndoABackfill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, rowsMode)
	reader := e.users.add("reader", false)
	owner := followed(e, reader)
	photo := e.images.post(owner, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	e.page(t, reader, 0, "")
	ctx := context.Background()
	stale, err := e.store.GetReader(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	// Followed again and backfilled by a request, after another request
	// found the account unfollowed and decided to delete its entries.
	e.users.unfollow(reader, owner)
	e.users.follow(reader, owner)
	e.page(t, reader, 0, "")
	p := newPage(e.server, reader, 1, e.server.mutedOwners(ctx, reader))
	p.followed[owner] = false
	if err := p.check(ctx, stale.Version, []candidate{{Entry: store.Entry{ReaderID: reader, Position: position(e.images.images[photo]), OwnerID: owner}, stored: true}}); err != nil {
		t.Fatal(err)
	}
	if got := e.entries(t, reader); !slices.Equal(got, []string{photo}) {
		t.Errorf("entries: got %v, want %v", got, []string{photo})
	}
	if got := itemIDs(e.page(t, reader, 0, "")); !slices.Equal(got, []string{photo}) {
		t.Errorf("page: got %v, want %v", got, []string{photo})
	}
}

// TestCrossingTheFloor checks that a reader with more history than the
// backfill pages through all of it, each photo exactly once, across the
// floor between the timeline rows and fan-out on read; that the pages read
// below the floor are copied into the timeline, so that the next walk
// costs no fan-out on read; and that a page starting below the floor is
// right too.
func TestCrossingTheFloor(t *testing.T) {
	t.Parallel()
	for _, backfill := range []int{1, 7, 20, 49} {
		for _, size := range []int32{1, 3, 7, 20, 100} {
			t.Run(fmt.Sprintf("backfill %d, page size %d", backfill, size), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, mode{name: "floor", backfill: backfill, tail: tailEachRequest})
				reader := e.users.add("reader", false)
				owners := []string{reader, followed(e, reader), e.users.add("second", false)}
				e.users.follow(reader, owners[2])
				start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
				for i := range 50 {
					// Pairs of photos at one instant, across accounts.
					e.images.post(owners[i%3], start.Add(time.Duration(i/2)*time.Second))
				}
				want := e.expected(owners...)

				// The first page fills the timeline, and lowers the floor
				// if it reaches below it.
				e.page(t, reader, size, "")
				floor := e.floorIndex(t, reader, want)
				if floor < backfill-1 {
					t.Fatalf("setup: the floor is at photo %d, want at least %d", floor, backfill-1)
				}
				if floor+1 < len(want) {
					// A page that starts below the floor, leaving a gap:
					// right, and the floor stays.
					resp := e.page(t, reader, size, encodePageToken(e.images.images[want[floor+1]]))
					if got, want := itemIDs(resp), want[floor+2:min(floor+2+int(size), len(want))]; !slices.Equal(got, want) {
						t.Errorf("a page below the floor: got %v, want %v", got, want)
					}
					if got := e.floorIndex(t, reader, want); got != floor {
						t.Errorf("the floor moved from photo %d to %d", floor, got)
					}
				}

				if got := e.all(t, reader, size); !slices.Equal(got, want) {
					t.Errorf("timeline:\n got %v\nwant %v", got, want)
				}
				if got := e.entries(t, reader); !slices.Equal(got, want) {
					t.Errorf("entries after reading it all: got %d, want all %d", len(got), len(want))
				}
				fanOut := e.images.callCount("ListOwnersImages")
				if got := e.all(t, reader, size); !slices.Equal(got, want) {
					t.Errorf("timeline read again:\n got %v\nwant %v", got, want)
				}
				if got := e.images.callCount("ListOwnersImages") - fanOut; got != 0 {
					t.Errorf("reading it again made %d ListOwnersImages calls, want none", got)
				}
			})
		}
	}
}

// floorIndex returns the index in timeline of the photo at reader's
// floor; len(timeline) when the floor is at the bottom.
func (e *env) floorIndex(t *testing.T, reader string, timeline []string) int {
	t.Helper()
	r, err := e.store.GetReader(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	if r.Floor.Compare(store.Bottom) == 0 {
		return len(timeline)
	}
	i := slices.Index(timeline, r.Floor.ImageID)
	if i < 0 {
		t.Fatalf("the floor %v is no photo of the timeline", r.Floor)
	}
	return i
}

// TestNewFollowRaisesTheFloor checks that following an account that posted
// more than a backfill since the floor raises the floor to the oldest
// photo copied, so that the rest is read by fan-out on read.
func TestNewFollowRaisesTheFloor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mode{name: "floor", backfill: 5, tail: tailEachRequest})
	reader := e.users.add("reader", false)
	old := followed(e, reader)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		e.images.post(old, start.Add(time.Duration(i)*time.Second))
	}
	e.page(t, reader, 0, "")
	r, err := e.store.GetReader(context.Background(), reader)
	if err != nil || r.Floor.Compare(store.Bottom) != 0 {
		t.Fatalf("setup: reader %+v, %v, want the floor at the bottom", r, err)
	}

	prolific := e.users.add("prolific", false)
	for i := range 12 {
		e.images.post(prolific, start.Add(time.Minute+time.Duration(i)*time.Second))
	}
	e.users.follow(reader, prolific)
	want := e.expected(reader, old, prolific)
	if got := itemIDs(e.page(t, reader, 4, "")); !slices.Equal(got, want[:4]) {
		t.Errorf("first page: got %v, want %v", got, want[:4])
	}
	r, err = e.store.GetReader(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Floor, position(e.images.images[e.expected(prolific)[4]]); got.Compare(want) != 0 {
		t.Errorf("floor %v, want the fifth newest photo of the new account, %v", got, want)
	}
	if got := e.all(t, reader, 4); !slices.Equal(got, want) {
		t.Errorf("timeline:\n got %v\nwant %v", got, want)
	}
}

// TestFollowsLearnedAgainAreIdempotent checks a user service whose read
// time lags far behind: every request learns the same follows again and
// copies their photos again, which changes nothing.
func TestFollowsLearnedAgainAreIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, rowsMode)
	e.users.readLag = time.Hour
	reader := e.users.add("reader", false)
	owner := followed(e, reader)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 5 {
		e.images.post(owner, start.Add(time.Duration(i)*time.Second))
	}
	want := e.expected(owner)
	for range 3 {
		if got := e.all(t, reader, 2); !slices.Equal(got, want) {
			t.Errorf("timeline: got %v, want %v", got, want)
		}
	}
	if got := e.entries(t, reader); !slices.Equal(got, want) {
		t.Errorf("entries: got %v, want %v", got, want)
	}
}

// TestConcurrentFirstRequests checks that requests racing to fill the same
// timeline all answer right and leave one entry per photo.
func TestConcurrentFirstRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mode{name: "floor", backfill: 4, tail: tailEachRequest})
	reader := e.users.add("reader", false)
	owner := followed(e, reader)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 10 {
		e.images.post(owner, start.Add(time.Duration(i)*time.Second))
	}
	want := e.expected(owner)
	e.tailOnce(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := e.client.GetFeed(as(reader), &feedv1.GetFeedRequest{PageSize: 3})
			if err != nil {
				t.Error(err)
				return
			}
			if got := itemIDs(resp); !slices.Equal(got, want[:3]) {
				t.Errorf("first page %v, want %v", got, want[:3])
			}
		})
	}
	wg.Wait()
	if got := e.all(t, reader, 3); !slices.Equal(got, want) {
		t.Errorf("timeline: got %v, want %v", got, want)
	}
	if got := e.entries(t, reader); !slices.Equal(got, want) {
		t.Errorf("entries: got %v, want all of %v", got, want)
	}
}

// TestTailerFarBehind checks that when more photos await the tailer than
// one read of the posting log returns, pages are read by fan-out on read,
// and right.
func TestTailerFarBehind(t *testing.T) {
	t.Parallel()
	e := newEnv(t, modes[0])
	reader := e.users.add("reader", false)
	owner := followed(e, reader)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range postingLogPageSize + 5 {
		e.images.post(owner, start.Add(time.Duration(i)*time.Millisecond))
	}
	want := e.expected(owner)
	fanOut := e.images.callCount("ListOwnersImages")
	if got := itemIDs(e.page(t, reader, 0, "")); !slices.Equal(got, want[:DefaultPageSize]) {
		t.Errorf("first page %v, want %v", got, want[:DefaultPageSize])
	}
	// The first request fills the timeline (5 calls of 100) and reads the
	// page by fan-out on read (1).
	if got := e.images.callCount("ListOwnersImages") - fanOut; got != 6 {
		t.Errorf("ListOwnersImages calls: got %d, want 6", got)
	}
}

// TestFailedFillIsRetried checks that a request that fails while filling
// a new timeline leaves it pending, and the next request fills it.
func TestFailedFillIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, rowsMode)
	reader := e.users.add("reader", false)
	owner := followed(e, reader)
	photo := e.images.post(owner, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	e.images.setFailure(status.Error(codes.Unavailable, "image service down"))
	_, err := e.client.GetFeed(as(reader), &feedv1.GetFeedRequest{})
	if got, want := status.Code(err), codes.Unavailable; got != want {
		t.Fatalf("with the image service down: got %v, want %v", got, want)
	}
	if r, err := e.store.GetReader(context.Background(), reader); err != nil || !pending(r) {
		t.Errorf("reader after the failure: %+v, %v, want pending", r, err)
	}
	e.images.setFailure(nil)
	if got := itemIDs(e.page(t, reader, 0, "")); !slices.Equal(got, []string{photo}) {
		t.Errorf("page: got %v, want %v", got, []string{photo})
	}
	if got := e.entries(t, reader); !slices.Equal(got, []string{photo}) {
		t.Errorf("entries: got %v, want %v", got, []string{photo})
	}
}

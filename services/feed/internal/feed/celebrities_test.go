package feed

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// starThreshold is the follower count from which an account is a
// celebrity in these tests.
const starThreshold = 3

// celebrityEnv is an env whose star has starThreshold followers: reader,
// who also follows ann, and two fans.
type celebrityEnv struct {
	*env
	star, ann, reader, fan1, fan2 string
}

func newCelebrityEnv(t *testing.T, m mode, private bool) *celebrityEnv {
	t.Helper()
	e := &celebrityEnv{env: newEnvWithCelebrities(t, m, starThreshold)}
	e.star = e.users.add("star", private)
	e.ann = e.users.add("ann", false)
	e.reader = e.users.add("reader", false)
	e.fan1 = e.users.add("fan1", false)
	e.fan2 = e.users.add("fan2", false)
	for _, f := range []string{e.reader, e.fan1, e.fan2} {
		e.users.follow(f, e.star)
		if private {
			e.users.accept(e.star, f)
		}
	}
	e.users.follow(e.reader, e.ann)
	return e
}

// postInterleaved posts n photos each of owners, one second apart in turn
// from start, every third pair at the same instant.
func (e *celebrityEnv) postInterleaved(start time.Time, n int, owners ...string) time.Time {
	at := start
	for i := range n {
		for j, owner := range owners {
			e.images.post(owner, at)
			if (i+j)%3 != 0 {
				at = at.Add(time.Second)
			}
		}
	}
	return at.Add(time.Second)
}

// isMarked reports whether owner is a celebrity in the store.
func (e *celebrityEnv) isMarked(t *testing.T, owner string) bool {
	t.Helper()
	ids, err := e.store.ListCelebrities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(ids, owner)
}

// stored reports which of photos are in reader's stored timeline.
func (e *celebrityEnv) stored(t *testing.T, reader string, photos []string) []string {
	t.Helper()
	entries := e.entries(t, reader)
	var in []string
	for _, id := range photos {
		if slices.Contains(entries, id) {
			in = append(in, id)
		}
	}
	return in
}

func TestCelebrityMergedWhenRead(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		e := newCelebrityEnv(t, m, false)
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		next := e.postInterleaved(start, 8, e.star, e.ann, e.reader)
		// Every reader has a timeline before the star posts again.
		for _, r := range []string{e.reader, e.fan1, e.fan2} {
			e.page(t, r, 5, "")
		}
		e.postInterleaved(next, 4, e.star, e.ann)
		if m.tail == tailEachRequest {
			e.tailOnce(t)
			if !e.isMarked(t, e.star) {
				t.Fatal("the star, with as many followers as the threshold, is not marked a celebrity")
			}
			// The star's new photos are copied into no follower's
			// timeline: a post costs the star's own timeline at most.
			newer := e.expected(e.star)[:4]
			for _, r := range []string{e.reader, e.fan1, e.fan2} {
				if in := e.stored(t, r, newer); len(in) > 0 {
					t.Errorf("the star's new photos %v were copied into %s's timeline", in, r)
				}
			}
		}
		for _, size := range []int32{1, 5, 7, 100} {
			if got, want := e.all(t, e.reader, size), e.expected(e.star, e.ann, e.reader); !slices.Equal(got, want) {
				t.Errorf("page size %d: timeline\n%v, want, in order and each once,\n%v", size, got, want)
			}
		}
		if got, want := e.all(t, e.fan1, 5), e.expected(e.star, e.fan1); !slices.Equal(got, want) {
			t.Errorf("a fan's timeline\n%v, want\n%v", got, want)
		}
	})
}

func TestCelebrityUnfollowedAndDeleted(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		e := newCelebrityEnv(t, m, false)
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		e.page(t, e.reader, 5, "")
		e.postInterleaved(start, 6, e.star, e.ann)
		first := e.page(t, e.reader, 4, "")
		if got, want := itemIDs(first), e.expected(e.star, e.ann)[:4]; !slices.Equal(got, want) {
			t.Fatalf("first page %v, want %v", got, want)
		}

		// A deleted photo of the star is gone from the next page.
		gone := e.expected(e.star)[1]
		e.images.delete(gone)
		got := e.all(t, e.reader, 4)
		if slices.Contains(got, gone) {
			t.Errorf("deleted photo %s still in the timeline %v", gone, got)
		}
		if want := e.expected(e.star, e.ann); !slices.Equal(got, want) {
			t.Errorf("after the deletion: %v, want %v", got, want)
		}

		// Unfollowing the star takes every photo of theirs off the next
		// page, even one of a walk begun before.
		second := e.page(t, e.reader, 4, first.GetNextPageToken())
		e.users.unfollow(e.reader, e.star)
		if got, want := e.all(t, e.reader, 4), e.expected(e.ann); !slices.Equal(got, want) {
			t.Errorf("after unfollowing the star: %v, want %v", got, want)
		}
		rest := e.page(t, e.reader, 100, second.GetNextPageToken())
		for _, id := range itemIDs(rest) {
			if slices.Contains(e.expected(e.star), id) {
				t.Errorf("photo %s of the unfollowed star on the next page of a walk", id)
			}
		}
	})
}

// TestCelebrityCrossingTheThreshold checks an account that becomes a
// celebrity while people read it: the photos posted before were copied
// into the timelines, those after are merged in when read, and each shows
// once, in order.
func TestCelebrityCrossingTheThreshold(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		e := newEnvWithCelebrities(t, m, starThreshold)
		star := e.users.add("star", false)
		reader := e.users.add("reader", false)
		fan := e.users.add("fan", false)
		e.users.follow(reader, star)
		e.users.follow(fan, star)
		for _, r := range []string{reader, fan, star} {
			e.page(t, r, 5, "")
		}
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		for i := range 5 {
			e.images.post(star, start.Add(time.Duration(i)*time.Second))
		}
		before := e.expected(star)
		if m.tail == tailEachRequest {
			e.tailOnce(t)
			if in := e.entries(t, reader); !slices.Equal(in, before) {
				t.Fatalf("below the threshold, the reader's timeline holds %v, want the star's photos %v", in, before)
			}
		}
		// A third follower: the star crosses the threshold.
		e.users.follow(e.users.add("third", false), star)
		for i := range 5 {
			e.images.post(star, start.Add(time.Duration(5+i)*time.Second))
		}
		after := e.expected(star)[:5]
		if m.tail == tailEachRequest {
			e.tailOnce(t)
			if in := e.entries(t, reader); !slices.Equal(in, before) {
				t.Errorf("above the threshold, the reader's timeline holds %v, want only the photos from before %v", in, before)
			}
			if got := e.entries(t, star); !slices.Equal(got[:5], after) {
				t.Errorf("the star's own timeline starts %v, want their new photos %v", got[:5], after)
			}
		}
		for _, r := range []string{reader, fan} {
			for _, size := range []int32{1, 3, 20} {
				if got, want := e.all(t, r, size), e.expected(star); !slices.Equal(got, want) {
					t.Errorf("%s, page size %d: %v, want every photo once, in order: %v", r, size, got, want)
				}
			}
		}
		// An account that falls back below the threshold stays merged in:
		// its photos from above it are in no timeline.
		e.users.unfollow(fan, star)
		e.images.post(star, start.Add(20*time.Second))
		if got, want := e.all(t, reader, 4), e.expected(star); !slices.Equal(got, want) {
			t.Errorf("below the threshold again: %v, want %v", got, want)
		}
	})
}

func TestCelebrityPrivate(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		e := newCelebrityEnv(t, m, true)
		stranger := e.users.add("stranger", false)
		e.users.follow(stranger, e.star) // A request, never accepted.
		for _, r := range []string{e.reader, e.fan1, stranger} {
			e.page(t, r, 5, "")
		}
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		e.postInterleaved(start, 5, e.star, e.ann)
		if got, want := e.all(t, e.reader, 3), e.expected(e.star, e.ann); !slices.Equal(got, want) {
			t.Errorf("an approved follower: %v, want %v", got, want)
		}
		if got := e.all(t, stranger, 3); len(got) != 0 {
			t.Errorf("a requester who was never approved sees %v, want nothing", got)
		}
		e.users.removeFollower(e.star, e.reader)
		if got, want := e.all(t, e.reader, 3), e.expected(e.ann); !slices.Equal(got, want) {
			t.Errorf("a removed follower: %v, want %v", got, want)
		}
	})
}

// TestOwnersImagesInChunks checks the chunked reads of a backfill against
// the image service's own order, when the newest photos are spread over
// every chunk and when they all belong to a few owners of one chunk, which
// must then be paged on alone.
func TestOwnersImagesInChunks(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// poster returns the owner (an index into the owners) of photo i,
		// posted i seconds after start.
		poster func(i int) int
	}{
		{"spread", func(i int) int { return (i * 7919) % 1200 }},
		{"a few owners of one chunk", func(i int) int {
			if i >= 300 {
				return i % 5 // The newest 900: five owners, sorted first.
			}
			return (i * 7919) % 1200
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, modes[0])
			owners := make([]string, 1200)
			for i := range owners {
				owners[i] = e.users.add(fmt.Sprintf("o%04d", i), false)
			}
			for i := range 1200 {
				e.images.post(owners[tc.poster(i)], start.Add(time.Duration(i)*time.Second))
			}
			all := e.expected(owners...)
			for _, q := range []struct {
				limit int
				floor store.Position
			}{
				{limit: 500, floor: store.Bottom},
				{limit: 1000, floor: store.Bottom},
				{limit: 500, floor: store.Position{CreatedAt: start.Add(1000 * time.Second)}},
			} {
				got, err := e.server.ownersImages(context.Background(), owners, store.Top, q.limit, "", q.floor)
				if err != nil {
					t.Fatal(err)
				}
				want := all[:q.limit]
				if q.floor != store.Bottom {
					want = all[:200] // The photos posted at 1,000 s or later.
				}
				if !slices.Equal(ids(got), want) {
					t.Errorf("limit %d, floor %v: got %d photos, want %d, the newest in order", q.limit, q.floor.CreatedAt, len(got), len(want))
				}
			}
		})
	}
}

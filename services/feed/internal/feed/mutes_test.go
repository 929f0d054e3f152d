package feed

import (
	"slices"
	"testing"
	"time"
)

// TestMutedOwnersLeaveThePage checks that a page leaves out the photos of
// the accounts its reader muted, wherever they are read from (posting log,
// timeline rows, fan-out on read below the floor), with pages still full,
// and that an unmute brings them all back: the rows were kept.
func TestMutedOwnersLeaveThePage(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, m mode) {
		e := newEnv(t, m)
		reader := e.users.add("reader", false)
		ann, bob := e.users.add("ann", false), e.users.add("bob", false)
		e.users.follow(reader, ann)
		e.users.follow(reader, bob)
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		// Bob posts most, so that whole pages of the timeline are his.
		for i := range 12 {
			at := start.Add(time.Duration(i) * time.Minute)
			e.images.post(bob, at)
			if i%4 == 0 {
				e.images.post(ann, at.Add(time.Second))
				e.images.post(reader, at.Add(2*time.Second))
			}
		}
		everyone := e.expected(ann, bob, reader)
		if got := e.all(t, reader, 5); !slices.Equal(got, everyone) {
			t.Fatalf("before the mute: %v, want %v", got, everyone)
		}

		e.users.mute(reader, bob, true)
		notBob := e.expected(ann, reader)
		for _, size := range []int32{1, 2, 5, 100} {
			if got := e.all(t, reader, size); !slices.Equal(got, notBob) {
				t.Errorf("muted, page size %d: %v, want %v", size, got, notBob)
			}
		}
		// A reader who muted Bob before their first page: the fill and
		// fan-out on read below its floor leave him out too.
		late := e.users.add("late", false)
		e.users.follow(late, ann)
		e.users.follow(late, bob)
		e.users.mute(late, bob, true)
		if got, want := e.all(t, late, 2), e.expected(ann); !slices.Equal(got, want) {
			t.Errorf("muted before the first page: %v, want %v", got, want)
		}
		if first := e.page(t, reader, 2, ""); len(first.GetItems()) != 2 {
			t.Errorf("a first page of 2 with Bob muted has %d photos, want 2", len(first.GetItems()))
		}
		if m.tail != tailNever {
			// The rows stay, for the unmute.
			if got := e.entries(t, reader); !slices.Contains(got, e.expected(bob)[0]) {
				t.Errorf("the muted account's rows were deleted: %v", got)
			}
		}
		// Muting is the reader's own: Bob's timeline is as it was.
		e.users.follow(bob, ann)
		if got, want := e.all(t, bob, 5), e.expected(ann, bob); !slices.Equal(got, want) {
			t.Errorf("the muted person's own timeline: %v, want %v", got, want)
		}

		e.users.mute(reader, bob, false)
		for _, size := range []int32{1, 5, 100} {
			if got := e.all(t, reader, size); !slices.Equal(got, everyone) {
				t.Errorf("unmuted, page size %d: %v, want %v", size, got, everyone)
			}
		}
	})
}

// TestMutedCelebrityLeavesTheMerge checks the photos merged in when read:
// a muted celebrity's are left out, and back after the unmute.
func TestMutedCelebrityLeavesTheMerge(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		e := newCelebrityEnv(t, m, false)
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		next := e.postInterleaved(start, 6, e.star, e.ann, e.reader)
		for _, r := range []string{e.reader, e.fan1, e.fan2} {
			e.page(t, r, 5, "")
		}
		e.postInterleaved(next, 4, e.star, e.ann)
		if m.tail == tailEachRequest {
			e.tailOnce(t)
			if !e.isMarked(t, e.star) {
				t.Fatal("the star is not marked a celebrity")
			}
		}

		e.users.mute(e.reader, e.star, true)
		for _, size := range []int32{1, 4, 100} {
			if got, want := e.all(t, e.reader, size), e.expected(e.ann, e.reader); !slices.Equal(got, want) {
				t.Errorf("star muted, page size %d:\n%v, want\n%v", size, got, want)
			}
		}
		if got, want := e.all(t, e.fan1, 5), e.expected(e.star, e.fan1); !slices.Equal(got, want) {
			t.Errorf("a fan who did not mute the star: %v, want %v", got, want)
		}

		e.users.mute(e.reader, e.star, false)
		if got, want := e.all(t, e.reader, 4), e.expected(e.star, e.ann, e.reader); !slices.Equal(got, want) {
			t.Errorf("star unmuted:\n%v, want\n%v", got, want)
		}
	})
}

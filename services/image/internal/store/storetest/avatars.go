package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// avatarsOf pages through owner's avatars pageSize at a time, checking
// each page's length.
func avatarsOf(t *testing.T, s store.Store, owner string, pageSize int) []store.Image {
	t.Helper()
	var all []store.Image
	var cursor store.Cursor
	for range 1000 {
		page, err := s.ListAvatars(context.Background(), owner, cursor, pageSize)
		if err != nil {
			t.Fatalf("ListAvatars(%s, %+v, %d): %v", owner, cursor, pageSize, err)
		}
		if len(page) > pageSize {
			t.Fatalf("ListAvatars(%s): page of %d, want at most %d", owner, len(page), pageSize)
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all
		}
		cursor = store.CursorOf(page[len(page)-1])
	}
	t.Fatalf("ListAvatars(%s) does not end", owner)
	return nil
}

// testListAvatars checks that ListAvatars pages through one owner's
// avatars newest first, and only through those: not their photos, not
// another owner's avatars, not a deleted one, not one newer than the
// cursor that arrived between pages.
func testListAvatars(t *testing.T, s store.Store) {
	ctx := context.Background()
	var avatars []store.Image
	for i := range 7 {
		// Pairs share a creation time: the ID breaks the tie.
		avatar := NewImage("alice", base.Add(time.Duration(i/2)*time.Second))
		avatar.IsProfile = true
		avatars = append(avatars, avatar)
	}
	mustCreate(t, s, avatars...)
	bobs := NewImage("bob", base)
	bobs.IsProfile = true
	mustCreate(t, s, NewImage("alice", base), NewImage("alice", base.Add(time.Hour)), bobs)

	gone := avatars[3]
	if _, err := s.DeleteImage(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteImage(%s): %v", gone.ID, err)
	}
	want := newestFirst(slices.Delete(slices.Clone(avatars), 3, 4))
	for _, pageSize := range []int{1, 2, 6, 100} {
		t.Run(fmt.Sprint("page size ", pageSize), func(t *testing.T) {
			if got := ids(avatarsOf(t, s, "alice", pageSize)); !slices.Equal(got, ids(want)) {
				t.Errorf("listed %v, want %v", got, ids(want))
			}
		})
	}
	if got := ids(avatarsOf(t, s, "bob", 10)); !slices.Equal(got, []string{bobs.ID}) {
		t.Errorf("bob's avatars %v, want %v", got, []string{bobs.ID})
	}
	if got := avatarsOf(t, s, "nobody", 10); len(got) != 0 {
		t.Errorf("ListAvatars(nobody) = %v, want nothing", ids(got))
	}

	first, err := s.ListAvatars(ctx, "alice", store.Cursor{}, 2)
	if err != nil {
		t.Fatalf("ListAvatars: %v", err)
	}
	newer := NewImage("alice", base.Add(2*time.Hour))
	newer.IsProfile = true
	mustCreate(t, s, newer)
	rest, err := s.ListAvatars(ctx, "alice", store.CursorOf(first[len(first)-1]), 100)
	if err != nil {
		t.Fatalf("ListAvatars: %v", err)
	}
	if got := ids(append(first, rest...)); !slices.Equal(got, ids(want)) {
		t.Errorf("pages across an insert = %v, want %v (no repeat, no skip)", got, ids(want))
	}
}

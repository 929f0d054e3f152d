package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// testListImagesAfter pages through the posting log: every owner's photos,
// not avatars, oldest first, ties of time broken by id, strictly after a
// cursor, while photos arrive.
func testListImagesAfter(t *testing.T, s store.Store) {
	ctx := context.Background()
	var all []store.Image
	for i, owner := range []string{"alice", "bob", "carol", "alice", "bob", "alice"} {
		// Pairs of photos share an instant.
		all = append(all, NewImage(owner, base.Add(time.Duration(i/2)*time.Second)))
	}
	avatar := NewImage("bob", base.Add(time.Second))
	avatar.IsProfile = true
	mustCreate(t, s, all...)
	mustCreate(t, s, avatar)
	oldestFirst := slices.Clone(newestFirst(all))
	slices.Reverse(oldestFirst)

	keyIDs := func(keys []store.Key) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = k.ID
		}
		return out
	}
	after := func(c store.Cursor, limit int) []store.Key {
		t.Helper()
		keys, err := s.ListImagesAfter(ctx, c, limit)
		if err != nil {
			t.Fatalf("ListImagesAfter(%v, %d): %v", c, limit, err)
		}
		return keys
	}

	for _, limit := range []int{1, 2, 4, 100} {
		var got []store.Key
		var c store.Cursor
		for range 10 {
			page := after(c, limit)
			got = append(got, page...)
			if len(page) < limit {
				break
			}
			c = page[len(page)-1].Cursor()
		}
		if !slices.Equal(keyIDs(got), ids(oldestFirst)) {
			t.Errorf("limit %d: got %v, want %v", limit, keyIDs(got), ids(oldestFirst))
		}
	}
	keys := after(store.Cursor{}, 100)
	for i, k := range keys {
		if img := oldestFirst[i]; k.OwnerID != img.OwnerID || !k.CreateTime.Equal(img.CreateTime) {
			t.Errorf("key %d: %+v, want owner %s at %v", i, k, img.OwnerID, img.CreateTime)
		}
	}

	tests := []struct {
		name  string
		after store.Cursor
		want  []store.Image
	}{
		{"strictly after a photo", store.CursorOf(oldestFirst[2]), oldestFirst[3:]},
		{"an instant with no id: its photos and later", store.Cursor{CreateTime: base.Add(time.Second)}, oldestFirst[2:]},
		{"after the newest", store.CursorOf(oldestFirst[5]), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keyIDs(after(tc.after, 100)); !slices.Equal(got, ids(tc.want)) {
				t.Errorf("got %v, want %v", got, ids(tc.want))
			}
		})
	}

	t.Run("across inserts", func(t *testing.T) {
		c := store.CursorOf(oldestFirst[5])
		newer, late := NewImage("carol", base.Add(time.Hour)), NewImage("carol", base)
		mustCreate(t, s, newer, late)
		// A photo committed late, older than the cursor, is behind it.
		if got, want := keyIDs(after(c, 100)), []string{newer.ID}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

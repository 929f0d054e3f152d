package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// pairOps are the operations of blocks or of mutes, so that one test
// covers both.
type pairOps struct {
	put     func(ctx context.Context, subject, object string, at time.Time) error
	del     func(ctx context.Context, subject, object string) (bool, error)
	objects func(ctx context.Context, subject string) ([]string, error)
	list    func(ctx context.Context, q store.ListPeopleQuery) (store.PeoplePage, error)
}

func blockOps(s store.Store) pairOps {
	return pairOps{put: s.PutBlock, del: s.DeleteBlock, objects: s.BlockedIDs, list: s.ListBlocks}
}

func muteOps(s store.Store) pairOps {
	return pairOps{put: s.PutMute, del: s.DeleteMute, objects: s.MutedIDs, list: s.ListMutes}
}

// testPairs checks what blocks and mutes have in common: idempotent puts
// that keep the first date, deletes that say whether there was a row, and
// lists newest first that page without repeating or skipping across
// inserts.
func testPairs(t *testing.T, s store.Store, ops pairOps) {
	ctx := context.Background()
	const me = "me"
	put := func(object string, at time.Time) {
		t.Helper()
		if err := ops.put(ctx, me, object, at); err != nil {
			t.Fatal(err)
		}
	}
	listAll := func(limit int, between func(page int)) []string {
		t.Helper()
		var ids []string
		token := ""
		for page := 0; page < 20; page++ {
			res, err := ops.list(ctx, store.ListPeopleQuery{UserID: me, Limit: limit, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.UserIDs) > limit {
				t.Fatalf("page of %d, want at most %d", len(res.UserIDs), limit)
			}
			ids = append(ids, res.UserIDs...)
			between(page)
			if token = res.NextPageToken; token == "" {
				return ids
			}
		}
		t.Fatal("paging does not end")
		return nil
	}

	var want []string
	for i := range 7 {
		id := fmt.Sprintf("p-%02d", i)
		put(id, now())
		want = append([]string{id}, want...)
	}
	// Two at the same time come by id, descending.
	tie := now()
	put("tie-a", tie)
	put("tie-b", tie)
	want = append([]string{"tie-b", "tie-a"}, want...)
	// Put again, later: stays where it was.
	put("p-03", now())

	t.Run("lists newest first across pages and inserts", func(t *testing.T) {
		for _, limit := range []int{1, 2, 4, 100} {
			got := listAll(limit, func(page int) { put(fmt.Sprintf("late-%d-%02d", limit, page), now()) })
			if !slices.Equal(got, want) {
				t.Errorf("page size %d:\n got %v\nwant %v", limit, got, want)
			}
			for page := range 20 {
				if _, err := ops.del(ctx, me, fmt.Sprintf("late-%d-%02d", limit, page)); err != nil {
					t.Fatal(err)
				}
			}
		}
	})

	t.Run("ids", func(t *testing.T) {
		got, err := ops.objects(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("got %v, want %v", got, want)
		}
		if got, err := ops.objects(ctx, "nobody"); err != nil || len(got) != 0 {
			t.Errorf("of nobody: got %v, %v, want none", got, err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		for _, tc := range []struct {
			object string
			want   bool
		}{{"p-00", true}, {"p-00", false}, {"nobody", false}} {
			if got, err := ops.del(ctx, me, tc.object); err != nil || got != tc.want {
				t.Errorf("delete %s: got %v, %v, want %v", tc.object, got, err, tc.want)
			}
		}
		got := listAll(100, func(int) {})
		if slices.Contains(got, "p-00") || len(got) != len(want)-1 {
			t.Errorf("after the delete: %v", got)
		}
	})

	t.Run("bad page token", func(t *testing.T) {
		for _, token := range []string{"garbage!", "bm90LWEtY3Vyc29y"} {
			if _, err := ops.list(ctx, store.ListPeopleQuery{UserID: me, Limit: 10, PageToken: token}); !errors.Is(err, store.ErrInvalidPageToken) {
				t.Errorf("token %q: got %v, want ErrInvalidPageToken", token, err)
			}
		}
	})
}

func testBlocks(t *testing.T, s store.Store) {
	testPairs(t, s, blockOps(s))

	ctx := context.Background()
	const ann, bob, cat, dan = "b-ann", "b-bob", "b-cat", "b-dan"
	for _, b := range [][2]string{{ann, bob}, {cat, ann}, {bob, ann}, {dan, cat}} {
		if err := s.PutBlock(ctx, b[0], b[1], now()); err != nil {
			t.Fatal(err)
		}
	}
	between := []struct {
		a, b      string
		aBlockedB bool
		bBlockedA bool
		what      string
	}{
		{a: ann, b: bob, aBlockedB: true, bBlockedA: true, what: "both ways"},
		{a: ann, b: cat, aBlockedB: false, bBlockedA: true, what: "the other way"},
		{a: cat, b: ann, aBlockedB: true, bBlockedA: false, what: "one way"},
		{a: bob, b: cat, what: "none"},
		{a: dan, b: "nobody", what: "with nobody"},
	}
	for _, tc := range between {
		t.Run("BlocksBetween "+tc.what, func(t *testing.T) {
			ab, ba, err := s.BlocksBetween(ctx, tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if ab != tc.aBlockedB || ba != tc.bBlockedA {
				t.Errorf("BlocksBetween(%s, %s) = %v, %v, want %v, %v", tc.a, tc.b, ab, ba, tc.aBlockedB, tc.bBlockedA)
			}
		})
	}
	t.Run("BlockedIDs both ways, each once", func(t *testing.T) {
		for _, tc := range []struct {
			user string
			want []string
		}{
			{ann, []string{bob, cat}},
			{cat, []string{ann, dan}},
			{dan, []string{cat}},
		} {
			got, err := s.BlockedIDs(ctx, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Sort(got); !slices.Equal(got, tc.want) {
				t.Errorf("BlockedIDs(%s) = %v, want %v", tc.user, got, tc.want)
			}
		}
	})
	t.Run("a block lifted one way stands the other", func(t *testing.T) {
		if _, err := s.DeleteBlock(ctx, ann, bob); err != nil {
			t.Fatal(err)
		}
		ab, ba, err := s.BlocksBetween(ctx, ann, bob)
		if err != nil || ab || !ba {
			t.Errorf("after ann lifts hers: %v, %v, %v, want false, true", ab, ba, err)
		}
	})
}

func testMutes(t *testing.T, s store.Store) {
	testPairs(t, s, muteOps(s))

	ctx := context.Background()
	if err := s.PutMute(ctx, "m-ann", "m-bob", now()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		muter, muted string
		want         bool
	}{{"m-ann", "m-bob", true}, {"m-bob", "m-ann", false}, {"m-ann", "nobody", false}} {
		if got, err := s.IsMuted(ctx, tc.muter, tc.muted); err != nil || got != tc.want {
			t.Errorf("IsMuted(%s, %s) = %v, %v, want %v", tc.muter, tc.muted, got, err, tc.want)
		}
	}
	// A mute is not a block.
	if ab, ba, err := s.BlocksBetween(ctx, "m-ann", "m-bob"); err != nil || ab || ba {
		t.Errorf("a mute reads as a block: %v, %v, %v", ab, ba, err)
	}
}

// Package storetest is the contract suite every store.Store adapter passes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitytest"
	"github.com/fotogal/fotogal/pkg/counters/counterstest"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// Run runs the contract suite; newStore returns a fresh, empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("CreateGet", func(t *testing.T) { testCreateGet(t, newStore(t)) })
	t.Run("BatchGet", func(t *testing.T) { testBatchGet(t, newStore(t)) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, newStore(t)) })
	t.Run("ConcurrentUpdateOneWins", func(t *testing.T) { testConcurrentUpdate(t, newStore(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newStore(t)) })
	t.Run("ListPaging", func(t *testing.T) { testListPaging(t, newStore(t)) })
	t.Run("ListPagingAcrossInserts", func(t *testing.T) { testPagingAcrossInserts(t, newStore(t)) })
	t.Run("ListOwnersImages", func(t *testing.T) { testListOwners(t, newStore(t)) })
	t.Run("ListImagesAfter", func(t *testing.T) { testListImagesAfter(t, newStore(t)) })
	t.Run("CountAndAvatar", func(t *testing.T) { testCountAndAvatar(t, newStore(t)) })
	t.Run("ListAvatars", func(t *testing.T) { testListAvatars(t, newStore(t)) })
	t.Run("Reactions", func(t *testing.T) { testReactions(t, newStore(t)) })
	t.Run("ConcurrentLikes", func(t *testing.T) { testConcurrentLikes(t, newStore(t)) })
	runComments(t, newStore)
	runTags(t, newStore)
	runMine(t, newStore)
	counterstest.RunReversible(t, func(t *testing.T) store.Counters { return newStore(t) })
	activitytest.Run(t, func(t *testing.T) activity.Log { return newStore(t) })
}

var (
	base    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	counter atomic.Int64
)

// NewImage returns a valid photo of owner created at t, with a unique ID.
func NewImage(owner string, t time.Time) store.Image {
	id := fmt.Sprintf("img%08d", counter.Add(1))
	variant := func(name, typ string, size int64, w, h int) store.Variant {
		return store.Variant{Object: "img/" + id + "/" + name, ContentType: typ, Size: size, Width: w, Height: h, SHA256: fmt.Sprintf("%064x", size)}
	}
	return store.Image{
		ID:               id,
		OwnerID:          owner,
		Caption:          "caption of " + id,
		OriginalFilename: "IMG_0001.JPG",
		Original:         variant("original.jpg", "image/jpeg", 3000, 4000, 3000),
		Display:          variant("display.jpg", "image/jpeg", 200, 1080, 810),
		Thumb:            variant("thumb.jpg", "image/jpeg", 20, 320, 320),
		CreateTime:       t.UTC(),
		UpdateTime:       t.UTC(),
	}
}

func mustCreate(t *testing.T, s store.Store, imgs ...store.Image) {
	t.Helper()
	for _, img := range imgs {
		if err := s.CreateImage(context.Background(), img); err != nil {
			t.Fatalf("CreateImage(%s): %v", img.ID, err)
		}
	}
}

func ids(imgs []store.Image) []string {
	out := make([]string, len(imgs))
	for i, img := range imgs {
		out[i] = img.ID
	}
	return out
}

// newestFirst sorts imgs in the order lists return them.
func newestFirst(imgs []store.Image) []store.Image {
	out := slices.Clone(imgs)
	slices.SortFunc(out, func(a, b store.Image) int {
		switch {
		case store.Newer(a, b):
			return -1
		case store.Newer(b, a):
			return 1
		}
		return 0
	})
	return out
}

func testCreateGet(t *testing.T, s store.Store) {
	ctx := context.Background()
	want := NewImage("alice", base.Add(123456789*time.Nanosecond))
	want.IsProfile = true
	mustCreate(t, s, want)

	got, err := s.GetImage(ctx, want.ID)
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	if got != want {
		t.Errorf("GetImage = %+v, want %+v", got, want)
	}
	if err := s.CreateImage(ctx, NewImageWithID(want.ID)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateImage(same id) = %v, want ErrConflict", err)
	}
	if _, err := s.GetImage(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetImage(missing) = %v, want ErrNotFound", err)
	}
}

// NewImageWithID returns a valid photo with the given ID.
func NewImageWithID(id string) store.Image {
	img := NewImage("someone", base)
	img.ID = id
	return img
}

func testBatchGet(t *testing.T, s store.Store) {
	a, b, c := NewImage("alice", base), NewImage("bob", base), NewImage("carol", base)
	mustCreate(t, s, a, b, c)
	got, err := s.BatchGetImages(context.Background(), []string{c.ID, "missing", a.ID})
	if err != nil {
		t.Fatalf("BatchGetImages: %v", err)
	}
	gotIDs := ids(got)
	slices.Sort(gotIDs)
	if want := []string{a.ID, c.ID}; !slices.Equal(gotIDs, want) {
		t.Errorf("BatchGetImages ids = %v, want %v", gotIDs, want)
	}
}

func testUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	later := base.Add(time.Hour)
	updated, err := s.UpdateImage(ctx, img.ID, func(i *store.Image) error {
		i.Caption = "new caption"
		i.UpdateTime = later
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateImage: %v", err)
	}
	got, err := s.GetImage(ctx, img.ID)
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	if got != updated || got.Caption != "new caption" || !got.UpdateTime.Equal(later) || !got.CreateTime.Equal(base) {
		t.Errorf("after update got %+v, returned %+v", got, updated)
	}

	refuse := errors.New("refused")
	if _, err := s.UpdateImage(ctx, img.ID, func(i *store.Image) error {
		i.Caption = "not written"
		return refuse
	}); !errors.Is(err, refuse) {
		t.Errorf("UpdateImage(refusing) = %v, want the function's error", err)
	}
	if got, _ := s.GetImage(ctx, img.ID); got.Caption != "new caption" {
		t.Errorf("caption after refused update = %q, want unchanged", got.Caption)
	}
	if _, err := s.UpdateImage(ctx, "missing", func(*store.Image) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateImage(missing) = %v, want ErrNotFound", err)
	}
}

func testConcurrentUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	img.Caption = ""
	mustCreate(t, s, img)
	taken := errors.New("already captioned")
	const writers = 20
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, err := s.UpdateImage(ctx, img.ID, func(img *store.Image) error {
				if img.Caption != "" {
					return taken
				}
				img.Caption = fmt.Sprintf("writer %d", i)
				return nil
			})
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, taken):
				t.Errorf("UpdateImage: %v", err)
			}
		})
	}
	wg.Wait()
	if got := wins.Load(); got != 1 {
		t.Errorf("%d writers won, want exactly 1", got)
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	if err := s.React(ctx, img.ID, "bob", store.Like); err != nil {
		t.Fatalf("React: %v", err)
	}
	deleted, err := s.DeleteImage(ctx, img.ID)
	if err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	if deleted != img {
		t.Errorf("DeleteImage returned %+v, want %+v", deleted, img)
	}
	if _, err := s.GetImage(ctx, img.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetImage after delete = %v, want ErrNotFound", err)
	}
	if _, err := s.DeleteImage(ctx, img.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteImage again = %v, want ErrNotFound", err)
	}
	r, err := s.Reactions(ctx, []string{img.ID}, "bob")
	if err != nil {
		t.Fatalf("Reactions: %v", err)
	}
	if got := r[img.ID]; got != (store.Reactions{}) {
		t.Errorf("reactions after delete = %+v, want none", got)
	}
	// A new image with the same ID starts without the old reactions.
	mustCreate(t, s, img)
	if r, _ := s.Reactions(ctx, []string{img.ID}, "bob"); r[img.ID] != (store.Reactions{}) {
		t.Errorf("reactions of a recreated image = %+v, want none", r[img.ID])
	}
}

// listAll pages through owner's photos pageSize at a time.
func listAll(t *testing.T, s store.Store, owner string, pageSize int) []store.Image {
	t.Helper()
	var all []store.Image
	var cursor store.Cursor
	for {
		page, err := s.ListImages(context.Background(), owner, cursor, pageSize)
		if err != nil {
			t.Fatalf("ListImages: %v", err)
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all
		}
		cursor = store.CursorOf(page[len(page)-1])
	}
}

func testListPaging(t *testing.T, s store.Store) {
	var want []store.Image
	for i := range 25 {
		// Pairs share a creation time: the ID breaks the tie.
		img := NewImage("alice", base.Add(time.Duration(i/2)*time.Second))
		want = append(want, img)
	}
	avatar := NewImage("alice", base.Add(time.Hour))
	avatar.IsProfile = true
	mustCreate(t, s, want...)
	mustCreate(t, s, avatar, NewImage("bob", base.Add(time.Minute)))
	want = newestFirst(want)

	for _, pageSize := range []int{1, 7, 10, 25, 100} {
		t.Run(fmt.Sprint("page size ", pageSize), func(t *testing.T) {
			if got := ids(listAll(t, s, "alice", pageSize)); !slices.Equal(got, ids(want)) {
				t.Errorf("listed %v, want %v", got, ids(want))
			}
		})
	}
	got, err := s.ListImages(context.Background(), "nobody", store.Cursor{}, 10)
	if err != nil || len(got) != 0 {
		t.Errorf("ListImages(nobody) = %v, %v; want nothing", ids(got), err)
	}
}

func testPagingAcrossInserts(t *testing.T, s store.Store) {
	ctx := context.Background()
	var want []store.Image
	for i := range 10 {
		want = append(want, NewImage("alice", base.Add(time.Duration(i)*time.Second)))
	}
	mustCreate(t, s, want...)
	want = newestFirst(want)

	first, err := s.ListImages(ctx, "alice", store.Cursor{}, 4)
	if err != nil {
		t.Fatalf("ListImages: %v", err)
	}
	// New photos arrive between pages; they are newer than the cursor.
	mustCreate(t, s, NewImage("alice", base.Add(time.Hour)), NewImage("alice", base.Add(2*time.Hour)))
	rest, err := s.ListImages(ctx, "alice", store.CursorOf(first[len(first)-1]), 100)
	if err != nil {
		t.Fatalf("ListImages: %v", err)
	}
	if got := ids(append(first, rest...)); !slices.Equal(got, ids(want)) {
		t.Errorf("pages = %v, want %v (no repeat, no skip)", got, ids(want))
	}
}

func testListOwners(t *testing.T, s store.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	owners := []string{"o0", "o1", "o2", "o3", "o4", "o5", "o6"}
	var all []store.Image
	for _, owner := range owners[:6] { // o6 has no photos
		for range rng.IntN(30) + 1 {
			all = append(all, NewImage(owner, base.Add(time.Duration(rng.IntN(40))*time.Second)))
		}
	}
	avatar := NewImage("o1", base.Add(time.Hour))
	avatar.IsProfile = true
	mustCreate(t, s, all...)
	mustCreate(t, s, avatar)

	asked := []string{"o1", "o3", "o5", "o6", "o3"}
	var want []store.Image
	for _, img := range all {
		if slices.Contains(asked, img.OwnerID) {
			want = append(want, img)
		}
	}
	want = newestFirst(want)

	for _, pageSize := range []int{1, 3, 20, 1000} {
		t.Run(fmt.Sprint("page size ", pageSize), func(t *testing.T) {
			var got []store.Image
			var cursor store.Cursor
			for {
				page, err := s.ListOwnersImages(ctx, asked, cursor, pageSize)
				if err != nil {
					t.Fatalf("ListOwnersImages: %v", err)
				}
				if len(page) > pageSize {
					t.Fatalf("page of %d, want at most %d", len(page), pageSize)
				}
				got = append(got, page...)
				if len(page) < pageSize {
					break
				}
				cursor = store.CursorOf(page[len(page)-1])
			}
			if !slices.Equal(ids(got), ids(want)) {
				t.Errorf("merged %v\nwant %v", ids(got), ids(want))
			}
		})
	}
	got, err := s.ListOwnersImages(ctx, []string{"nobody"}, store.Cursor{}, 10)
	if err != nil || len(got) != 0 {
		t.Errorf("ListOwnersImages(nobody) = %v, %v; want nothing", ids(got), err)
	}
}

func testCountAndAvatar(t *testing.T, s store.Store) {
	ctx := context.Background()
	old, current := NewImage("alice", base), NewImage("alice", base.Add(time.Minute))
	old.IsProfile, current.IsProfile = true, true
	mustCreate(t, s, old, current, NewImage("alice", base), NewImage("alice", base), NewImage("bob", base))

	counts, err := s.CountImages(ctx, []string{"alice", "bob", "carol"})
	if err != nil {
		t.Fatalf("CountImages: %v", err)
	}
	if got, want := counts, map[string]int64{"alice": 2, "bob": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CountImages = %v, want %v", got, want)
	}
	got, err := s.LatestAvatar(ctx, "alice")
	if err != nil || got.ID != current.ID {
		t.Errorf("LatestAvatar(alice) = %s, %v; want %s", got.ID, err, current.ID)
	}
	if _, err := s.LatestAvatar(ctx, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestAvatar(bob) = %v, want ErrNotFound", err)
	}
}

func testReactions(t *testing.T, s store.Store) {
	ctx := context.Background()
	img, other := NewImage("alice", base), NewImage("alice", base)
	mustCreate(t, s, img, other)
	react := func(user string, kind store.Kind) func() error {
		return func() error { return s.React(ctx, img.ID, user, kind) }
	}
	unreact := func(user string, kind store.Kind) func() error {
		return func() error { return s.Unreact(ctx, img.ID, user, kind) }
	}

	steps := []struct {
		name      string
		do        func() error
		bobSees   store.Reactions
		carolSees store.Kind
	}{
		{"bob likes", react("bob", store.Like), store.Reactions{Likes: 1, Mine: store.Like}, store.None},
		{"bob likes again", react("bob", store.Like), store.Reactions{Likes: 1, Mine: store.Like}, store.None},
		{"carol dislikes", react("carol", store.Dislike), store.Reactions{Likes: 1, Dislikes: 1, Mine: store.Like}, store.Dislike},
		{"bob dislikes", react("bob", store.Dislike), store.Reactions{Dislikes: 2, Mine: store.Dislike}, store.Dislike},
		{"bob unlikes without a like", unreact("bob", store.Like), store.Reactions{Dislikes: 2, Mine: store.Dislike}, store.Dislike},
		{"bob undislikes", unreact("bob", store.Dislike), store.Reactions{Dislikes: 1}, store.Dislike},
		{"bob undislikes again", unreact("bob", store.Dislike), store.Reactions{Dislikes: 1}, store.Dislike},
		{"carol likes", react("carol", store.Like), store.Reactions{Likes: 1}, store.Like},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got, err := s.Reactions(ctx, []string{img.ID, other.ID}, "bob")
		if err != nil {
			t.Fatalf("%s: Reactions: %v", step.name, err)
		}
		if got[img.ID] != step.bobSees {
			t.Errorf("after %s: bob sees %+v, want %+v", step.name, got[img.ID], step.bobSees)
		}
		if got[other.ID] != (store.Reactions{}) {
			t.Errorf("after %s: the other image has %+v, want none", step.name, got[other.ID])
		}
		carol, err := s.Reactions(ctx, []string{img.ID}, "carol")
		if err != nil {
			t.Fatalf("%s: Reactions: %v", step.name, err)
		}
		if carol[img.ID].Mine != step.carolSees {
			t.Errorf("after %s: carol's reaction %v, want %v", step.name, carol[img.ID].Mine, step.carolSees)
		}
	}
	if err := s.React(ctx, "missing", "bob", store.Like); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("React(missing image) = %v, want ErrNotFound", err)
	}
}

func testConcurrentLikes(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	const people = 50
	var wg sync.WaitGroup
	for i := range people {
		wg.Go(func() {
			user := fmt.Sprintf("user%02d", i)
			// Each person likes twice, and half of them dislike first.
			if i%2 == 0 {
				if err := s.React(ctx, img.ID, user, store.Dislike); err != nil {
					t.Errorf("React: %v", err)
				}
			}
			for range 2 {
				if err := s.React(ctx, img.ID, user, store.Like); err != nil {
					t.Errorf("React: %v", err)
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Reactions(ctx, []string{img.ID}, "user00")
	if err != nil {
		t.Fatalf("Reactions: %v", err)
	}
	if want := (store.Reactions{Likes: people, Mine: store.Like}); got[img.ID] != want {
		t.Errorf("after %d concurrent likes: %+v, want %+v", people, got[img.ID], want)
	}
}

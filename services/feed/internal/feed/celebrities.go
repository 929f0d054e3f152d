package feed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// celebrityCache keeps the list of celebrities the feed's store holds, as
// of a tail cursor.
//
// The tailer marks an account a celebrity before it moves the tail cursor
// past the first photo it does not copy into the followers' timelines, and
// a page reads the cursor before the list. So a list read after the cursor
// stood at asOf names the owner of every such photo up to asOf, and serves
// every page whose tail cursor is at asOf or before: it is read again only
// when the cursor has moved on (a few times a second at most while photos
// are posted, never while none are).
type celebrityCache struct {
	mu    sync.Mutex
	valid bool
	asOf  store.Position
	ids   []string
}

// celebritiesAsOf returns the celebrities' ids, complete for a page whose
// tail cursor is tail.
func (s *Server) celebritiesAsOf(ctx context.Context, tail store.Position) ([]string, error) {
	c := &s.celebrities
	c.mu.Lock()
	if c.valid && !tail.After(c.asOf) {
		ids := c.ids
		c.mu.Unlock()
		return ids, nil
	}
	c.mu.Unlock()
	ids, err := s.store.ListCelebrities(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the celebrities: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || tail.After(c.asOf) {
		c.valid, c.asOf, c.ids = true, tail, ids
	}
	return ids, nil
}

// celebrityPhotos are the photos of the celebrities a reader follows for
// one page, with the profiles of those celebrities (followed, asked of
// BatchGetUsers; owners, those found), or the error that kept them from
// being read.
type celebrityPhotos struct {
	images   []*imagev1.Image
	followed []string
	owners   []*userv1.UserSummary
	err      error
}

// celebrityPhotos returns the newest limit photos strictly before `before`
// of the celebrities reader follows and has not muted, tail being the
// page's tail cursor:
// those that no timeline holds, merged into the page when it is read
// (fan-out on read for the few accounts with huge followings). Which
// celebrities the reader follows (FOLLOWING: for a private account, an
// approved follower) is asked afresh with FilterFollowing, so that an
// unfollow or a removed follower shows on the next page, and their photos
// are read afresh with ListOwnersImages, so that a deleted one is gone.
func (s *Server) celebrityPhotos(ctx context.Context, reader string, tail, before store.Position, limit int, muted *mutedOwners) celebrityPhotos {
	celebrities, err := s.celebritiesAsOf(ctx, tail)
	if err != nil || len(celebrities) == 0 {
		return celebrityPhotos{err: err}
	}
	var followed []string
	for batch := range slices.Chunk(celebrities, maxBatch) {
		ids, err := s.filterFollowing(ctx, reader, batch)
		if err != nil {
			return celebrityPhotos{err: err}
		}
		followed = append(followed, ids...)
	}
	mutedIDs, err := muted.wait()
	if err != nil {
		return celebrityPhotos{err: err}
	}
	followed = slices.DeleteFunc(followed, func(id string) bool { return mutedIDs[id] })
	if len(followed) == 0 {
		return celebrityPhotos{}
	}
	// Their profiles meanwhile, for the page's items.
	var (
		wg     sync.WaitGroup
		owners []*userv1.UserSummary
		errs   [2]error
	)
	wg.Go(func() { owners, errs[0] = s.batchGetUsers(ctx, followed[:min(len(followed), maxBatch)]) })
	images, err := s.ownersImages(ctx, followed, before, limit, reader, store.Bottom)
	errs[1] = err
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return celebrityPhotos{err: err}
	}
	return celebrityPhotos{images: images, followed: followed[:min(len(followed), maxBatch)], owners: owners}
}

// mergeNewest returns the newest limit photos of a and b, both newest
// first, each once: a photo a celebrity posted before becoming one can be
// in both.
func mergeNewest(a, b []*imagev1.Image, limit int) []*imagev1.Image {
	if len(b) == 0 {
		return a
	}
	merged := slices.SortedFunc(slices.Values(slices.Concat(a, b)), newestFirst)
	merged = slices.CompactFunc(merged, func(x, y *imagev1.Image) bool { return x.GetImageId() == y.GetImageId() })
	return merged[:min(len(merged), limit)]
}

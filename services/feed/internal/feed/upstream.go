package feed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// Limits of the internal RPCs the feed calls (see their protos).
const (
	idsPageSize          = 10000
	maxOwnersPerCall     = 10000
	ownersImagesPageSize = 100
	postingLogPageSize   = 1000
	maxBatch             = 1000
)

// followingIDs returns the ids of all the accounts reader follows, only
// those followed after `after` unless it is zero, and the user service's
// read time of the first page: every follow dated at or before it is in
// the answer.
func (s *Server) followingIDs(ctx context.Context, reader string, after time.Time) ([]string, time.Time, error) {
	req := &userv1.ListFollowingIdsRequest{UserId: reader, PageSize: idsPageSize}
	if !after.IsZero() {
		req.FollowedAfter = timestamppb.New(after)
	}
	var (
		ids      []string
		readTime time.Time
	)
	for page := 0; ; page++ {
		resp, err := s.users.ListFollowingIds(ctx, req)
		if err != nil {
			return nil, time.Time{}, upstreamError("list following ids", err)
		}
		if page == 0 {
			readTime = resp.GetReadTime().AsTime()
		}
		ids = append(ids, resp.GetUserIds()...)
		if resp.GetNextPageToken() == "" {
			return ids, readTime, nil
		}
		if resp.GetNextPageToken() == req.GetPageToken() {
			return nil, time.Time{}, errors.New("list following ids: the user service repeated a page token")
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// followerIDs returns the ids of all of owner's approved followers.
func (s *Server) followerIDs(ctx context.Context, owner string) ([]string, error) {
	req := &userv1.ListFollowerIdsRequest{UserId: owner, PageSize: idsPageSize}
	var ids []string
	for {
		resp, err := s.users.ListFollowerIds(ctx, req)
		if err != nil {
			return nil, upstreamError("list follower ids", err)
		}
		ids = append(ids, resp.GetUserIds()...)
		if resp.GetNextPageToken() == "" {
			return ids, nil
		}
		if resp.GetNextPageToken() == req.GetPageToken() {
			return nil, errors.New("list follower ids: the user service repeated a page token")
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// Owner chunks of ownersImages: the image service reads the newest photo
// of every owner a ListOwnersImages call names before it merges them, so a
// call costs in proportion to its owners (about 10 µs each on SQLite), and
// a call for the next page pays that again.
const (
	// minChunkOwners is the fewest owners worth a call of their own.
	minChunkOwners = 500
	// firstPageSlack is how many photos more than its share a chunk is
	// first asked for.
	firstPageSlack = 8
	// maxChunks is how many parallel calls the owners are cut into at most
	// (unless more are needed to keep each under maxOwnersPerCall): with
	// ten, each chunk's share of a 500-photo backfill is 50, within its
	// first page.
	maxChunks = 10
)

// ownersImages returns the newest limit photos of owners strictly before
// `before` and at floor or newer, newest first, with viewer's reactions.
//
// The owners are cut into chunks (see ownerChunks). Each chunk is first
// asked for its share of limit, all in parallel; then each is walked on,
// page by page, in parallel, while its last photo is newer than the
// limit-th newest found so far over all chunks: once it is not, its later
// photos are older still and cannot make the answer. So each owner's
// newest photo is read about once rather than once per page of the
// answer, and the chunks' calls share the cores.
func (s *Server) ownersImages(ctx context.Context, owners []string, before store.Position, limit int, viewer string, floor store.Position) ([]*imagev1.Image, error) {
	owners = slices.Compact(slices.Sorted(slices.Values(owners)))
	if limit <= 0 || len(owners) == 0 {
		return nil, nil
	}
	var (
		mu sync.Mutex
		// best holds the newest photos found so far, at most limit of
		// them, newest first.
		best []*imagev1.Image
	)
	// add merges a chunk's page into best.
	add := func(page []*imagev1.Image) {
		mu.Lock()
		defer mu.Unlock()
		best = append(best, page...)
		slices.SortFunc(best, newestFirst)
		best = best[:min(len(best), limit)]
	}
	// needed reports whether photos older than after may still make the
	// answer: fewer than limit are known, or the limit-th is older.
	needed := func(after store.Position) bool {
		mu.Lock()
		defer mu.Unlock()
		return len(best) < limit || after.After(position(best[limit-1]))
	}
	// page reads a chunk's page of n photos before cursor into best, and
	// returns where the next one starts, or false when the chunk has no
	// more within the floor.
	page := func(chunk []string, cursor store.Position, n int) (store.Position, bool, error) {
		photos, err := s.ownersImagesPage(ctx, chunk, cursor, n, viewer)
		if err != nil {
			return store.Position{}, false, err
		}
		kept := photos
		for i, img := range photos {
			if floor.After(position(img)) {
				kept = photos[:i]
				break
			}
		}
		add(kept)
		if len(kept) < n {
			return store.Position{}, false, nil
		}
		return position(kept[len(kept)-1]), true, nil
	}
	chunks := ownerChunks(owners, limit)
	// First every chunk's share of the answer, with slack, all at once:
	// the image service reads every photo of a page whole, so asking each
	// chunk for the whole limit would read most in vain, and a chunk that
	// comes out short of the slack costs a second round of calls.
	first := min(limit, ownersImagesPageSize, (limit*5/4+len(chunks)-1)/len(chunks)+firstPageSlack)
	cursors := make([]store.Position, len(chunks))
	more := make([]bool, len(chunks))
	if err := forEach(len(chunks), func(i int) (err error) {
		cursors[i], more[i], err = page(chunks[i], before, first)
		return err
	}); err != nil {
		return nil, err
	}
	// Then the chunks whose photos may still make it, page by page.
	n := min(limit, ownersImagesPageSize)
	if err := forEach(len(chunks), func(i int) error {
		for more[i] && needed(cursors[i]) {
			var err error
			if cursors[i], more[i], err = page(chunks[i], cursors[i], n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return best, nil
}

// forEach runs fn(0) ... fn(n-1) in parallel and returns their errors.
func forEach(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ownerChunks cuts owners into as few chunks as keep each at most
// maxOwnersPerCall when limit photos fit in one page: one round of calls,
// which reads each owner's newest photo once. For more, it cuts them into
// up to maxChunks chunks of at least minChunkOwners each, so that the
// pages after the first cost a few chunks' owners rather than all.
func ownerChunks(owners []string, limit int) [][]string {
	n := 1
	if limit > ownersImagesPageSize {
		n = min(maxChunks, (len(owners)+minChunkOwners-1)/minChunkOwners)
	}
	n = max(n, 1, (len(owners)+maxOwnersPerCall-1)/maxOwnersPerCall)
	size := (len(owners) + n - 1) / n
	return slices.Collect(slices.Chunk(owners, size))
}

// newestFirst orders photos newest first, as timelines list them.
func newestFirst(a, b *imagev1.Image) int { return position(b).Compare(position(a)) }

// ownersImagesPage returns the newest limit (at most a page) photos of
// owners (at most maxOwnersPerCall) strictly before `before`.
func (s *Server) ownersImagesPage(ctx context.Context, owners []string, before store.Position, limit int, viewer string) ([]*imagev1.Image, error) {
	var cursor *imagev1.ImageCursor // Unset: from the newest.
	if before.Compare(store.Top) != 0 {
		cursor = imageCursor(before)
	}
	resp, err := s.images.ListOwnersImages(ctx, &imagev1.ListOwnersImagesRequest{
		OwnerIds: owners,
		Before:   cursor,
		PageSize: int32(limit),
		ViewerId: viewer,
	})
	if err != nil {
		return nil, upstreamError("list owners' images", err)
	}
	return resp.GetImages(), nil
}

// postingLog returns up to a page of photos posted strictly after `after`,
// oldest first, with only their ids, owners and times.
func (s *Server) postingLog(ctx context.Context, after store.Position) ([]*imagev1.Image, error) {
	resp, err := s.images.ListImagesAfter(ctx, &imagev1.ListImagesAfterRequest{
		After:    imageCursor(after),
		PageSize: postingLogPageSize,
	})
	if err != nil {
		return nil, upstreamError("list images after", err)
	}
	return resp.GetImages(), nil
}

// filterFollowing returns which of owners (at most maxBatch) reader
// follows.
func (s *Server) filterFollowing(ctx context.Context, reader string, owners []string) ([]string, error) {
	resp, err := s.users.FilterFollowing(ctx, &userv1.FilterFollowingRequest{UserId: reader, OwnerIds: owners})
	if err != nil {
		return nil, upstreamError("filter following", err)
	}
	return resp.GetOwnerIds(), nil
}

// batchGetImages returns the photos with ids (at most maxBatch) that
// exist, with viewer's reactions.
func (s *Server) batchGetImages(ctx context.Context, ids []string, viewer string) ([]*imagev1.Image, error) {
	resp, err := s.images.BatchGetImages(ctx, &imagev1.BatchGetImagesRequest{ImageIds: ids, ViewerId: viewer})
	if err != nil {
		return nil, upstreamError("batch get images", err)
	}
	return resp.GetImages(), nil
}

// batchGetUsers returns the profiles of the users with ids (at most
// maxBatch) that exist.
func (s *Server) batchGetUsers(ctx context.Context, ids []string) ([]*userv1.UserSummary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	resp, err := s.users.BatchGetUsers(ctx, &userv1.BatchGetUsersRequest{UserIds: ids})
	if err != nil {
		return nil, upstreamError("batch get users", err)
	}
	return resp.GetUsers(), nil
}

// position returns the place of img in posting order.
func position(img *imagev1.Image) store.Position {
	return store.Position{CreatedAt: img.GetCreateTime().AsTime(), ImageID: img.GetImageId()}
}

// imageCursor returns the image service's cursor at p.
func imageCursor(p store.Position) *imagev1.ImageCursor {
	return &imagev1.ImageCursor{CreateTime: timestamppb.New(p.CreatedAt), ImageId: p.ImageID}
}

// upstreamError wraps the error of a call to another service, marking it
// errUnavailable when that service could not be reached.
func upstreamError(what string, err error) error {
	if status.Code(err) == codes.Unavailable {
		return fmt.Errorf("%s: %w: %w", what, errUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

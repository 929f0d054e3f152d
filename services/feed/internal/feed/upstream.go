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

// ownersImages returns the newest limit photos of owners strictly before
// `before` and at floor or newer, newest first, with viewer's reactions.
func (s *Server) ownersImages(ctx context.Context, owners []string, before store.Position, limit int, viewer string, floor store.Position) ([]*imagev1.Image, error) {
	var found []*imagev1.Image
	for len(found) < limit {
		n := min(limit-len(found), ownersImagesPageSize)
		page, err := s.ownersImagesPage(ctx, owners, before, n, viewer)
		if err != nil {
			return nil, err
		}
		for _, img := range page {
			if floor.After(position(img)) {
				return found, nil
			}
			found = append(found, img)
		}
		if len(page) < n {
			break
		}
		before = position(page[len(page)-1])
	}
	return found, nil
}

// ownersImagesPage returns the newest limit (at most a page) photos of
// owners strictly before `before`. Owners beyond one call's limit are asked
// in parallel calls whose pages are merged: the newest limit photos of a
// union are among the newest limit of each part.
func (s *Server) ownersImagesPage(ctx context.Context, owners []string, before store.Position, limit int, viewer string) ([]*imagev1.Image, error) {
	chunks := slices.Collect(slices.Chunk(owners, maxOwnersPerCall))
	pages := make([][]*imagev1.Image, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	var cursor *imagev1.ImageCursor // Unset: from the newest.
	if before.Compare(store.Top) != 0 {
		cursor = imageCursor(before)
	}
	for i, chunk := range chunks {
		wg.Go(func() {
			resp, err := s.images.ListOwnersImages(ctx, &imagev1.ListOwnersImagesRequest{
				OwnerIds: chunk,
				Before:   cursor,
				PageSize: int32(limit),
				ViewerId: viewer,
			})
			if err != nil {
				errs[i] = upstreamError("list owners' images", err)
				return
			}
			pages[i] = resp.GetImages()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(pages) == 1 {
		return pages[0], nil
	}
	merged := slices.Concat(pages...)
	slices.SortFunc(merged, func(a, b *imagev1.Image) int { return position(b).Compare(position(a)) })
	return merged[:min(len(merged), limit)], nil
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

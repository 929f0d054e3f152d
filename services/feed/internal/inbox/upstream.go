package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitypb"
)

// Limits of the internal RPCs the inbox calls (see their protos).
const (
	activityPageSize = 1000
	maxBatch         = 1000
)

// imageActivity returns up to a page of the image service's activity log
// strictly after `after`, oldest first.
func (s *Server) imageActivity(ctx context.Context, after activity.Cursor) ([]activity.Event, error) {
	resp, err := s.images.ListActivityAfter(ctx, &imagev1.ListActivityAfterRequest{
		After:    activitypb.CursorToProto(after),
		PageSize: activityPageSize,
	})
	if err != nil {
		return nil, upstreamError("list the image service's activity", err)
	}
	return events(resp.GetEvents()), nil
}

// userActivity returns up to a page of the user service's activity log
// strictly after `after`, oldest first.
func (s *Server) userActivity(ctx context.Context, after activity.Cursor) ([]activity.Event, error) {
	resp, err := s.users.ListActivityAfter(ctx, &userv1.ListActivityAfterRequest{
		After:    activitypb.CursorToProto(after),
		PageSize: activityPageSize,
	})
	if err != nil {
		return nil, upstreamError("list the user service's activity", err)
	}
	return events(resp.GetEvents()), nil
}

// events returns the events ms carry.
func events(ms []*activityv1.Event) []activity.Event {
	out := make([]activity.Event, len(ms))
	for i, m := range ms {
		out[i] = activitypb.FromProto(m)
	}
	return out
}

// batchGetImages returns, by id, the photos with ids (at most maxBatch)
// that exist.
func (s *Server) batchGetImages(ctx context.Context, ids []string, viewer string) (map[string]*imagev1.Image, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	resp, err := s.images.BatchGetImages(ctx, &imagev1.BatchGetImagesRequest{ImageIds: ids, ViewerId: viewer})
	if err != nil {
		return nil, upstreamError("batch get images", err)
	}
	found := make(map[string]*imagev1.Image, len(resp.GetImages()))
	for _, img := range resp.GetImages() {
		found[img.GetImageId()] = img
	}
	return found, nil
}

// batchGetUsers returns, by id, the users with ids (at most maxBatch)
// that exist.
func (s *Server) batchGetUsers(ctx context.Context, ids []string) (map[string]*userv1.UserSummary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	resp, err := s.users.BatchGetUsers(ctx, &userv1.BatchGetUsersRequest{UserIds: ids})
	if err != nil {
		return nil, upstreamError("batch get users", err)
	}
	found := make(map[string]*userv1.UserSummary, len(resp.GetUsers()))
	for _, u := range resp.GetUsers() {
		found[u.GetUserId()] = u
	}
	return found, nil
}

// viewableOwners returns which of owners viewer may see the photos of:
// one CanView per owner, in parallel.
func (s *Server) viewableOwners(ctx context.Context, viewer string, owners []string) (map[string]bool, error) {
	owners = slices.Compact(slices.Sorted(slices.Values(owners)))
	allowed := make([]bool, len(owners))
	errs := make([]error, len(owners))
	var wg sync.WaitGroup
	for i, owner := range owners {
		wg.Go(func() {
			resp, err := s.users.CanView(ctx, &userv1.CanViewRequest{ViewerId: viewer, OwnerId: owner})
			if err != nil {
				errs[i] = upstreamError("can view", err)
				return
			}
			allowed[i] = resp.GetAllowed()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	viewable := make(map[string]bool, len(owners))
	for i, owner := range owners {
		viewable[owner] = allowed[i]
	}
	return viewable, nil
}

// upstreamError wraps the error of a call to another service, marking it
// errUnavailable when that service could not be reached.
func upstreamError(what string, err error) error {
	if status.Code(err) == codes.Unavailable {
		return fmt.Errorf("%s: %w: %w", what, errUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

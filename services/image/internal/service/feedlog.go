package service

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// Page sizes of the posting log and the activity log.
const (
	defaultLogPageSize = 100
	maxLogPageSize     = 1000
)

// ListImagesAfter returns a page of the posting log: every owner's photos,
// oldest first, strictly after a position, with only their ids, owners and
// times. The feed tails it to copy new photos into timelines. An after
// cursor without an image_id stands just before the photos of its instant.
func (in *InternalServer) ListImagesAfter(ctx context.Context, req *imagev1.ListImagesAfterRequest) (*imagev1.ListImagesAfterResponse, error) {
	keys, err := in.listImagesAfter(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	resp := &imagev1.ListImagesAfterResponse{Images: make([]*imagev1.Image, len(keys))}
	for i, k := range keys {
		resp.Images[i] = &imagev1.Image{ImageId: k.ID, OwnerId: k.OwnerID, CreateTime: timestamppb.New(k.CreateTime)}
	}
	return resp, nil
}

// logPageSize returns the page size a request for a log asks for: 0 means
// the default, more than the maximum means the maximum.
func logPageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, &fieldError{"page_size", "must not be negative"}
	case n == 0:
		return defaultLogPageSize, nil
	}
	return min(int(n), maxLogPageSize), nil
}

func (in *InternalServer) listImagesAfter(ctx context.Context, req *imagev1.ListImagesAfterRequest) ([]store.Key, error) {
	limit, err := logPageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	var after store.Cursor
	if a := req.GetAfter(); a != nil {
		if err := a.GetCreateTime().CheckValid(); err != nil {
			return nil, &fieldError{"after", "needs a valid create_time"}
		}
		after = store.Cursor{CreateTime: a.GetCreateTime().AsTime(), ID: a.GetImageId()}
	}
	keys, err := in.s.store.ListImagesAfter(ctx, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list images after: %w", err)
	}
	return keys, nil
}

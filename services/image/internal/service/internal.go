package service

import (
	"context"
	"fmt"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// Bounds of the internal requests.
const (
	maxOwners      = 10000
	maxBatchIDs    = 1000
	maxCountOwners = 1000
)

// InternalServer implements imagev1.ImageInternalServiceServer, for the
// feed and the user service. The interceptor has checked the service credential; there is no
// Caller, and no access check: the caller has decided.
type InternalServer struct {
	imagev1.UnimplementedImageInternalServiceServer

	s *Server
}

// ListOwnersImages returns the newest photos of many owners, merged.
func (in *InternalServer) ListOwnersImages(ctx context.Context, req *imagev1.ListOwnersImagesRequest) (*imagev1.ListOwnersImagesResponse, error) {
	imgs, err := in.listOwnersImages(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.ListOwnersImagesResponse{Images: imgs}, nil
}

func (in *InternalServer) listOwnersImages(ctx context.Context, req *imagev1.ListOwnersImagesRequest) ([]*imagev1.Image, error) {
	if len(req.GetOwnerIds()) > maxOwners {
		return nil, &fieldError{"owner_ids", fmt.Sprintf("at most %d", maxOwners)}
	}
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	var before store.Cursor
	if b := req.GetBefore(); b != nil {
		if b.GetCreateTime() == nil || b.GetImageId() == "" {
			return nil, &fieldError{"before", "needs both create_time and image_id"}
		}
		before = store.Cursor{CreateTime: b.GetCreateTime().AsTime(), ID: b.GetImageId()}
	}
	imgs, err := in.s.store.ListOwnersImages(ctx, req.GetOwnerIds(), before, limit)
	if err != nil {
		return nil, fmt.Errorf("list owners' images: %w", err)
	}
	return in.s.decorate(ctx, req.GetViewerId(), imgs)
}

// BatchGetImages returns photos by id; missing ones and avatars are left
// out.
func (in *InternalServer) BatchGetImages(ctx context.Context, req *imagev1.BatchGetImagesRequest) (*imagev1.BatchGetImagesResponse, error) {
	imgs, err := in.batchGetImages(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.BatchGetImagesResponse{Images: imgs}, nil
}

func (in *InternalServer) batchGetImages(ctx context.Context, req *imagev1.BatchGetImagesRequest) ([]*imagev1.Image, error) {
	if len(req.GetImageIds()) > maxBatchIDs {
		return nil, &fieldError{"image_ids", fmt.Sprintf("at most %d", maxBatchIDs)}
	}
	found, err := in.s.store.BatchGetImages(ctx, req.GetImageIds())
	if err != nil {
		return nil, fmt.Errorf("batch get images: %w", err)
	}
	photos := found[:0]
	for _, img := range found {
		if !img.IsProfile {
			photos = append(photos, img)
		}
	}
	return in.s.decorate(ctx, req.GetViewerId(), photos)
}

// CountImages counts each owner's photos; owners without any count 0.
func (in *InternalServer) CountImages(ctx context.Context, req *imagev1.CountImagesRequest) (*imagev1.CountImagesResponse, error) {
	if len(req.GetOwnerIds()) > maxCountOwners {
		return nil, toStatus(ctx, &fieldError{"owner_ids", fmt.Sprintf("at most %d", maxCountOwners)})
	}
	counts, err := in.s.store.CountImages(ctx, req.GetOwnerIds())
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("count images: %w", err))
	}
	for _, id := range req.GetOwnerIds() {
		if _, ok := counts[id]; !ok {
			counts[id] = 0
		}
	}
	return &imagev1.CountImagesResponse{Counts: counts}, nil
}

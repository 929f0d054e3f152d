package service

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// SetAvatar stores the caller's new avatar (an image row with is_profile
// set), records it with the user service and deletes the previous one.
func (s *Server) SetAvatar(stream imagev1.ImageService_SetAvatarServer) error {
	ctx := stream.Context()
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return err
	}
	url, err := s.setAvatar(ctx, caller.UserID, func() (uploadMessage, error) { return stream.Recv() })
	if err != nil {
		return toStatus(ctx, err)
	}
	return stream.SendAndClose(&imagev1.SetAvatarResponse{AvatarUrl: url})
}

func (s *Server) setAvatar(ctx context.Context, userID string, recv func() (uploadMessage, error)) (string, error) {
	img, err := s.upload(ctx, userID, true, recv)
	if err != nil {
		return "", err
	}
	previous, url, err := s.users.SetAvatar(ctx, userID, img.ID)
	if err != nil {
		if rmErr := s.remove(context.WithoutCancel(ctx), img.ID); rmErr != nil {
			logging.FromContext(ctx).Error("remove unrecorded avatar", zap.String("image_id", img.ID), zap.Error(rmErr))
		}
		return "", err
	}
	if previous != "" && previous != img.ID {
		old, err := s.store.GetImage(ctx, previous)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			logging.FromContext(ctx).Warn("read previous avatar", zap.String("image_id", previous), zap.Error(err))
		case old.IsProfile && old.OwnerID == userID:
			if err := s.remove(ctx, previous); err != nil && !errors.Is(err, errImageNotFound) {
				logging.FromContext(ctx).Warn("delete previous avatar", zap.String("image_id", previous), zap.Error(err))
			}
		}
	}
	return url, nil
}

// GetAvatar streams a person's avatar (its square variant) to any
// logged-in person.
func (s *Server) GetAvatar(req *imagev1.GetAvatarRequest, stream imagev1.ImageService_GetAvatarServer) error {
	ctx := stream.Context()
	if _, err := authn.RequireCaller(ctx); err != nil {
		return err
	}
	err := s.getAvatar(ctx, req, stream)
	return toStatus(ctx, err)
}

func (s *Server) getAvatar(ctx context.Context, req *imagev1.GetAvatarRequest, stream imagev1.ImageService_GetAvatarServer) error {
	if req.GetUsername() == "" {
		return &fieldError{"username", "required"}
	}
	userID, err := s.users.UserID(ctx, req.GetUsername())
	if err != nil {
		return err
	}
	img, err := s.store.LatestAvatar(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return errAvatarNotFound
	}
	if err != nil {
		return err
	}
	return s.sendContent(ctx, img.Thumb, img.CreateTime, contentRange{ifNoneMatch: req.GetIfNoneMatch()},
		func(info *imagev1.ContentInfo) error {
			return stream.Send(&imagev1.GetAvatarResponse{Data: &imagev1.GetAvatarResponse_Info{Info: info}})
		},
		func(chunk []byte) error {
			return stream.Send(&imagev1.GetAvatarResponse{Data: &imagev1.GetAvatarResponse_Chunk{Chunk: chunk}})
		})
}

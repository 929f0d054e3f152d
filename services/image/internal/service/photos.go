package service

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// visiblePhoto returns the photo id if viewerID may see it: its owner, any
// logged-in person for a public account, the approved followers for a
// private one. To anyone else, and for avatars (served by GetAvatar only),
// it is errImageNotFound, as for a missing photo.
func (s *Server) visiblePhoto(ctx context.Context, viewerID, id string) (store.Image, error) {
	return photoFor(ctx, viewerID, id, exactPhotos{s.store, s.users})
}

// photoSource is where photoFor reads a photo's row and its access rule.
type photoSource interface {
	GetImage(ctx context.Context, id string) (store.Image, error)
	CanView(ctx context.Context, viewerID, ownerID string) (bool, error)
}

// exactPhotos reads the store and asks the user service every time.
type exactPhotos struct {
	store.Store
	Users
}

// photoFor returns the photo id of src if viewerID may see it, and
// errImageNotFound otherwise (missing and hidden alike).
func photoFor(ctx context.Context, viewerID, id string, src photoSource) (store.Image, error) {
	if id == "" {
		return store.Image{}, &fieldError{"image_id", "required"}
	}
	img, err := src.GetImage(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && img.IsProfile) {
		return store.Image{}, errImageNotFound
	}
	if err != nil {
		return store.Image{}, err
	}
	if img.OwnerID == viewerID {
		return img, nil
	}
	allowed, err := src.CanView(ctx, viewerID, img.OwnerID)
	if err != nil {
		return store.Image{}, err
	}
	if !allowed {
		return store.Image{}, errImageNotFound
	}
	return img, nil
}

// ownPhoto returns the photo id if viewerID owns it; errNotOwner if they
// may only see it.
func (s *Server) ownPhoto(ctx context.Context, viewerID, id string) (store.Image, error) {
	img, err := s.visiblePhoto(ctx, viewerID, id)
	if err != nil {
		return store.Image{}, err
	}
	if img.OwnerID != viewerID {
		return store.Image{}, errNotOwner
	}
	return img, nil
}

// GetImage returns a photo's metadata.
func (s *Server) GetImage(ctx context.Context, req *imagev1.GetImageRequest) (*imagev1.GetImageResponse, error) {
	img, err := s.photo(ctx, req.GetImageId(), func(context.Context, store.Image, string) error { return nil })
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.GetImageResponse{Image: img}, nil
}

// photo checks that the caller may see the photo id, runs do, and returns
// the photo as it then is.
func (s *Server) photo(ctx context.Context, id string, do func(ctx context.Context, img store.Image, callerID string) error) (*imagev1.Image, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	img, err := s.visiblePhoto(ctx, caller.UserID, id)
	if err != nil {
		return nil, err
	}
	if err := do(ctx, img, caller.UserID); err != nil {
		return nil, err
	}
	out, err := s.decorate(ctx, caller.UserID, []store.Image{img})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// UpdateImage changes a photo's caption, or whether it takes comments, or
// both.
func (s *Server) UpdateImage(ctx context.Context, req *imagev1.UpdateImageRequest) (*imagev1.UpdateImageResponse, error) {
	img, err := s.updateImage(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.UpdateImageResponse{Image: img}, nil
}

func (s *Server) updateImage(ctx context.Context, req *imagev1.UpdateImageRequest) (*imagev1.Image, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkLength("caption", req.GetCaption(), maxCaption); err != nil {
		return nil, err
	}
	img, err := s.ownPhoto(ctx, caller.UserID, req.GetImageId())
	if err != nil {
		return nil, err
	}
	if req.CommentsDisabled != nil {
		err := s.store.SetCommentsDisabled(ctx, img.ID, req.GetCommentsDisabled())
		if errors.Is(err, store.ErrNotFound) {
			return nil, errImageNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("set comments disabled: %w", err)
		}
	}
	// With comments_disabled set, an empty caption is no change.
	if req.CommentsDisabled == nil || req.GetCaption() != "" {
		var before string
		img, err = s.store.UpdateImage(ctx, img.ID, func(img *store.Image) error {
			before = img.Caption
			img.Caption = req.GetCaption()
			img.UpdateTime = now()
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			return nil, errImageNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("update image: %w", err)
		}
		s.recordCaptionMentions(ctx, img, before)
		s.indexTags(ctx, img, before)
	}
	out, err := s.decorate(ctx, caller.UserID, []store.Image{img})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// DeleteImage deletes a photo: its row, reactions and comments, then its
// objects.
func (s *Server) DeleteImage(ctx context.Context, req *imagev1.DeleteImageRequest) (*imagev1.DeleteImageResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.ownPhoto(ctx, caller.UserID, req.GetImageId()); err != nil {
		return nil, toStatus(ctx, err)
	}
	if err := s.remove(ctx, req.GetImageId()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.DeleteImageResponse{}, nil
}

// remove deletes the image id: the row first, then its tags and its
// objects, so that a crash in between leaves only tag rows and objects of
// a photo that no longer exists, which ListTagImages and the sweeper
// reclaim.
func (s *Server) remove(ctx context.Context, id string) error {
	img, err := s.store.DeleteImage(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errImageNotFound
	}
	if err != nil {
		return fmt.Errorf("delete image: %w", err)
	}
	s.contentAccess.forget(id)
	s.unindexTags(ctx, img)
	s.deleteObjects(ctx, img.Objects()...)
	return nil
}

// ListUserImages lists a person's photos, newest first.
func (s *Server) ListUserImages(ctx context.Context, req *imagev1.ListUserImagesRequest) (*imagev1.ListUserImagesResponse, error) {
	resp, err := s.listUserImages(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Server) listUserImages(ctx context.Context, req *imagev1.ListUserImagesRequest) (*imagev1.ListUserImagesResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	pageSize, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	cursor, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	if req.GetUsername() == "" {
		return nil, &fieldError{"username", "required"}
	}
	ownerID, err := s.users.UserID(ctx, req.GetUsername())
	if err != nil {
		return nil, err
	}
	if ownerID != caller.UserID {
		allowed, err := s.users.CanView(ctx, caller.UserID, ownerID)
		if err != nil {
			return nil, err
		}
		if !allowed {
			return nil, errPrivate
		}
	}
	imgs, err := s.store.ListImages(ctx, ownerID, cursor, pageSize+1)
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	resp := &imagev1.ListUserImagesResponse{}
	if len(imgs) > pageSize {
		imgs = imgs[:pageSize]
		resp.NextPageToken = encodePageToken(store.CursorOf(imgs[len(imgs)-1]))
	}
	if resp.Images, err = s.decorate(ctx, caller.UserID, imgs); err != nil {
		return nil, err
	}
	return resp, nil
}

// LikeImage likes a photo, removing a dislike.
func (s *Server) LikeImage(ctx context.Context, req *imagev1.LikeImageRequest) (*imagev1.LikeImageResponse, error) {
	img, err := s.react(ctx, req.GetImageId(), store.Like, false)
	if err != nil {
		return nil, err
	}
	return &imagev1.LikeImageResponse{Image: img}, nil
}

// UnlikeImage removes the caller's like.
func (s *Server) UnlikeImage(ctx context.Context, req *imagev1.UnlikeImageRequest) (*imagev1.UnlikeImageResponse, error) {
	img, err := s.react(ctx, req.GetImageId(), store.Like, true)
	if err != nil {
		return nil, err
	}
	return &imagev1.UnlikeImageResponse{Image: img}, nil
}

// DislikeImage dislikes a photo, removing a like.
func (s *Server) DislikeImage(ctx context.Context, req *imagev1.DislikeImageRequest) (*imagev1.DislikeImageResponse, error) {
	img, err := s.react(ctx, req.GetImageId(), store.Dislike, false)
	if err != nil {
		return nil, err
	}
	return &imagev1.DislikeImageResponse{Image: img}, nil
}

// UndislikeImage removes the caller's dislike.
func (s *Server) UndislikeImage(ctx context.Context, req *imagev1.UndislikeImageRequest) (*imagev1.UndislikeImageResponse, error) {
	img, err := s.react(ctx, req.GetImageId(), store.Dislike, true)
	if err != nil {
		return nil, err
	}
	return &imagev1.UndislikeImageResponse{Image: img}, nil
}

// react sets the caller's reaction to a photo they may see to kind, or
// removes it (undo), records what that does to their like in the activity
// log, and returns the photo after it.
func (s *Server) react(ctx context.Context, id string, kind store.Kind, undo bool) (*imagev1.Image, error) {
	img, err := s.photo(ctx, id, func(ctx context.Context, img store.Image, callerID string) error {
		at := now()
		change := s.store.React
		if undo {
			change = s.store.Unreact
		}
		err := change(ctx, img.ID, callerID, kind)
		if errors.Is(err, store.ErrNotFound) {
			return errImageNotFound
		}
		if err != nil {
			return fmt.Errorf("change reaction: %w", err)
		}
		// A like stands after liking; unliking takes it back, and so does
		// disliking, which replaces it. Undisliking leaves it alone.
		if kind == store.Like || !undo {
			s.record(ctx, activity.Event{
				Time: at, Kind: activity.Like, ActorID: callerID, RecipientID: img.OwnerID, ImageID: img.ID,
				Retracted: kind != store.Like || undo,
			})
		}
		return nil
	})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return img, nil
}

// decorate returns imgs as viewerID sees them: with their owners'
// usernames (one user service call), the reactions and the comment states
// (one store query each).
func (s *Server) decorate(ctx context.Context, viewerID string, imgs []store.Image) ([]*imagev1.Image, error) {
	if len(imgs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(imgs))
	var owners []string
	seen := make(map[string]bool)
	for i, img := range imgs {
		ids[i] = img.ID
		if !seen[img.OwnerID] {
			seen[img.OwnerID] = true
			owners = append(owners, img.OwnerID)
		}
	}
	reactions, err := s.store.Reactions(ctx, ids, viewerID)
	if err != nil {
		return nil, fmt.Errorf("read reactions: %w", err)
	}
	comments, err := s.store.CommentStates(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read comment states: %w", err)
	}
	people, err := s.users.People(ctx, owners)
	if err != nil {
		return nil, err
	}
	out := make([]*imagev1.Image, len(imgs))
	for i, img := range imgs {
		owner, ok := people[img.OwnerID]
		if !ok {
			logging.FromContext(ctx).Warn("photo of an unknown user", zap.String("image_id", img.ID), zap.String("owner_id", img.OwnerID))
		}
		out[i] = toProto(img, owner.Username, reactions[img.ID], comments[img.ID])
	}
	return out, nil
}

// toProto returns the API's view of img.
func toProto(img store.Image, ownerUsername string, r store.Reactions, c store.CommentState) *imagev1.Image {
	content := "/v1/images/" + img.ID + "/content?size="
	return &imagev1.Image{
		ImageId:       img.ID,
		OwnerId:       img.OwnerID,
		OwnerUsername: ownerUsername,
		Caption:       img.Caption,
		CreateTime:    timestamppb.New(img.CreateTime),
		UpdateTime:    timestamppb.New(img.UpdateTime),
		ContentType:   img.Original.ContentType,
		Width:         int32(img.Original.Width),
		Height:        int32(img.Original.Height),
		SizeBytes:     img.Original.Size,
		DisplayWidth:  int32(img.Display.Width),
		DisplayHeight: int32(img.Display.Height),
		LikeCount:     r.Likes,
		DislikeCount:  r.Dislikes,
		LikedByMe:     r.Mine == store.Like,
		DislikedByMe:  r.Mine == store.Dislike,
		ThumbUrl:      content + "thumb",
		DisplayUrl:    content + "display",
		OriginalUrl:   content + "original",

		CommentCount:     c.Count,
		CommentsDisabled: c.Disabled,
	}
}

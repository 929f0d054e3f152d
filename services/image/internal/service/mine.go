package service

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/authn"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// ListMyComments lists the comments the caller wrote, on anyone's photos,
// newest first. They are the caller's own words: a comment under a photo
// they can no longer see is listed too, as the photo's id and the text
// they wrote, never the photo.
func (s *Server) ListMyComments(ctx context.Context, req *imagev1.ListMyCommentsRequest) (*imagev1.ListMyCommentsResponse, error) {
	resp, err := s.listMyComments(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Server) listMyComments(ctx context.Context, req *imagev1.ListMyCommentsRequest) (*imagev1.ListMyCommentsResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	before, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	comments, err := s.store.ListCommentsByAuthor(ctx, caller.UserID, before, limit+1)
	if err != nil {
		return nil, fmt.Errorf("list the caller's comments: %w", err)
	}
	resp := &imagev1.ListMyCommentsResponse{}
	if len(comments) > limit {
		comments = comments[:limit]
		resp.NextPageToken = encodePageToken(comments[len(comments)-1].AuthorCursor())
	}
	if len(comments) == 0 {
		return resp, nil
	}
	exist, err := s.existingImages(ctx, len(comments), func(i int) string { return comments[i].ImageID })
	if err != nil {
		return nil, err
	}
	author, err := s.users.People(ctx, []string{caller.UserID})
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		if exist[c.ImageID] {
			resp.Comments = append(resp.Comments, commentToProto(c, author[caller.UserID], true))
		}
	}
	return resp, nil
}

// ListMyReactions lists the caller's likes and dislikes, newest first. As
// with ListMyComments, a reaction to a photo the caller can no longer see
// is listed too, by the photo's id.
func (s *Server) ListMyReactions(ctx context.Context, req *imagev1.ListMyReactionsRequest) (*imagev1.ListMyReactionsResponse, error) {
	resp, err := s.listMyReactions(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Server) listMyReactions(ctx context.Context, req *imagev1.ListMyReactionsRequest) (*imagev1.ListMyReactionsResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	before, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	reactions, err := s.store.ListReactionsByUser(ctx, caller.UserID, before, limit+1)
	if err != nil {
		return nil, fmt.Errorf("list the caller's reactions: %w", err)
	}
	resp := &imagev1.ListMyReactionsResponse{}
	if len(reactions) > limit {
		reactions = reactions[:limit]
		resp.NextPageToken = encodePageToken(reactions[len(reactions)-1].Cursor())
	}
	if len(reactions) == 0 {
		return resp, nil
	}
	exist, err := s.existingImages(ctx, len(reactions), func(i int) string { return reactions[i].ImageID })
	if err != nil {
		return nil, err
	}
	for _, r := range reactions {
		if exist[r.ImageID] {
			resp.Reactions = append(resp.Reactions, &imagev1.Reaction{
				ImageId:    r.ImageID,
				Kind:       reactionKindToProto(r.Kind),
				CreateTime: timestamppb.New(r.CreateTime),
			})
		}
	}
	return resp, nil
}

// existingImages reports which of the n image ids id(0), ..., id(n-1)
// exist, in one store call: the rows of a photo that is gone are what an
// interrupted delete left (see the store's DeleteImage), and no list
// shows them.
func (s *Server) existingImages(ctx context.Context, n int, id func(int) string) (map[string]bool, error) {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = id(i)
	}
	imgs, err := s.store.BatchGetImages(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read the photos of a page: %w", err)
	}
	exist := make(map[string]bool, len(imgs))
	for _, img := range imgs {
		exist[img.ID] = true
	}
	return exist, nil
}

// reactionKindToProto returns the API's name of a reaction.
func reactionKindToProto(k store.Kind) imagev1.ReactionKind {
	switch k {
	case store.Like:
		return imagev1.ReactionKind_REACTION_KIND_LIKE
	case store.Dislike:
		return imagev1.ReactionKind_REACTION_KIND_DISLIKE
	}
	return imagev1.ReactionKind_REACTION_KIND_UNSPECIFIED
}

package service

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// AddComment adds the caller's comment under a photo they may see, and
// tells the photo's owner and the people it mentions.
func (s *Server) AddComment(ctx context.Context, req *imagev1.AddCommentRequest) (*imagev1.AddCommentResponse, error) {
	c, err := s.addComment(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.AddCommentResponse{Comment: c}, nil
}

func (s *Server) addComment(ctx context.Context, req *imagev1.AddCommentRequest) (*imagev1.Comment, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	text, err := commentText(req.GetText())
	if err != nil {
		return nil, err
	}
	img, err := s.visiblePhoto(ctx, caller.UserID, req.GetImageId())
	if err != nil {
		return nil, err
	}
	// Asked before the write, so that a failure leaves nothing written.
	author, err := s.users.People(ctx, []string{caller.UserID})
	if err != nil {
		return nil, err
	}
	at := now()
	c := store.Comment{ImageID: img.ID, ID: store.NewCommentID(at), AuthorID: caller.UserID, Text: text, CreateTime: at}
	switch err := s.store.AddComment(ctx, c); {
	case errors.Is(err, store.ErrNotFound):
		return nil, errImageNotFound
	case errors.Is(err, store.ErrCommentsDisabled):
		return nil, errCommentsDisabled
	case err != nil:
		return nil, fmt.Errorf("add comment: %w", err)
	}
	s.recordComment(ctx, img, c, false)
	return commentToProto(c, author[c.AuthorID], true), nil
}

// recordComment records that c was written under img (or, retracted, that
// it was deleted): for the photo's owner, and for each person it mentions
// but the owner, who hears of the comment itself. A new comment's mentions
// reach only the people who may see the photo; a deleted one's are taken
// back from everyone it named. The events are those of c's author, dated
// as c for a new comment and now for a deleted one.
func (s *Server) recordComment(ctx context.Context, img store.Image, c store.Comment, deleted bool) {
	ev := activity.Event{
		Time: c.CreateTime, Kind: activity.Comment, ActorID: c.AuthorID, RecipientID: img.OwnerID,
		ImageID: img.ID, CommentID: c.ID, Text: activity.Excerpt(c.Text), Retracted: deleted,
	}
	var mentioned, unmentioned []string
	if deleted {
		ev.Time = now()
		unmentioned = parseMentions(c.Text)
	} else {
		mentioned = parseMentions(c.Text)
	}
	mentions, err := s.mentionEvents(ctx, img, ev, mentioned, unmentioned, img.OwnerID)
	if err != nil {
		logging.FromContext(ctx).Warn("comment mentions make no notifications", zap.String("image_id", img.ID), zap.String("comment_id", c.ID), zap.Error(err))
	}
	s.record(ctx, append([]activity.Event{ev}, mentions...)...)
}

// ListComments lists the comments of a photo the caller may see, oldest
// first unless asked otherwise.
func (s *Server) ListComments(ctx context.Context, req *imagev1.ListCommentsRequest) (*imagev1.ListCommentsResponse, error) {
	resp, err := s.listComments(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Server) listComments(ctx context.Context, req *imagev1.ListCommentsRequest) (*imagev1.ListCommentsResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	after, err := decodeCommentPageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	img, err := s.visiblePhoto(ctx, caller.UserID, req.GetImageId())
	if err != nil {
		return nil, err
	}
	comments, err := s.store.ListComments(ctx, store.CommentQuery{
		ImageID: img.ID, After: after, NewestFirst: req.GetNewestFirst(), Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	resp := &imagev1.ListCommentsResponse{}
	if len(comments) > limit {
		comments = comments[:limit]
		resp.NextPageToken = encodeCommentPageToken(comments[len(comments)-1].ID)
	}
	// Between two people across a block, neither sees the other's
	// comments, under anyone's photo; the page may come out short.
	blocked, err := s.users.BlockedIDs(ctx, caller.UserID)
	if err != nil {
		return nil, err
	}
	comments = slices.DeleteFunc(comments, func(c store.Comment) bool { return slices.Contains(blocked, c.AuthorID) })
	if len(comments) == 0 {
		return resp, nil
	}
	var authors []string
	seen := make(map[string]bool)
	for _, c := range comments {
		if !seen[c.AuthorID] {
			seen[c.AuthorID] = true
			authors = append(authors, c.AuthorID)
		}
	}
	people, err := s.users.People(ctx, authors)
	if err != nil {
		return nil, err
	}
	// A comment whose author is gone stays, with an empty username: it
	// still counts in comment_count, and its photo's owner may delete it.
	resp.Comments = make([]*imagev1.Comment, len(comments))
	for i, c := range comments {
		resp.Comments[i] = commentToProto(c, people[c.AuthorID], mayDelete(caller.UserID, img, c))
	}
	return resp, nil
}

// DeleteComment deletes a comment under a photo the caller may see, if
// they wrote it or own the photo, and takes back what it told.
func (s *Server) DeleteComment(ctx context.Context, req *imagev1.DeleteCommentRequest) (*imagev1.DeleteCommentResponse, error) {
	if err := s.deleteComment(ctx, req); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.DeleteCommentResponse{}, nil
}

func (s *Server) deleteComment(ctx context.Context, req *imagev1.DeleteCommentRequest) error {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return err
	}
	img, err := s.visiblePhoto(ctx, caller.UserID, req.GetImageId())
	if err != nil {
		return err
	}
	if req.GetCommentId() == "" {
		return &fieldError{"comment_id", "required"}
	}
	c, err := s.store.GetComment(ctx, img.ID, req.GetCommentId())
	if errors.Is(err, store.ErrNotFound) {
		return errCommentNotFound
	}
	if err != nil {
		return fmt.Errorf("get comment: %w", err)
	}
	if !mayDelete(caller.UserID, img, c) {
		return errNotCommentAuthor
	}
	c, err = s.store.DeleteComment(ctx, img.ID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errCommentNotFound
	}
	if err != nil {
		return fmt.Errorf("delete comment: %w", err)
	}
	s.recordComment(ctx, img, c, true)
	return nil
}

// mayDelete reports whether userID may delete c under img: they wrote it
// or own the photo.
func mayDelete(userID string, img store.Image, c store.Comment) bool {
	return userID == c.AuthorID || userID == img.OwnerID
}

// commentToProto returns the API's view of c, written by author.
func commentToProto(c store.Comment, author Person, canDelete bool) *imagev1.Comment {
	return &imagev1.Comment{
		CommentId:       c.ID,
		ImageId:         c.ImageID,
		AuthorId:        c.AuthorID,
		AuthorUsername:  author.Username,
		AuthorAvatarUrl: author.AvatarURL,
		Text:            c.Text,
		CreateTime:      timestamppb.New(c.CreateTime),
		CanDelete:       canDelete,
	}
}

// encodeCommentPageToken returns the opaque token of the page after the
// comment id: base64url(id), as the other page tokens are.
func encodeCommentPageToken(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id))
}

// decodeCommentPageToken returns the comment id of token; "" for "".
func decodeCommentPageToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !isCommentID(string(raw)) {
		return "", &fieldError{"page_token", "invalid"}
	}
	return string(raw), nil
}

// isCommentID reports whether id has the shape store.NewCommentID gives:
// 26 characters of 0-9 and a-v.
func isCommentID(id string) bool {
	return len(id) == 26 && strings.Trim(id, "0123456789abcdefghijklmnopqrstuv") == ""
}

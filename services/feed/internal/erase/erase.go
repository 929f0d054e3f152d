// Package erase deletes what the feed service holds of a deleted account,
// for fotogal.feed.v1's FeedInternalService: the account's timeline and its
// state, the entries of its photos in other people's timelines, its inbox
// and read mark, the notifications it caused in other inboxes, and its
// celebrity mark.
//
// The user service runs the deletion of an account as a saga, the feed
// last, when the account's row, photos and activity events are gone
// already; so nothing here asks the user or image service about it. Each
// DeleteUserData call deletes at most Config.Batch rows and says whether
// anything is left, and the user service calls again until nothing is.
// Every step is a deletion by key of rows found afresh, so a call may be
// repeated, or cut short at any point (a crash, a lost answer), and the
// next call deletes what is left.
package erase

import (
	"context"
	"fmt"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"

	"github.com/fotogal/fotogal/pkg/grpcerr"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// DefaultBatch is how many rows one DeleteUserData call deletes at most,
// over all its steps: on SQLite a transaction per step, on Oracle NoSQL a
// query per step and WriteMultiple requests of up to 50 rows of one shard,
// eight at a time; well within a call's deadline either way.
const DefaultBatch = 500

// Config holds what a Server is built from.
type Config struct {
	// Store holds the timelines and inboxes.
	Store store.Store
	// Batch is how many rows one call deletes at most (DefaultBatch when
	// not positive).
	Batch int
}

// Server implements feedv1.FeedInternalServiceServer; authn.Policy lets
// only callers with the service credential reach it.
type Server struct {
	feedv1.UnimplementedFeedInternalServiceServer
	store store.Store
	batch int
}

// New returns the server cfg describes.
func New(cfg Config) *Server {
	batch := cfg.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Server{store: cfg.Store, batch: batch}
}

// DeleteUserData deletes a batch of the rows of the account req names and
// answers done when none is left. An account the feed knows nothing of is
// done at once.
func (s *Server) DeleteUserData(ctx context.Context, req *feedv1.DeleteUserDataRequest) (*feedv1.DeleteUserDataResponse, error) {
	if req.GetUserId() == "" {
		return nil, grpcerr.InvalidArgument("user_id", "must not be empty")
	}
	done, err := s.deleteBatch(ctx, req.GetUserId())
	if err != nil {
		return nil, grpcerr.Internal(ctx, err)
	}
	return &feedv1.DeleteUserDataResponse{Done: done}, nil
}

// deleteBatch runs the steps of the deletion of userID's rows in order,
// each with what is left of the batch, and reports whether every step
// found no more rows. The timeline goes first, its state row first of all,
// so that the tailer copies no more photos into it meanwhile. The
// celebrity mark, one row, goes once the rest is gone.
func (s *Server) deleteBatch(ctx context.Context, userID string) (bool, error) {
	steps := []struct {
		what string
		del  func(ctx context.Context, id string, limit int) (int, error)
	}{
		{"the timeline of", s.store.DeleteTimeline},
		{"the timeline entries of the photos of", s.store.DeleteOwnerEntries},
		{"the inbox of", s.store.DeleteInbox},
		{"the notifications by", s.store.DeleteActorNotifications},
	}
	left := s.batch
	for _, step := range steps {
		n, err := step.del(ctx, userID, left)
		if err != nil {
			return false, fmt.Errorf("delete %s %s: %w", step.what, userID, err)
		}
		if n >= left {
			// The batch is used up: there may be more of this step's rows.
			return false, nil
		}
		left -= n
	}
	if err := s.store.DeleteCelebrity(ctx, userID); err != nil {
		return false, fmt.Errorf("delete celebrity mark of %s: %w", userID, err)
	}
	return true, nil
}

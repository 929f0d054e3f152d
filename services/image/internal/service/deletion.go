package service

import (
	"context"
	"errors"
	"fmt"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// The deletion of an account is a saga the user service runs: the
// account's own rows, then its sessions, then what the image service and
// the feed hold of it, each service's part in bounded calls made again
// until one answers done, and resumed after a crash of either side. The
// image service's part is DeleteUserData. Each call reads what is left
// from the start and deletes what it read, so it needs no cursor and no
// record of its own: whatever a crash or a failure interrupts, the next
// call finds again. In order, at most deletionBatch items in all:
//
//  1. the reactions the person gave, taken out of their photos' counts
//     (Unreact);
//  2. the comments they wrote, taken out of the comment counts
//     (DeleteComment);
//  3. their photos, then their avatars: each as DeleteImage deletes a
//     photo (remove: the row with the reactions and comments on it, the
//     tag rows, the objects), except that the tag rows and the objects go
//     first (see purgeImage);
//  4. once a call got through the first three within its budget, the
//     activity events they took part in, as actor or recipient, and their
//     upload throttle's counter; and then a check that nothing of theirs
//     is left.
//
// Nothing here asks the user service anything: the person is gone from
// it. The retractions that undoing likes and comments would otherwise
// record are not written: the events go in step 4, and the feed deletes
// its notifications of the person itself.

// deletionBatch bounds the work of one DeleteUserData call: the
// reactions, comments, photos and avatars it deletes, a photo counting as
// one with the rows that go with it.
const deletionBatch = 100

// DeleteUserData deletes a batch of what the service holds of a deleted
// account and says whether anything is left.
func (in *InternalServer) DeleteUserData(ctx context.Context, req *imagev1.DeleteUserDataRequest) (*imagev1.DeleteUserDataResponse, error) {
	done, err := in.s.DeleteUserData(ctx, req.GetUserId(), deletionBatch)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &imagev1.DeleteUserDataResponse{Done: done}, nil
}

// DeleteUserData deletes up to batch (at least one) of the reactions,
// comments, photos and avatars of the deleted account userID, and when it
// finds none left within that budget also its activity events. It
// reports done when a check after that finds nothing of the account left;
// an unknown account is done at once. It is idempotent, and safe to
// interrupt anywhere: the next call deletes what the interrupted one left.
func (s *Server) DeleteUserData(ctx context.Context, userID string, batch int) (done bool, err error) {
	if userID == "" {
		return false, &fieldError{"user_id", "required"}
	}
	left := max(1, batch)
	for _, step := range []func(ctx context.Context, userID string, limit int) (int, error){
		s.deleteReactionsBy, s.deleteCommentsBy, s.deletePhotosOf, s.deleteAvatarsOf,
	} {
		n, err := step(ctx, userID, left)
		if err != nil {
			return false, err
		}
		// A step that used the whole budget may have left more behind.
		if left -= n; left == 0 {
			return false, nil
		}
	}
	if err := s.store.DeleteEventsOf(ctx, userID); err != nil {
		return false, fmt.Errorf("delete activity events: %w", err)
	}
	if err := s.store.DeleteCounter(ctx, uploadCounterKey(userID)); err != nil {
		return false, fmt.Errorf("delete upload counter: %w", err)
	}
	return s.nothingLeftOf(ctx, userID)
}

// deleteReactionsBy deletes up to limit of userID's reactions and returns
// how many it deleted.
func (s *Server) deleteReactionsBy(ctx context.Context, userID string, limit int) (int, error) {
	reactions, err := s.store.ListReactionsByUser(ctx, userID, store.Cursor{}, limit)
	if err != nil {
		return 0, fmt.Errorf("list reactions: %w", err)
	}
	for _, r := range reactions {
		if err := s.store.Unreact(ctx, r.ImageID, userID, r.Kind); err != nil {
			return 0, fmt.Errorf("delete reaction to %s: %w", r.ImageID, err)
		}
	}
	return len(reactions), nil
}

// deleteCommentsBy deletes up to limit of the comments userID wrote and
// returns how many it deleted.
func (s *Server) deleteCommentsBy(ctx context.Context, userID string, limit int) (int, error) {
	comments, err := s.store.ListCommentsByAuthor(ctx, userID, store.Cursor{}, limit)
	if err != nil {
		return 0, fmt.Errorf("list comments: %w", err)
	}
	for _, c := range comments {
		// Not found: a concurrent call, or the photo's owner, was first.
		if _, err := s.store.DeleteComment(ctx, c.ImageID, c.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("delete comment %s under %s: %w", c.ID, c.ImageID, err)
		}
	}
	return len(comments), nil
}

// deletePhotosOf deletes up to limit of userID's photos and returns how
// many it deleted.
func (s *Server) deletePhotosOf(ctx context.Context, userID string, limit int) (int, error) {
	photos, err := s.store.ListImages(ctx, userID, store.Cursor{}, limit)
	if err != nil {
		return 0, fmt.Errorf("list photos: %w", err)
	}
	return len(photos), s.purgeImages(ctx, photos)
}

// deleteAvatarsOf deletes up to limit of userID's avatars and returns how
// many it deleted.
func (s *Server) deleteAvatarsOf(ctx context.Context, userID string, limit int) (int, error) {
	avatars, err := s.store.ListAvatars(ctx, userID, store.Cursor{}, limit)
	if err != nil {
		return 0, fmt.Errorf("list avatars: %w", err)
	}
	return len(avatars), s.purgeImages(ctx, avatars)
}

// purgeImages purges each of imgs, stopping at the first failure.
func (s *Server) purgeImages(ctx context.Context, imgs []store.Image) error {
	for _, img := range imgs {
		if err := s.purgeImage(ctx, img); err != nil {
			return err
		}
	}
	return nil
}

// purgeImage deletes img as remove does, but its tag rows and its objects
// before its row, failing when they fail. remove deletes the row first and
// only logs a failure after it, which suits a person deleting a photo (it
// is gone at once; ListTagImages and the sweeper reclaim what is left),
// but the row is what finds the rest again here: kept until they are
// gone, it brings the next call back to them after a failure or a crash.
// Meanwhile the row may name objects that are gone, of an account nobody
// may see any more. remove then finds no tag rows or objects left to
// delete.
func (s *Server) purgeImage(ctx context.Context, img store.Image) error {
	if rows := tagRows(img, parseTags(img.Caption)); len(rows) > 0 {
		if err := s.store.DeleteTags(ctx, rows); err != nil {
			return fmt.Errorf("delete tags of %s: %w", img.ID, err)
		}
	}
	for _, name := range img.Objects() {
		if err := s.bucket.Delete(ctx, name); err != nil {
			return fmt.Errorf("delete object %s: %w", name, err)
		}
	}
	// Not found: a concurrent call was first.
	if err := s.remove(ctx, img.ID); err != nil && !errors.Is(err, errImageNotFound) {
		return err
	}
	return nil
}

// nothingLeftOf reports whether userID has no reaction, comment, photo or
// avatar left: a write that was under way when the account went may have
// landed after the steps looked.
func (s *Server) nothingLeftOf(ctx context.Context, userID string) (bool, error) {
	reactions, err := s.store.ListReactionsByUser(ctx, userID, store.Cursor{}, 1)
	if err != nil {
		return false, fmt.Errorf("check reactions: %w", err)
	}
	comments, err := s.store.ListCommentsByAuthor(ctx, userID, store.Cursor{}, 1)
	if err != nil {
		return false, fmt.Errorf("check comments: %w", err)
	}
	photos, err := s.store.ListImages(ctx, userID, store.Cursor{}, 1)
	if err != nil {
		return false, fmt.Errorf("check photos: %w", err)
	}
	avatars, err := s.store.ListAvatars(ctx, userID, store.Cursor{}, 1)
	if err != nil {
		return false, fmt.Errorf("check avatars: %w", err)
	}
	return len(reactions)+len(comments)+len(photos)+len(avatars) == 0, nil
}

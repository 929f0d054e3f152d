package feed

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"

	"github.com/fotogal/fotogal/pkg/logging"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// tailer is the state of the posting-log tailer (see Server.Tail).
type tailer struct {
	interval, overlap time.Duration

	// mu makes passes one at a time.
	mu sync.Mutex
	// copied holds the ids of the photos copied in the last overlap, with
	// their create times, so that re-reading the overlap skips them.
	copied map[string]time.Time
}

// Tail copies new photos into timelines until ctx is done, a pass every
// TailInterval. A pass reads the posting log (ListImagesAfter) from the
// tail cursor less TailOverlap, since the image service commits a photo
// after taking its create time and so may commit it after a newer one; it
// copies each photo not copied yet into the timelines of its owner and of
// the owner's followers that have a timeline (the others get it when they
// first ask), then moves the tail cursor to the newest photo read. Copies
// are idempotent, so several feed replicas may tail at once, and a pass
// that fails is simply done again: errors are logged.
func (s *Server) Tail(ctx context.Context) {
	ticker := time.NewTicker(s.tail.interval)
	defer ticker.Stop()
	for {
		if err := s.tailOnce(ctx); err != nil && ctx.Err() == nil {
			logging.FromContext(ctx).Warn("tail the posting log", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// tailOnce is one pass of Tail.
func (s *Server) tailOnce(ctx context.Context) error {
	s.tail.mu.Lock()
	defer s.tail.mu.Unlock()
	cursor, err := s.store.TailCursor(ctx)
	if err != nil {
		return fmt.Errorf("read the tail cursor: %w", err)
	}
	newest := cursor
	after := store.Position{CreatedAt: cursor.CreatedAt.Add(-s.tail.overlap)}
	for {
		photos, err := s.postingLog(ctx, after)
		if err != nil {
			return s.tailed(ctx, newest, err)
		}
		// The followers are read after the page, once per owner: a photo
		// of the page was committed before, so a reader that gets a
		// timeline later fills it in with the photo.
		readers := make(map[string][]string)
		for _, img := range photos {
			pos := position(img)
			if _, done := s.tail.copied[img.GetImageId()]; !done {
				if err := s.copyPhoto(ctx, img, readers); err != nil {
					return s.tailed(ctx, newest, err)
				}
				s.tail.copied[img.GetImageId()] = pos.CreatedAt
			}
			if pos.After(newest) {
				newest = pos
			}
		}
		if len(photos) < postingLogPageSize {
			return s.tailed(ctx, newest, nil)
		}
		after = position(photos[len(photos)-1])
	}
}

// tailed ends a pass that copied every photo up to newest, and failed with
// err if it is not nil: it moves the tail cursor there and forgets the
// photos the next pass will not re-read.
func (s *Server) tailed(ctx context.Context, newest store.Position, err error) error {
	if advErr := s.store.AdvanceTailCursor(ctx, newest); advErr != nil && err == nil {
		err = fmt.Errorf("advance the tail cursor: %w", advErr)
	}
	horizon := newest.CreatedAt.Add(-s.tail.overlap)
	for id, createdAt := range s.tail.copied {
		if createdAt.Before(horizon) {
			delete(s.tail.copied, id)
		}
	}
	return err
}

// copyPhoto adds img to the timelines of its owner and of the owner's
// followers that have one; readers caches those timelines by owner.
func (s *Server) copyPhoto(ctx context.Context, img *imagev1.Image, readers map[string][]string) error {
	owner := img.GetOwnerId()
	ids, ok := readers[owner]
	if !ok {
		followers, err := s.followerIDs(ctx, owner)
		if err != nil {
			return err
		}
		if ids, err = s.store.FilterReaders(ctx, append(followers, owner)); err != nil {
			return fmt.Errorf("find the timelines of %s's followers: %w", owner, err)
		}
		readers[owner] = ids
	}
	copies := make([]store.Entry, len(ids))
	for i, reader := range ids {
		copies[i] = store.Entry{ReaderID: reader, Position: position(img), OwnerID: owner}
	}
	if err := s.store.AddEntries(ctx, copies); err != nil {
		return fmt.Errorf("copy photo %s: %w", img.GetImageId(), err)
	}
	return nil
}

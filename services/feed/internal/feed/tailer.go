package feed

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

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
	// copies counts the timeline entries written (see Server.Collectors).
	copies prometheus.Counter
}

// Tail copies new photos into timelines until ctx is done, a pass every
// TailInterval. A pass reads the posting log (ListImagesAfter) from the
// tail cursor less TailOverlap, since the image service commits a photo
// after taking its create time and so may commit it after a newer one; it
// copies each photo not copied yet into the timelines of its owner and of
// the owner's followers that have a timeline (the others get it when they
// first ask), or of its owner alone when the owner is a celebrity (see
// copyPhoto), then moves the tail cursor to the newest photo read. Copies
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
	celebrities, err := s.store.ListCelebrities(ctx)
	if err != nil {
		return fmt.Errorf("list the celebrities: %w", err)
	}
	pass := &tailPass{celebrities: make(map[string]bool, len(celebrities))}
	for _, id := range celebrities {
		pass.celebrities[id] = true
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
		pass.readers = make(map[string][]string)
		for _, img := range photos {
			pos := position(img)
			if _, done := s.tail.copied[img.GetImageId()]; !done {
				if err := s.copyPhoto(ctx, img, pass); err != nil {
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

// tailPass is what one pass of the tailer has learnt.
type tailPass struct {
	// celebrities holds the accounts marked, by id.
	celebrities map[string]bool
	// readers holds, by owner, the timelines a photo of theirs is copied
	// into, for the current page of the posting log.
	readers map[string][]string
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
// followers that have one, or, when the owner is a celebrity, to the
// owner's alone: their followers' pages merge it in when read. An owner
// with s.celebrityFollowers followers or more is marked a celebrity first,
// before the tail cursor moves past the photo (see celebritiesAsOf).
func (s *Server) copyPhoto(ctx context.Context, img *imagev1.Image, pass *tailPass) error {
	owner := img.GetOwnerId()
	ids, ok := pass.readers[owner]
	if !ok {
		celebrity, err := s.isCelebrity(ctx, owner, pass)
		if err != nil {
			return err
		}
		timelines := []string{owner}
		if !celebrity {
			followers, err := s.followerIDs(ctx, owner)
			if err != nil {
				return err
			}
			timelines = append(followers, owner)
		}
		if ids, err = s.store.FilterReaders(ctx, timelines); err != nil {
			return fmt.Errorf("find the timelines of %s's followers: %w", owner, err)
		}
		pass.readers[owner] = ids
	}
	copies := make([]store.Entry, len(ids))
	for i, reader := range ids {
		copies[i] = store.Entry{ReaderID: reader, Position: position(img), OwnerID: owner}
	}
	if err := s.store.AddEntries(ctx, copies); err != nil {
		return fmt.Errorf("copy photo %s: %w", img.GetImageId(), err)
	}
	s.tail.copies.Add(float64(len(copies)))
	return nil
}

// isCelebrity reports whether owner is a celebrity, marking them one when
// they have s.celebrityFollowers followers or more. A mark stands until the
// account is deleted: an account that falls back below the threshold keeps
// being merged in when read, as its photos of the time it was above are in
// no timeline.
func (s *Server) isCelebrity(ctx context.Context, owner string, pass *tailPass) (bool, error) {
	if pass.celebrities[owner] {
		return true, nil
	}
	resp, err := s.users.CountFollowers(ctx, &userv1.CountFollowersRequest{UserId: owner})
	if err != nil {
		return false, upstreamError("count followers", err)
	}
	if resp.GetFollowerCount() < s.celebrityFollowers {
		return false, nil
	}
	if err := s.store.MarkCelebrity(ctx, owner, s.now().UTC()); err != nil {
		return false, fmt.Errorf("mark %s a celebrity: %w", owner, err)
	}
	pass.celebrities[owner] = true
	return true, nil
}

package feed

import (
	"context"
	"errors"
	"fmt"
	"time"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// readerState returns the state of reader's timeline, filling it when the
// reader asks for the first time, and copying into it the photos of the
// accounts they followed since it was last brought up to date.
func (s *Server) readerState(ctx context.Context, reader string) (store.Reader, error) {
	r, err := s.store.GetReader(ctx, reader)
	if errors.Is(err, store.ErrNotFound) {
		// A pending reader first, so that the tailer copies the photos
		// posted from now on while the older ones are being filled in.
		r, err = s.store.CreateReader(ctx, store.Reader{ID: reader, FollowsSyncedAt: store.Bottom.CreatedAt, Floor: store.Top})
	}
	if err != nil {
		return store.Reader{}, fmt.Errorf("read the state of the timeline: %w", err)
	}
	if pending(r) {
		return s.fillTimeline(ctx, r)
	}
	return s.syncFollows(ctx, r)
}

// pending reports whether r's timeline is being filled for the first time.
func pending(r store.Reader) bool { return r.Floor.Compare(store.Top) == 0 }

// fillTimeline copies into r's timeline the newest photos of the accounts r
// follows and of r, s.backfill of them, and sets its floor at the oldest
// one copied: what is older is read by fan-out on read. A request that
// finds the timeline still pending (being filled by another, or left so by
// a failure) fills it too: copying is idempotent.
func (s *Server) fillTimeline(ctx context.Context, r store.Reader) (store.Reader, error) {
	followed, readTime, err := s.followingIDs(ctx, r.ID, time.Time{})
	if err != nil {
		return store.Reader{}, err
	}
	photos, err := s.ownersImages(ctx, append(followed, r.ID), store.Top, s.backfill, "", store.Bottom)
	if err != nil {
		return store.Reader{}, err
	}
	floor := store.Bottom
	if len(photos) == s.backfill {
		floor = position(photos[len(photos)-1])
	}
	r, err = s.store.Backfill(ctx, r.ID, entries(r.ID, photos), func(r *store.Reader) { advance(r, readTime, floor) })
	if err != nil {
		return store.Reader{}, fmt.Errorf("fill the timeline: %w", err)
	}
	return r, nil
}

// syncFollows copies into r's timeline, down to its floor, the photos of
// the accounts r followed since it was last synced: a newly followed
// account, or a newly accepted request, shows at once. Normally there are
// none, and it costs one call that finds nothing.
func (s *Server) syncFollows(ctx context.Context, r store.Reader) (store.Reader, error) {
	followed, readTime, err := s.followingIDs(ctx, r.ID, r.FollowsSyncedAt)
	if err != nil || len(followed) == 0 {
		return r, err
	}
	photos, err := s.ownersImages(ctx, followed, store.Top, s.backfill, "", r.Floor)
	if err != nil {
		return store.Reader{}, err
	}
	floor := r.Floor
	if len(photos) == s.backfill {
		// The new accounts posted more than one backfill since the floor:
		// the timeline is complete down to the oldest photo copied only.
		floor = position(photos[len(photos)-1])
	}
	r, err = s.store.Backfill(ctx, r.ID, entries(r.ID, photos), func(r *store.Reader) { advance(r, readTime, floor) })
	if err != nil {
		return store.Reader{}, fmt.Errorf("copy newly followed accounts: %w", err)
	}
	return r, nil
}

// advance records in r a backfill of the follows as of syncedAt, complete
// down to floor. Backfills that ran at the same time all hold: the
// timeline is complete as of the latest of their times, and down to the
// highest of their floors.
func advance(r *store.Reader, syncedAt time.Time, floor store.Position) {
	if pending(*r) {
		r.FollowsSyncedAt, r.Floor = syncedAt, floor
		return
	}
	if syncedAt.After(r.FollowsSyncedAt) {
		r.FollowsSyncedAt = syncedAt
	}
	if floor.After(r.Floor) {
		r.Floor = floor
	}
}

// entries returns reader's timeline entries of photos.
func entries(reader string, photos []*imagev1.Image) []store.Entry {
	out := make([]store.Entry, len(photos))
	for i, img := range photos {
		out[i] = store.Entry{ReaderID: reader, Position: position(img), OwnerID: img.GetOwnerId()}
	}
	return out
}

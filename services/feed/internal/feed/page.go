package feed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/logging"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// page gathers one page of a reader's timeline, newest first.
type page struct {
	s      *Server
	reader string
	// want is how many photos to find.
	want int
	// images are the photos found so far, newest first.
	images []*imagev1.Image

	// followed holds the FilterFollowing answers so far: owner id → followed.
	followed map[string]bool
	// owners holds the profiles fetched so far, by id.
	owners map[string]*userv1.UserSummary
	// following is every account the reader follows, once fan-out on
	// read has needed it.
	following []string
	// haveFollowing says whether following was fetched.
	haveFollowing bool
	// muted are the accounts whose photos the page leaves out.
	muted *mutedOwners
}

func newPage(s *Server, reader string, want int, muted *mutedOwners) *page {
	return &page{
		s:        s,
		reader:   reader,
		want:     want,
		muted:    muted,
		followed: make(map[string]bool),
		owners:   make(map[string]*userv1.UserSummary),
	}
}

// candidate is a photo that may belong on the page, once checked.
type candidate struct {
	store.Entry
	// stored says whether it comes from the timeline store, where it is
	// deleted when it turns out stale.
	stored bool
}

// collect finds up to p.want photos strictly before `before`, tail being
// the tail cursor. Posting order is cut in three stretches, each read from
// where it is complete (but for the photos celebrities posted since they
// became one, which no timeline holds: see celebrityPhotos):
//
//   - after the tail cursor: photos the tailer has not copied yet, read
//     from the posting log (ListImagesAfter) and checked like the others;
//   - from the tail cursor down to the reader's floor: the timeline rows;
//   - below the floor: fan-out on read (ListOwnersImages over the follow
//     set).
//
// A page may span all three; as each photo has one position, it is read
// from exactly one of them. When the timeline is pending, or the tailer is
// far behind, the whole page is read by fan-out on read.
func (p *page) collect(ctx context.Context, r store.Reader, tail, before store.Position) error {
	if r.Floor.After(tail) {
		_, _, err := p.fanOut(ctx, before)
		return err
	}
	var (
		fresh []candidate
		err   error
	)
	if before.After(tail) {
		var complete bool
		if fresh, complete, err = p.untailed(ctx, tail, before); err != nil {
			return err
		}
		if !complete {
			_, _, err := p.fanOut(ctx, before)
			return err
		}
	}
	q := store.EntryQuery{ReaderID: p.reader, Before: tail, IncludeBefore: true, Floor: r.Floor}
	if !before.After(tail) {
		q.Before, q.IncludeBefore = before, false
	}
	if err := p.fromTimeline(ctx, r.Version, fresh, q); err != nil {
		return err
	}
	if len(p.images) >= p.want || r.Floor.Compare(store.Bottom) == 0 {
		return nil
	}
	if r.Floor.After(before) {
		// The page starts below the floor.
		_, _, err := p.fanOut(ctx, before)
		return err
	}
	read, bottom, err := p.fanOut(ctx, r.Floor)
	if err != nil {
		return err
	}
	p.lowerFloor(ctx, r, read, bottom)
	return nil
}

// lowerFloor copies into the timeline photos, the newest photos just
// below r's floor read by fan-out on read (those of muted accounts too),
// and moves the floor down to the oldest of them (to the bottom when the
// read reached it): the stretch they span is complete, for the accounts
// followed now. So a reader who scrolls past the floor pays for fan-out on
// read once per page. If the floor moved meanwhile, it is left where it
// is. Failing costs a later request the same fan-out, not this one its
// page.
func (p *page) lowerFloor(ctx context.Context, r store.Reader, photos []*imagev1.Image, bottom bool) {
	floor := store.Bottom
	if !bottom {
		if len(photos) == 0 {
			return
		}
		floor = position(photos[len(photos)-1])
	}
	_, err := p.s.store.Backfill(ctx, p.reader, entries(p.reader, photos), func(cur *store.Reader) {
		if cur.Floor.Compare(r.Floor) == 0 {
			cur.Floor = floor
		}
	})
	if err != nil {
		logging.FromContext(ctx).Warn("lower the floor of the timeline", zap.Error(err))
	}
}

// untailed returns the photos posted after the tail cursor and strictly
// before `before`, newest first: those the tailer has not copied yet.
// complete is false when they are more than one call returns.
func (p *page) untailed(ctx context.Context, tail, before store.Position) (fresh []candidate, complete bool, err error) {
	photos, err := p.s.postingLog(ctx, tail)
	if err != nil || len(photos) == postingLogPageSize {
		return nil, false, err
	}
	for _, img := range slices.Backward(photos) {
		if pos := position(img); before.After(pos) {
			fresh = append(fresh, candidate{Entry: store.Entry{ReaderID: p.reader, Position: pos, OwnerID: img.GetOwnerId()}})
		}
	}
	return fresh, true, nil
}

// fromTimeline checks fresh, then reads the stretch of the timeline q names
// and checks its entries, until the page is full or the stretch runs out.
// Entries whose photo is gone or whose owner is no longer followed are
// dropped, and deleted from the timeline if its version is still version.
func (p *page) fromTimeline(ctx context.Context, version int64, fresh []candidate, q store.EntryQuery) error {
	cands := fresh
	// A few more entries than needed, as some may be dropped; twice as
	// many each time more are needed.
	slack := 2 + p.want/4
	exhausted := false
	for {
		if need := p.want - len(p.images); !exhausted && len(cands) < need {
			q.Limit = min(need-len(cands)+slack, maxBatch-len(cands))
			slack *= 2
			stored, err := p.s.store.ListEntries(ctx, q)
			if err != nil {
				return fmt.Errorf("read the timeline: %w", err)
			}
			exhausted = len(stored) < q.Limit
			for _, e := range stored {
				cands = append(cands, candidate{Entry: e, stored: true})
			}
			if len(stored) > 0 {
				q.Before, q.IncludeBefore = stored[len(stored)-1].Position, false
			}
		}
		if len(cands) == 0 {
			return nil
		}
		if err := p.check(ctx, version, cands); err != nil {
			return err
		}
		cands = nil
		if len(p.images) >= p.want || exhausted {
			return nil
		}
	}
}

// check keeps the candidates whose owner the reader still follows (or is
// the reader), has not muted, and whose photo still exists, with its
// metadata, and deletes the stale ones from the timeline (not the muted
// ones: an unmute brings them back). It asks FilterFollowing,
// BatchGetImages and BatchGetUsers at once, while ListMutedIds runs.
func (p *page) check(ctx context.Context, version int64, cands []candidate) error {
	var ask, ids, owners []string
	for _, c := range cands {
		if _, known := p.followed[c.OwnerID]; !known && c.OwnerID != p.reader && !slices.Contains(ask, c.OwnerID) {
			ask = append(ask, c.OwnerID)
		}
		if _, known := p.owners[c.OwnerID]; !known && !slices.Contains(owners, c.OwnerID) {
			owners = append(owners, c.OwnerID)
		}
		ids = append(ids, c.ImageID)
	}
	var (
		wg       sync.WaitGroup
		followed []string
		images   []*imagev1.Image
		users    []*userv1.UserSummary
		errs     [3]error
	)
	if len(ask) > 0 {
		wg.Go(func() { followed, errs[0] = p.s.filterFollowing(ctx, p.reader, ask) })
	}
	wg.Go(func() { images, errs[1] = p.s.batchGetImages(ctx, ids, p.reader) })
	wg.Go(func() { users, errs[2] = p.s.batchGetUsers(ctx, owners) })
	wg.Wait()
	muted, mutedErr := p.muted.wait()
	if err := errors.Join(append(errs[:], mutedErr)...); err != nil {
		return err
	}
	for _, id := range ask {
		p.followed[id] = slices.Contains(followed, id)
	}
	p.addOwners(owners, users)
	byID := make(map[string]*imagev1.Image, len(images))
	for _, img := range images {
		byID[img.GetImageId()] = img
	}
	var stale []store.Position
	for _, c := range cands {
		img, exists := byID[c.ImageID]
		if muted[c.OwnerID] {
			continue
		}
		if (c.OwnerID == p.reader || p.followed[c.OwnerID]) && exists {
			p.images = append(p.images, img)
		} else if c.stored {
			stale = append(stale, c.Position)
		}
	}
	if len(stale) > 0 {
		// Failing to tidy up costs a later request the same check, not
		// this one its page.
		if _, err := p.s.store.DeleteEntries(ctx, p.reader, stale, version); err != nil {
			logging.FromContext(ctx).Warn("delete stale timeline entries", zap.Error(err))
		}
	}
	return nil
}

// fanOut appends the newest photos strictly before `before` of the
// accounts the reader follows and of the reader, read afresh, until the
// page is full, leaving out the muted accounts' photos. It returns every
// photo it read, muted ones included, newest first, and whether it read
// down to the bottom.
func (p *page) fanOut(ctx context.Context, before store.Position) (read []*imagev1.Image, bottom bool, err error) {
	if !p.haveFollowing {
		followed, _, err := p.s.followingIDs(ctx, p.reader, time.Time{})
		if err != nil {
			return nil, false, err
		}
		p.following, p.haveFollowing = followed, true
	}
	muted, err := p.muted.wait()
	if err != nil {
		return nil, false, err
	}
	owners := append(slices.DeleteFunc(slices.Clone(p.following), func(id string) bool { return id == p.reader }), p.reader)
	// Muted photos take no room on the page: read on past them.
	for len(p.images) < p.want {
		n := p.want - len(p.images)
		images, err := p.s.ownersImages(ctx, owners, before, n, p.reader, store.Bottom)
		if err != nil {
			return nil, false, err
		}
		read = append(read, images...)
		for _, img := range images {
			if !muted[img.GetOwnerId()] {
				p.images = append(p.images, img)
			}
		}
		if len(images) < n {
			return read, true, nil
		}
		before = position(images[len(images)-1])
	}
	return read, false, nil
}

// followsAnyone reports whether the reader follows anyone.
func (p *page) followsAnyone(ctx context.Context) (bool, error) {
	if p.haveFollowing {
		return len(p.following) > 0, nil
	}
	resp, err := p.s.users.ListFollowingIds(ctx, &userv1.ListFollowingIdsRequest{UserId: p.reader, PageSize: 1})
	if err != nil {
		return false, upstreamError("list following ids", err)
	}
	return len(resp.GetUserIds()) > 0, nil
}

// items joins photos with their owners' profiles, fetching those not known
// yet in one BatchGetUsers. A photo whose owner no longer exists is left
// out.
func (p *page) items(ctx context.Context, images []*imagev1.Image) ([]*feedv1.FeedItem, error) {
	var missing []string
	for _, img := range images {
		if _, known := p.owners[img.GetOwnerId()]; !known && !slices.Contains(missing, img.GetOwnerId()) {
			missing = append(missing, img.GetOwnerId())
		}
	}
	if len(missing) > 0 {
		users, err := p.s.batchGetUsers(ctx, missing)
		if err != nil {
			return nil, err
		}
		p.addOwners(missing, users)
	}
	items := make([]*feedv1.FeedItem, 0, len(images))
	for _, img := range images {
		owner := p.owners[img.GetOwnerId()]
		if owner == nil {
			continue
		}
		if img.GetOwnerUsername() == "" {
			img.OwnerUsername = owner.GetUsername()
		}
		items = append(items, &feedv1.FeedItem{
			Image:          img,
			OwnerUsername:  owner.GetUsername(),
			OwnerFullName:  owner.GetFullName(),
			OwnerAvatarUrl: owner.GetAvatarUrl(),
		})
	}
	return items, nil
}

// addOwners records the profiles found of the owners asked for; an owner
// with none is recorded as nil.
func (p *page) addOwners(asked []string, found []*userv1.UserSummary) {
	for _, id := range asked {
		p.owners[id] = nil
	}
	for _, u := range found {
		p.owners[u.GetUserId()] = u
	}
}

// Package feed builds a person's timeline: their own photos and those of
// the accounts they follow (FOLLOWING, not REQUESTED), newest first, page
// by page.
//
// # A materialised timeline, checked when read
//
// Fan-out on read (one merge over every followed account's photos, per
// page) makes a page cost in proportion to the accounts followed: p99 57
// ms at 1,000 and 183 ms at 5,000 (figures below). So each reader has a
// timeline of their own in the feed's store (package store): a row per
// photo (reader, created_ts, image_id, owner), keyed so that a stretch is
// one range scan, and the reader's state: the user service's read time of
// the follows it was last brought up to date with (FollowsSyncedAt), and
// its floor, the position down to which it is complete.
//
// Rows are written in three ways, all idempotent:
//
//   - Filling (readers.go): a reader's first request creates their state,
//     pending (floor at the top), then copies the newest Backfill photos of
//     the accounts they follow and of themselves (ListFollowingIds,
//     ListOwnersImages), and sets the floor at the oldest photo copied, or
//     at the bottom when that was all. A one-time cost that grows with the
//     accounts followed. The pending state comes first so that the tailer
//     already copies into the timeline the photos posted meanwhile.
//   - Tailing (tailer.go): every TailInterval, the tailer reads the image
//     service's posting log (ListImagesAfter) from its cursor less
//     TailOverlap, for photos committed after newer ones, and copies each
//     photo it has not copied yet into the timelines of its owner and of
//     the owner's followers that have one (ListFollowerIds).
//   - Syncing (readers.go): every request asks ListFollowingIds for the
//     follows dated after FollowsSyncedAt (normally none: one call that
//     finds nothing), and copies the newest photos of newly followed
//     accounts down to the floor, raising the floor when they posted more
//     than a Backfill since. A new follow or an accepted request shows at
//     once.
//
// A page (page.go) cuts posting order into three stretches and reads each
// where it is complete, so that every photo is read from exactly one:
//
//   - after the tail cursor, the photos the tailer has not copied yet,
//     from the posting log (first pages only: deeper ones lie below it);
//   - from the tail cursor down to the floor, the timeline rows;
//   - below the floor, fan-out on read over the follow set as it is now;
//     the photos read are then copied into the timeline and the floor
//     lowered to them, so that scrolling past the floor costs fan-out on
//     read once per page, not every time.
//
// Rows are candidates, not answers. Each page checks its candidates with
// FilterFollowing (an account unfollowed, or a follower removed, since the
// row was copied) and BatchGetImages (a photo deleted since), in parallel
// with BatchGetUsers; drops those that fail; deletes them from the
// timeline, on condition that the reader's version has not moved (so that
// a deletion decided before a concurrent backfill cannot undo it); and
// reads on if the page came out short. So, as with fan-out on read, an
// unfollow, a removed follower, a deleted photo, a new follow or a new
// upload shows on the very next request, and a private account's photos
// reach its approved followers only. Page tokens are positions, so a page
// that spans two stretches neither repeats nor skips a photo.
//
// A page leaves out the photos of the accounts its reader muted: it asks
// ListMutedIds once, in the background from its start (see mutedOwners),
// and its checks, fan-out on read and the celebrities' merge drop those
// owners' photos and read on, so that pages stay full. The rows stay in the
// timeline and fan-out on read still copies them, so an unmute brings them
// back on the next page.
//
// # Celebrities: fan-out on read for huge followings
//
// Copying a photo costs a write per follower with a timeline: a million
// for an account with a million followers, and the tailer's ListFollowerIds
// pages through all of them. So the tailer asks the user service for an
// owner's follower count (CountFollowers, once per owner and page of the
// posting log), and from CelebrityFollowers on (default 10,000) marks the
// owner a celebrity in the store (MarkCelebrity) and copies their photos
// into their own timeline alone: O(1) writes a post. The mark is written
// before the tail cursor moves past the photo, and stands until the
// account is deleted, so that the photos of the time above the threshold
// are never lost.
//
// A page reads the tail cursor, then the celebrities (kept in memory while
// the cursor has not moved: see celebrityCache), asks FilterFollowing
// which of them the reader follows, and reads their newest photos before
// the page token (ListOwnersImages, the reader as viewer), in parallel
// with the rest of the page; the two are merged by position, each photo
// once (those posted before the mark are in the timelines too), and cut to
// the page. As those reads are afresh, unfollowing a celebrity, being
// removed as a follower of a private one, or a deleted photo shows on the
// next page, and paging by (create_time, image_id) neither repeats nor
// skips across the merge.
//
// Why 10,000: below it, a post costs at most 10,000 entry writes (on
// SQLite ten transactions of 1,000, tens of milliseconds; on Oracle NoSQL
// 200 WriteMultiple requests, eight at a time), which a tailer pass every
// 250 ms absorbs. Above it, writes grow with the following and delay the
// copies of everyone else's posts, while a celebrity costs each of their
// followers' pages two calls (FilterFollowing over the few celebrities,
// ListOwnersImages over those followed) that do not grow with the
// following. With follows drawn from a long-tailed law, few accounts pass
// it, so the list of celebrities stays short.
//
// A warm page costs one range scan of the store, ListFollowingIds
// (followed_after), ListMutedIds, ListImagesAfter (first pages only),
// FilterFollowing, BatchGetImages and BatchGetUsers, and for a reader who follows
// celebrities FilterFollowing and ListOwnersImages over them: nothing that
// depends on how many accounts the reader follows or how many photos they
// posted.
//
// # Figures
//
// services/feed/bench.sh -full: the real binaries on embedded SQLite, on
// two cores shared by the four services and the load generator; 5,053,000
// photos of 11,000 accounts; page size 20; 200 requests per cell at
// concurrency 4; p50 / p99 / requests per second. The deep page is page 50
// (photos 981-1,000, far below the backfill of 500), timed after one walk
// to it; "fill" is the reader's first request and "walk" the mean of the
// requests of that walk, one-time costs:
//
//	followed  photos/acct  first page             page 50                fill    walk
//	   10          10      5.6 / 11.3 ms / 709    4.6 / 11.1 ms / 785     17 ms   2.7 ms
//	  100          10      6.9 / 13.2 ms / 564    6.1 / 10.7 ms / 648     50 ms   4.7 ms
//	1,000          10      6.3 / 11.7 ms / 597    5.1 / 11.9 ms / 715    124 ms   9.5 ms
//	5,000          10      8.0 / 14.9 ms / 474    8.5 / 15.7 ms / 461    323 ms  28.5 ms
//	   10       1,000      6.2 / 12.0 ms / 623    5.0 /  8.5 ms / 781     34 ms   4.3 ms
//	  100       1,000      6.9 / 12.7 ms / 569    5.6 / 11.2 ms / 684     50 ms   5.2 ms
//	1,000       1,000      7.1 / 13.0 ms / 540    4.4 /  9.2 ms / 859    112 ms  10.1 ms
//	5,000       1,000      7.3 / 13.2 ms / 523    6.3 / 12.8 ms / 602    345 ms  31.6 ms
//
// The first page's p99 stays within 1.32 times its best cell (11.3 ms)
// over the whole grid. Fan-out on read on the same bench (photos/acct 10):
//
//	followed  first page               page 50
//	   10     6.3 /  12.2 ms / 602     5.7 /  11.1 ms / 660
//	  100     7.7 /  14.6 ms / 493     6.7 /  12.3 ms / 559
//	1,000    30.7 /  57.4 ms / 124    32.9 /  64.2 ms / 117
//	5,000   124.1 / 183.1 ms /  31   140.9 / 232.1 ms /  27
//
// The fill (a reader's first request) at 5,000 followed accounts took
// 285-345 ms: five ListOwnersImages calls of 100 photos each naming all
// 5,000 owners, each of which the image service answers by reading every
// owner's newest photo first (pprof of the image binary: store.Merge and
// its Heads query, 87% of its CPU). ownersImages now cuts the owners into
// up to ten chunks, asks each for its share of the backfill in parallel,
// and pages on only those chunks whose photos may still make it: ten calls
// of 500 owners instead of five of 5,000, about half the image service's
// CPU per fill, and a fill p50 of about 90 ms on the same bench.
//
// # Assumptions and limits
//
//   - The image service commits a photo within TailOverlap of its
//     create_time (default 15 s, beyond its store's 10 s lock wait). One committed later than that, after newer
//     photos were tailed, is missing from the timelines above their floors
//     (fan-out on read below them still finds it). One committed late
//     within the overlap is missing from first pages until the next pass.
//   - The user service's read_time is such that no follow dated at or
//     before it is still to land (it lags its clock by 15 s): passed back
//     as followed_after, it never misses a follow, and the follows of the
//     last seconds are learnt, and copied, again, which changes nothing.
//   - An upload costs the tailer a copy per follower with a timeline, up
//     to CelebrityFollowers followers; beyond, one (see Celebrities).
//   - The timelines of readers who never come back are kept; a row TTL
//     would drop them, to be filled again on a return. The store holds
//     derived data only: losing it costs every reader one fill.
//
// Page tokens are the (create_time, image_id) of a page's last photo
// (see encodePageToken); that pair is a total order, so photos posted in
// the same second come in a stable order, and paging neither repeats nor
// skips a photo while new ones arrive.
package feed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// Paging limits.
const (
	// DefaultPageSize is the page size of a request that sets none.
	DefaultPageSize = 20
	// MaxPageSize is the largest page served; larger requests are cut to it.
	MaxPageSize = 100
)

// Defaults of Config.
const (
	// DefaultBackfill is how many photos fill a new timeline.
	DefaultBackfill = 500
	// DefaultTailInterval is how often the tailer reads the posting log.
	DefaultTailInterval = 250 * time.Millisecond
	// DefaultTailOverlap is how far behind its cursor the tailer re-reads:
	// longer than the image store may wait for its write lock (10s)
	// between taking a photo's create_time and committing its row.
	DefaultTailOverlap = 15 * time.Second
	// DefaultCelebrityFollowers is the follower count from which an
	// account is a celebrity, its photos merged in at read time (see the
	// package doc).
	DefaultCelebrityFollowers = 10000
)

// Config holds what a Server is built from.
type Config struct {
	// Users and Images are the user and image services' internal APIs;
	// both clients must carry the service credential.
	Users  userv1.UserInternalServiceClient
	Images imagev1.ImageInternalServiceClient
	// Store keeps the timelines.
	Store store.Store
	// Backfill is how many of the newest photos fill a timeline when its
	// reader first asks for it, and how many of a newly followed account's
	// (DefaultBackfill when 0).
	Backfill int
	// TailInterval is how often the tailer reads the posting log
	// (DefaultTailInterval when 0).
	TailInterval time.Duration
	// TailOverlap is how far behind its cursor the tailer re-reads the
	// log, for photos committed after newer ones (DefaultTailOverlap when
	// 0). It must exceed the time between a photo's create_time and its
	// commit in the image service.
	TailOverlap time.Duration
	// CelebrityFollowers is the follower count from which an account's
	// photos are merged into its followers' pages when read instead of
	// copied into their timelines (DefaultCelebrityFollowers when 0).
	CelebrityFollowers int
	// Now is the clock (time.Now when nil); a new store's tailer starts at
	// its time.
	Now func() time.Time
}

// Server implements feedv1.FeedServiceServer, and its Tail method keeps
// the timelines it reads up to date.
type Server struct {
	feedv1.UnimplementedFeedServiceServer

	users    userv1.UserInternalServiceClient
	images   imagev1.ImageInternalServiceClient
	store    store.Store
	backfill int
	now      func() time.Time

	// celebrityFollowers is Config.CelebrityFollowers.
	celebrityFollowers int64
	celebrities        celebrityCache

	tail tailer
}

// New returns a Server built from cfg. A store that has never been tailed
// gets its tail cursor set to now: the tailer copies the photos posted
// from then on, and each timeline is filled with the older ones when its
// reader first asks for it.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Backfill < 0 || cfg.TailInterval < 0 || cfg.TailOverlap < 0 || cfg.CelebrityFollowers < 0 {
		return nil, errors.New("feed: negative backfill, tail interval, tail overlap or celebrity followers")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		users:              cfg.Users,
		images:             cfg.Images,
		store:              cfg.Store,
		backfill:           cmp.Or(cfg.Backfill, DefaultBackfill),
		now:                now,
		celebrityFollowers: int64(cmp.Or(cfg.CelebrityFollowers, DefaultCelebrityFollowers)),
		tail: tailer{
			interval: cmp.Or(cfg.TailInterval, DefaultTailInterval),
			overlap:  cmp.Or(cfg.TailOverlap, DefaultTailOverlap),
			copied:   make(map[string]time.Time),
			copies: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "fotogal_feed_tailer_entries_written_total",
				Help: "Timeline entries the posting-log tailer wrote: one per photo and timeline it copied the photo into.",
			}),
		},
	}
	if _, err := s.store.InitTailCursor(ctx, store.Position{CreatedAt: now().UTC()}); err != nil {
		return nil, fmt.Errorf("set the tail cursor: %w", err)
	}
	return s, nil
}

// Collectors returns the feed's metrics, for the binary's registry.
func (s *Server) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.tail.copies}
}

// GetFeed returns one page of the caller's timeline.
func (s *Server) GetFeed(ctx context.Context, req *feedv1.GetFeedRequest) (*feedv1.GetFeedResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := s.timeline(ctx, caller.UserID, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

// timeline builds the page of req for reader.
func (s *Server) timeline(ctx context.Context, reader string, req *feedv1.GetFeedRequest) (*feedv1.GetFeedResponse, error) {
	pageSize, err := normalizePageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	before, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	tail, err := s.store.TailCursor(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the tail cursor: %w", err)
	}
	// One more than the page tells whether a next page exists.
	want := pageSize + 1
	muted := s.mutedOwners(ctx, reader)
	// The photos of the celebrities the reader follows are read meanwhile.
	starred := make(chan celebrityPhotos, 1)
	go func() { starred <- s.celebrityPhotos(ctx, reader, tail, before, want, muted) }()
	state, err := s.readerState(ctx, reader)
	if err != nil {
		return nil, err
	}
	p := newPage(s, reader, want, muted)
	if err := p.collect(ctx, state, tail, before); err != nil {
		return nil, err
	}
	c := <-starred
	if c.err != nil {
		return nil, c.err
	}
	p.addOwners(c.followed, c.owners)
	images := mergeNewest(p.images, c.images, want)
	resp := &feedv1.GetFeedResponse{}
	if len(images) > pageSize {
		images = images[:pageSize]
		resp.NextPageToken = encodePageToken(images[len(images)-1])
	}
	if len(images) == 0 && req.GetPageToken() == "" {
		follows, err := p.followsAnyone(ctx)
		if err != nil {
			return nil, err
		}
		resp.EmptyReason = feedv1.EmptyReason_EMPTY_REASON_NO_POSTS
		if !follows {
			resp.EmptyReason = feedv1.EmptyReason_EMPTY_REASON_FOLLOWS_NOBODY
		}
		return resp, nil
	}
	if resp.Items, err = p.items(ctx, images); err != nil {
		return nil, err
	}
	return resp, nil
}

// normalizePageSize applies the default and the maximum to a requested
// page size.
func normalizePageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, errInvalidPageSize
	case n == 0:
		return DefaultPageSize, nil
	default:
		return min(int(n), MaxPageSize), nil
	}
}

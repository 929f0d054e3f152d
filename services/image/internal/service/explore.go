package service

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fotogal/fotogal/pkg/authn"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// Explore shows recent public photos of accounts the caller does not
// follow, best ranked first.
//
// # Candidates
//
// The candidates are the newest exploreCandidates photos (not avatars)
// posted in the last exploreWindow, read from the posting log
// (store.ListImagesAfter). A replica keeps them between rankings and on
// each one reads only the log after the newest it holds (from
// postingLogLag before it, since a photo may be committed after a newer
// one), dropping those that aged out; the first ranking reads the whole
// window.
//
// # Score
//
// A photo's score is its net reactions decayed by its age:
//
//	score = (likes − ½·dislikes) · exp(−age/τ),  τ = 2 days
//
// with ties (photos of the same score, such as all those without
// reactions) broken by recency, then by image id. Every reaction to a
// candidate was made since it was posted, so within the last 7 days; the
// store keeps a photo's counts, not when each reaction came, and a
// reaction is taken to be as old as its photo (an upper bound on its age).
// Reading every reaction's time would be a range read per photo, 2,000
// per ranking on Oracle NoSQL, against one batched read of the counts; and
// most reactions come in a photo's first hours, where the two agree. τ of
// two days halves a photo's weight about every 33 hours: a day-old photo
// needs 1.6 times the likes of a new one to rank beside it, a week-old one
// 33 times, so the grid turns over within days but a strong photo of
// yesterday still beats a weak one of this morning. A dislike counts half
// a like: it says less about what others would like to see, and a few
// people disliking a popular photo should not bury it.
//
// Because exp(−age/τ) = exp(−now/τ)·exp(posted/τ), and the first factor is
// the same for every photo, the order does not depend on when it is
// computed: the rank key is sign(net), then sign(net)·(ln|net| +
// posted/τ). A photo's key moves only when its reactions change, which is
// what lets a walk continue from one ranking into the next.
//
// # Snapshots and paging
//
// Ranking reads every candidate's counts, so a replica does it at most
// once per Config.ExploreRefresh (a minute by default) and keeps the
// result, a snapshot with a random id, for exploreKeep. The filters that
// depend on the caller run per request on the snapshot, walking it from
// where the page starts: not the caller, not across a block (one
// ListBlockedIds), owners whose accounts are public (BatchGetUsers, asked
// afresh, so that an account turned private leaves the grid at once), and
// not followed (FilterFollowing). A page walks at most
// maxExploreReads chunks of the snapshot, so a caller who follows most of
// the ranked accounts gets a short page with a token rather than a long
// wait.
//
// A page token names the snapshot, the position after the last entry the
// page examined, and that entry's rank key. While the snapshot is kept, the
// next page continues at that position, and a walk never repeats or skips
// a photo. When it is gone (the walk outlasted exploreKeep, or the next
// page is served by another replica), the walk continues in the newest
// snapshot after the key: a photo whose reactions changed in between may
// then cross the key and be shown twice or not at all, and a photo posted
// in between with a key below it shows up. Photos deleted after a ranking
// are left out of the pages that follow.

const (
	// exploreWindow is how recent a candidate is.
	exploreWindow = 7 * 24 * time.Hour
	// exploreCandidates bounds the candidates of a ranking.
	exploreCandidates = 2000
	// exploreTau is the decay time of a photo's reactions.
	exploreTau = 2 * 24 * time.Hour
	// dislikeWeight is what a dislike takes off, in likes.
	dislikeWeight = 0.5
	// DefaultExploreRefresh is how often a replica ranks the candidates
	// when Config.ExploreRefresh is 0.
	DefaultExploreRefresh = time.Minute
	// exploreKeep is how long a snapshot stays for the walks that began in
	// it.
	exploreKeep = 10 * time.Minute
	// postingLogLag is how far before the newest candidate a ranking
	// re-reads the posting log, for photos committed late.
	postingLogLag = 10 * time.Second
	// postingLogPage is how many keys one posting log read asks for.
	postingLogPage = 1000
	// reactionBatch is how many photos one read of the counts asks for.
	reactionBatch = 500
	// defaultExploreSize is the size of a page that asks for none.
	defaultExploreSize = 30
	// maxExploreReads bounds the chunks of a snapshot one page walks.
	maxExploreReads = 5
)

// Explore returns a page of the explore grid.
func (s *Server) Explore(ctx context.Context, req *imagev1.ExploreRequest) (*imagev1.ExploreResponse, error) {
	resp, err := s.exploreGrid(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Server) exploreGrid(ctx context.Context, req *imagev1.ExploreRequest) (*imagev1.ExploreResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	size := defaultExploreSize
	if req.GetPageSize() != 0 {
		if size, err = pageSize(req.GetPageSize()); err != nil {
			return nil, err
		}
	}
	token, err := decodeExploreToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	snap, start, err := s.explore.resume(ctx, token)
	if err != nil {
		return nil, err
	}
	blocked, err := s.users.BlockedIDs(ctx, caller.UserID)
	if err != nil {
		return nil, err
	}
	w := &exploreWalk{s: s, viewerID: caller.UserID, shown: map[string]bool{caller.UserID: false}}
	for _, id := range blocked {
		w.shown[id] = false
	}
	next, err := w.walk(ctx, snap.entries, start, size)
	if err != nil {
		return nil, err
	}
	images, err := s.exploredImages(ctx, w.picked)
	if err != nil {
		return nil, err
	}
	resp := &imagev1.ExploreResponse{}
	if next < len(snap.entries) {
		resp.NextPageToken = exploreToken{snapshot: snap.id, position: next, after: snap.entries[next-1].rankKey}.encode()
	}
	if resp.Images, err = s.decorate(ctx, caller.UserID, images); err != nil {
		return nil, err
	}
	return resp, nil
}

// exploredImages reads the photos of entries, in their order, leaving out
// those deleted since the ranking.
func (s *Server) exploredImages(ctx context.Context, entries []exploreEntry) ([]store.Image, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.imageID
	}
	found, err := s.store.BatchGetImages(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read explored images: %w", err)
	}
	byID := make(map[string]store.Image, len(found))
	for _, img := range found {
		byID[img.ID] = img
	}
	images := make([]store.Image, 0, len(entries))
	for _, id := range ids {
		if img, ok := byID[id]; ok {
			images = append(images, img)
		}
	}
	return images, nil
}

// exploreWalk is one Explore call's walk through a snapshot.
type exploreWalk struct {
	s        *Server
	viewerID string
	// shown holds, for the owners met so far, whether the caller is shown
	// their photos.
	shown map[string]bool
	// picked are the entries of the page.
	picked []exploreEntry
}

// walk picks up to size entries from entries[start:], in at most
// maxExploreReads chunks, and returns the position after the last one it
// examined.
func (w *exploreWalk) walk(ctx context.Context, entries []exploreEntry, start, size int) (int, error) {
	i := start
	for range maxExploreReads {
		if i >= len(entries) || len(w.picked) == size {
			break
		}
		chunk := entries[i:min(i+2*size, len(entries))]
		if err := w.checkOwners(ctx, chunk); err != nil {
			return 0, err
		}
		for _, e := range chunk {
			if len(w.picked) == size {
				break
			}
			i++
			if w.shown[e.ownerID] {
				w.picked = append(w.picked, e)
			}
		}
	}
	return i, nil
}

// checkOwners decides for the owners of chunk not met before whether the
// caller is shown their photos: public accounts they do not follow.
func (w *exploreWalk) checkOwners(ctx context.Context, chunk []exploreEntry) error {
	var owners []string
	for _, e := range chunk {
		if _, met := w.shown[e.ownerID]; !met && !slices.Contains(owners, e.ownerID) {
			owners = append(owners, e.ownerID)
		}
	}
	if len(owners) == 0 {
		return nil
	}
	people, err := w.s.users.People(ctx, owners)
	if err != nil {
		return err
	}
	following, err := w.s.users.Following(ctx, w.viewerID, owners)
	if err != nil {
		return err
	}
	for _, id := range owners {
		p, ok := people[id]
		w.shown[id] = ok && !p.Private && !slices.Contains(following, id)
	}
	return nil
}

// rankKey orders the entries of a snapshot, best first: by tier (1 for a
// positive net score, 0 for none, −1 for a negative one), then by value
// (sign(net)·(ln|net| + posted/τ), or posted/τ in tier 0), both
// descending.
type rankKey struct {
	tier    int
	value   float64
	imageID string
}

// before reports whether a ranks before b; image ids break ties.
func (a rankKey) before(b rankKey) bool {
	switch {
	case a.tier != b.tier:
		return a.tier > b.tier
	case a.value != b.value:
		return a.value > b.value
	}
	return a.imageID < b.imageID
}

// rankOf returns the rank key of a photo posted at posted with its
// reactions.
func rankOf(imageID string, posted time.Time, r store.Reactions) rankKey {
	net := float64(r.Likes) - dislikeWeight*float64(r.Dislikes)
	age := float64(posted.UnixNano()) / float64(exploreTau)
	switch {
	case net > 0:
		return rankKey{tier: 1, value: math.Log(net) + age, imageID: imageID}
	case net < 0:
		return rankKey{tier: -1, value: -(math.Log(-net) + age), imageID: imageID}
	}
	return rankKey{tier: 0, value: age, imageID: imageID}
}

// exploreEntry is a ranked photo.
type exploreEntry struct {
	rankKey
	ownerID string
}

// exploreSnapshot is one ranking of the candidates.
type exploreSnapshot struct {
	id      string
	built   time.Time
	entries []exploreEntry
}

// explorer ranks the candidates and keeps the recent snapshots.
type explorer struct {
	store   store.Store
	refresh time.Duration

	// building is held by the ranking under way; candidates are its own.
	building   sync.Mutex
	candidates []store.Key

	mu sync.Mutex
	// snapshots are the kept snapshots, oldest first.
	snapshots []*exploreSnapshot
}

func newExplorer(st store.Store, refresh time.Duration) *explorer {
	if refresh <= 0 {
		refresh = DefaultExploreRefresh
	}
	return &explorer{store: st, refresh: refresh}
}

// resume returns the snapshot and position a page starts at: those the
// token names while the snapshot is kept, otherwise the newest snapshot,
// after the token's key.
func (x *explorer) resume(ctx context.Context, token exploreToken) (*exploreSnapshot, int, error) {
	if token.snapshot != "" {
		x.mu.Lock()
		i := slices.IndexFunc(x.snapshots, func(s *exploreSnapshot) bool { return s.id == token.snapshot })
		var snap *exploreSnapshot
		if i >= 0 {
			snap = x.snapshots[i]
		}
		x.mu.Unlock()
		if snap != nil && token.position <= len(snap.entries) {
			return snap, token.position, nil
		}
	}
	snap, err := x.current(ctx)
	if err != nil {
		return nil, 0, err
	}
	if token.snapshot == "" {
		return snap, 0, nil
	}
	start := sort.Search(len(snap.entries), func(i int) bool { return token.after.before(snap.entries[i].rankKey) })
	return snap, start, nil
}

// current returns the newest snapshot, ranking anew when it is older than
// the refresh interval. While one ranking is under way, others are served
// the snapshot it replaces.
func (x *explorer) current(ctx context.Context) (*exploreSnapshot, error) {
	newest := x.newest()
	if newest != nil && time.Since(newest.built) < x.refresh {
		return newest, nil
	}
	if newest != nil {
		if !x.building.TryLock() {
			return newest, nil
		}
	} else {
		x.building.Lock()
	}
	defer x.building.Unlock()
	if n := x.newest(); n != newest {
		return n, nil
	}
	snap, err := x.rank(ctx)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.snapshots = slices.DeleteFunc(x.snapshots, func(s *exploreSnapshot) bool { return time.Since(s.built) > exploreKeep })
	x.snapshots = append(x.snapshots, snap)
	return snap, nil
}

// newest returns the newest snapshot, nil before the first.
func (x *explorer) newest() *exploreSnapshot {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.snapshots) == 0 {
		return nil
	}
	return x.snapshots[len(x.snapshots)-1]
}

// rank brings the candidates up to date and ranks them by their
// reactions. The caller holds x.building.
func (x *explorer) rank(ctx context.Context) (*exploreSnapshot, error) {
	built := now()
	if err := x.readCandidates(ctx, built); err != nil {
		return nil, err
	}
	entries := make([]exploreEntry, 0, len(x.candidates))
	for batch := range slices.Chunk(x.candidates, reactionBatch) {
		ids := make([]string, len(batch))
		for i, k := range batch {
			ids[i] = k.ID
		}
		reactions, err := x.store.Reactions(ctx, ids, "")
		if err != nil {
			return nil, fmt.Errorf("read reactions of explore candidates: %w", err)
		}
		for _, k := range batch {
			entries = append(entries, exploreEntry{rankKey: rankOf(k.ID, k.CreateTime, reactions[k.ID]), ownerID: k.OwnerID})
		}
	}
	slices.SortFunc(entries, func(a, b exploreEntry) int {
		switch {
		case a.before(b.rankKey):
			return -1
		case b.before(a.rankKey):
			return 1
		}
		return 0
	})
	return &exploreSnapshot{id: newID(), built: built, entries: entries}, nil
}

// readCandidates reads the posting log after the newest candidate (from
// postingLogLag before it) or, the first time, from the start of the
// window, then drops the candidates older than the window and all but the
// newest exploreCandidates.
func (x *explorer) readCandidates(ctx context.Context, at time.Time) error {
	start := at.Add(-exploreWindow)
	from := start
	if n := len(x.candidates); n > 0 && x.candidates[n-1].CreateTime.Add(-postingLogLag).After(start) {
		from = x.candidates[n-1].CreateTime.Add(-postingLogLag)
	}
	held := make(map[string]bool, len(x.candidates))
	for _, k := range x.candidates {
		held[k.ID] = true
	}
	cursor := store.Cursor{CreateTime: from}
	for {
		keys, err := x.store.ListImagesAfter(ctx, cursor, postingLogPage)
		if err != nil {
			return fmt.Errorf("read the posting log for explore: %w", err)
		}
		for _, k := range keys {
			if !held[k.ID] {
				held[k.ID] = true
				x.candidates = append(x.candidates, k)
			}
		}
		if len(keys) < postingLogPage {
			break
		}
		cursor = keys[len(keys)-1].Cursor()
	}
	slices.SortFunc(x.candidates, func(a, b store.Key) int {
		if c := a.CreateTime.Compare(b.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	cut, _ := slices.BinarySearchFunc(x.candidates, start, func(k store.Key, t time.Time) int { return k.CreateTime.Compare(t) })
	cut = max(cut, len(x.candidates)-exploreCandidates)
	x.candidates = slices.Clip(x.candidates[cut:])
	return nil
}

// exploreToken is a position in the explore grid.
type exploreToken struct {
	// snapshot is the id of the snapshot the walk is in, empty for the
	// first page.
	snapshot string
	// position is where the next page starts in it.
	position int
	// after is the rank key of the entry before position.
	after rankKey
}

// encode returns the opaque form of t:
// base64url("<snapshot>.<position>.<tier>.<value bits, hex>.<image_id>").
func (t exploreToken) encode() string {
	raw := strings.Join([]string{
		t.snapshot,
		strconv.Itoa(t.position),
		strconv.Itoa(t.after.tier),
		strconv.FormatUint(math.Float64bits(t.after.value), 16),
		t.after.imageID,
	}, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeExploreToken returns the position of token; the zero exploreToken
// for "".
func decodeExploreToken(token string) (exploreToken, error) {
	if token == "" {
		return exploreToken{}, nil
	}
	invalid := &fieldError{"page_token", "invalid"}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return exploreToken{}, invalid
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 5 || parts[0] == "" || parts[4] == "" {
		return exploreToken{}, invalid
	}
	position, err1 := strconv.Atoi(parts[1])
	tier, err2 := strconv.Atoi(parts[2])
	bits, err3 := strconv.ParseUint(parts[3], 16, 64)
	value := math.Float64frombits(bits)
	if err1 != nil || err2 != nil || err3 != nil || position <= 0 || tier < -1 || tier > 1 || math.IsNaN(value) {
		return exploreToken{}, invalid
	}
	return exploreToken{snapshot: parts[0], position: position, after: rankKey{tier: tier, value: value, imageID: parts[4]}}, nil
}

package service

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/followup"
	"github.com/fotogal/fotogal/pkg/logging"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// The hashtag index holds a row per tag and photo (store.TagRow), written
// by the service after the photo's own row: on upload, the rows of its
// caption's tags; on a caption edit, the rows of the new caption's tags
// (all of them, so that an edit also restores a row an earlier failure
// left out) and deletes of the rows of tags it no longer carries; on
// delete, after the photo's row is gone, the rows of its caption's tags.
//
// Photo and index are not written at once (they are in different shards
// on Oracle NoSQL), so a crash or a failed write in between can leave a
// row whose photo is gone, or a row for a tag the caption no longer
// carries, or miss a row. Index writes that fail are logged and the call
// stands: the photo was posted, edited or deleted, and saying otherwise
// would invite a retry of what was done. What a reader sees stays right
// anyway: ListTagImages asks whether the caller may see each row's owner
// (a row names its photo's owner, who never changes), reads the photos of
// those they may, and shows one only if it exists and its caption carries
// the tag; a row whose photo is gone is deleted there and then (image ids
// are never reused, so that row can never become right again). A row whose photo
// merely dropped the tag is skipped and left, since the tag could be put
// back meanwhile, and goes with the photo. A missed row hides the photo
// from its tag until its caption is next edited.

// maxTagReads bounds the index reads of one ListTagImages call: a tag
// whose newest rows the caller may not see gives a short page (with a
// token) rather than an unbounded scan.
const maxTagReads = 5

// parallelCanView is how many CanView calls one page keeps in flight.
const parallelCanView = 8

// tagRows returns the index rows of img's tags.
func tagRows(img store.Image, tags []string) []store.TagRow {
	rows := make([]store.TagRow, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, tag := range tags {
		key := store.TagKey(tag)
		if !seen[key] {
			seen[key] = true
			rows = append(rows, store.TagRow{Tag: key, CreateTime: img.CreateTime, ImageID: img.ID, OwnerID: img.OwnerID})
		}
	}
	return rows
}

// indexTags brings the index in line with img's caption after it changed
// from before ("" for a new photo): it puts the rows of every tag the
// caption carries and deletes those of the tags only before carried.
// Failures are logged, not returned (see above).
func (s *Server) indexTags(ctx context.Context, img store.Image, before string) {
	// The change is done: the caller going away does not undo it, and a
	// struggling table does not make its answer late.
	ctx, cancel := followup.Context(ctx)
	defer cancel()
	rows := tagRows(img, parseTags(img.Caption))
	removed := slices.DeleteFunc(tagRows(img, parseTags(before)), func(old store.TagRow) bool {
		return slices.Contains(rows, old)
	})
	if len(rows) > 0 {
		if err := s.store.PutTags(ctx, rows); err != nil {
			logging.FromContext(ctx).Error("put tags; the photo is missing from them until its caption is edited",
				zap.String("image_id", img.ID), zap.Error(err))
		}
	}
	s.unindex(ctx, removed)
}

// unindexTags deletes the index rows of a deleted photo's tags.
func (s *Server) unindexTags(ctx context.Context, img store.Image) {
	ctx, cancel := followup.Context(ctx)
	defer cancel()
	s.unindex(ctx, tagRows(img, parseTags(img.Caption)))
}

// unindex deletes rows from the index, logging a failure: a row left
// behind is shown to nobody, and deleted by ListTagImages once its photo
// is gone.
func (s *Server) unindex(ctx context.Context, rows []store.TagRow) {
	if len(rows) == 0 {
		return
	}
	if err := s.store.DeleteTags(ctx, rows); err != nil {
		logging.FromContext(ctx).Warn("delete tags; readers will skip them",
			zap.String("image_id", rows[0].ImageID), zap.Int("rows", len(rows)), zap.Error(err))
	}
}

// ListTagImages lists the photos whose caption carries a tag, newest
// first, those the caller may see.
func (s *Server) ListTagImages(ctx context.Context, req *imagev1.ListTagImagesRequest) (*imagev1.ListTagImagesResponse, error) {
	resp, err := s.listTagImages(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Server) listTagImages(ctx context.Context, req *imagev1.ListTagImagesRequest) (*imagev1.ListTagImagesResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	tag, err := routeTag(req.GetTag())
	if err != nil {
		return nil, err
	}
	size, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	cursor, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	p := &tagPage{s: s, viewerID: caller.UserID, tag: tag, key: store.TagKey(tag), size: size, cursor: cursor,
		canView: map[string]bool{caller.UserID: true}}
	more, err := p.read(ctx)
	if err != nil {
		return nil, err
	}
	// The rows of photos that are gone: the page is right without them,
	// and the next reader is spared them.
	cleanCtx, cancel := followup.Context(ctx)
	defer cancel()
	s.unindex(cleanCtx, p.dangling)
	resp := &imagev1.ListTagImagesResponse{}
	if more {
		resp.NextPageToken = encodePageToken(p.cursor)
	}
	if resp.Images, err = s.decorate(ctx, caller.UserID, p.images); err != nil {
		return nil, err
	}
	return resp, nil
}

// tagPage is one ListTagImages call's reading of the index.
type tagPage struct {
	s        *Server
	viewerID string
	// tag is the folded tag asked for, key its key in the index.
	tag, key string
	size     int
	// cursor is the position of the last row examined.
	cursor store.Cursor
	// canView holds the answers of CanView for the owners met so far.
	canView map[string]bool
	// images are the photos of the page, dangling the rows met whose
	// photo is gone (of owners the caller may see: the others' photos
	// are not read).
	images   []store.Image
	dangling []store.TagRow
}

// read fills the page from the rows after the cursor, in at most
// maxTagReads reads, and reports whether rows may remain after it.
func (p *tagPage) read(ctx context.Context) (more bool, err error) {
	for range maxTagReads {
		// One row more than the page needs tells whether it ends there.
		limit := p.size - len(p.images) + 1
		rows, err := p.s.store.ListTagged(ctx, p.key, p.cursor, limit)
		if err != nil {
			return false, fmt.Errorf("list tagged images: %w", err)
		}
		photos, err := p.photos(ctx, rows)
		if err != nil {
			return false, err
		}
		for _, row := range rows {
			if len(p.images) == p.size {
				return true, nil
			}
			p.cursor = row.Cursor()
			if !p.canView[row.OwnerID] {
				continue
			}
			photo, ok := photos[row.ImageID]
			switch {
			case !ok:
				p.dangling = append(p.dangling, row)
			case photo.carriesTag && p.canView[photo.OwnerID]:
				p.images = append(p.images, photo.Image)
			}
		}
		if len(rows) < limit {
			return false, nil
		}
	}
	return true, nil
}

// taggedPhoto is the photo of an index row.
type taggedPhoto struct {
	store.Image
	// carriesTag reports whether its caption carries the tag asked for:
	// not when the caption dropped it, nor when the row is of a longer
	// tag with the same key.
	carriesTag bool
}

// photos asks CanView for the owners of rows not met before (a few at
// once, the answers kept in p.canView), then reads the photos of the rows
// whose owners the caller may see, in one batch, and returns those that
// exist by id.
func (p *tagPage) photos(ctx context.Context, rows []store.TagRow) (map[string]taggedPhoto, error) {
	var owners []string
	for _, r := range rows {
		if _, met := p.canView[r.OwnerID]; !met && !slices.Contains(owners, r.OwnerID) {
			owners = append(owners, r.OwnerID)
		}
	}
	if err := p.checkOwners(ctx, owners); err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rows {
		if p.canView[r.OwnerID] {
			ids = append(ids, r.ImageID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := p.s.store.BatchGetImages(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read tagged images: %w", err)
	}
	photos := make(map[string]taggedPhoto, len(found))
	for _, img := range found {
		photos[img.ID] = taggedPhoto{Image: img, carriesTag: slices.Contains(parseTags(img.Caption), p.tag)}
	}
	return photos, nil
}

// checkOwners asks CanView for each of owners and records the answers.
func (p *tagPage) checkOwners(ctx context.Context, owners []string) error {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelCanView)
	for _, owner := range owners {
		g.Go(func() error {
			allowed, err := p.s.users.CanView(gctx, p.viewerID, owner)
			if err != nil {
				return err
			}
			mu.Lock()
			p.canView[owner] = allowed
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

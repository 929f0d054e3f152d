package nosql

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/activity/nosqlactivity"
	"github.com/fotogal/fotogal/pkg/counters/nosqlcounters"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

var (
	_ store.Store        = (*Store)(nil)
	_ store.OwnerScanner = (*Store)(nil)
)

// The tables: the images under their original name, the reactions with
// their counts, and the comments with their state.
const (
	imagesTable    = "fotogal_ntable_images"
	reactionsTable = "fotogal_ntable_reactions"
	commentsTable  = "fotogal_ntable_comments"
)

// schema is the DDL Open sends, in order; the package doc shows it.
var schema = append([]string{
	"CREATE TABLE IF NOT EXISTS " + imagesTable + " (image_id STRING, user_id STRING NOT NULL, " +
		"is_profile BOOLEAN NOT NULL, main_comment STRING NOT NULL, image_original_filename STRING NOT NULL, " +
		"image_filename STRING NOT NULL, image_type STRING NOT NULL, size_bytes LONG NOT NULL, " +
		"width INTEGER NOT NULL, height INTEGER NOT NULL, sha256 STRING NOT NULL, " +
		"display_filename STRING NOT NULL, display_type STRING NOT NULL, display_size_bytes LONG NOT NULL, " +
		"display_width INTEGER NOT NULL, display_height INTEGER NOT NULL, display_sha256 STRING NOT NULL, " +
		"thumb_filename STRING NOT NULL, thumb_type STRING NOT NULL, thumb_size_bytes LONG NOT NULL, " +
		"thumb_width INTEGER NOT NULL, thumb_height INTEGER NOT NULL, thumb_sha256 STRING NOT NULL, " +
		"created_ts LONG NOT NULL, updated_ts LONG NOT NULL, PRIMARY KEY (image_id))",
	"CREATE INDEX IF NOT EXISTS user_id_idx ON " + imagesTable + " (user_id, is_profile, created_ts, image_id)",
	"CREATE INDEX IF NOT EXISTS created_ts_idx ON " + imagesTable + " (created_ts, image_id)",
	"CREATE TABLE IF NOT EXISTS " + reactionsTable + " (image_id STRING, user_id STRING, kind INTEGER, " +
		"created_ts LONG, likes LONG, dislikes LONG, PRIMARY KEY (SHARD(image_id), user_id))",
	"CREATE INDEX IF NOT EXISTS user_ts_idx ON " + reactionsTable + " (user_id, created_ts, image_id)",
	"CREATE TABLE IF NOT EXISTS " + commentsTable + " (image_id STRING, comment_id STRING, author_id STRING, " +
		"comment_text STRING, created_ts LONG, comment_count LONG, comments_disabled BOOLEAN, " +
		"PRIMARY KEY (SHARD(image_id), comment_id))",
	"CREATE INDEX IF NOT EXISTS author_ts_idx ON " + commentsTable + " (author_id, created_ts, comment_id)",
	"CREATE TABLE IF NOT EXISTS " + tagsTable + " (tag STRING, created_ts LONG, image_id STRING, " +
		"owner_id STRING NOT NULL, PRIMARY KEY (SHARD(tag), created_ts, image_id))",
	nosqlcounters.Schema(countersTable),
}, nosqlactivity.Schema(activityTable)...)

// The queries on one owner's images, all in the order of user_id_idx,
// newest first. $created_ts and $image_id are the cursor: the rows strictly
// before it.
const (
	// listQuery reads an owner's photos.
	listQuery = "DECLARE $user_id STRING; $created_ts LONG; $image_id STRING; $limit INTEGER; " +
		"SELECT * FROM " + imagesTable + " WHERE user_id = $user_id AND is_profile = false" +
		" AND (created_ts < $created_ts OR (created_ts = $created_ts AND image_id < $image_id))" +
		" ORDER BY user_id DESC, is_profile DESC, created_ts DESC, image_id DESC LIMIT $limit"
	// nextQuery is listQuery reading the keys only, for Merge.
	nextQuery = "DECLARE $user_id STRING; $created_ts LONG; $image_id STRING; $limit INTEGER; " +
		"SELECT user_id, created_ts, image_id FROM " + imagesTable + " WHERE user_id = $user_id AND is_profile = false" +
		" AND (created_ts < $created_ts OR (created_ts = $created_ts AND image_id < $image_id))" +
		" ORDER BY user_id DESC, is_profile DESC, created_ts DESC, image_id DESC LIMIT $limit"
	// avatarsQuery is listQuery for the owner's avatars.
	avatarsQuery = "DECLARE $user_id STRING; $created_ts LONG; $image_id STRING; $limit INTEGER; " +
		"SELECT * FROM " + imagesTable + " WHERE user_id = $user_id AND is_profile = true" +
		" AND (created_ts < $created_ts OR (created_ts = $created_ts AND image_id < $image_id))" +
		" ORDER BY user_id DESC, is_profile DESC, created_ts DESC, image_id DESC LIMIT $limit"
	// avatarQuery reads an owner's newest avatar.
	avatarQuery = "DECLARE $user_id STRING; " +
		"SELECT * FROM " + imagesTable + " WHERE user_id = $user_id AND is_profile = true" +
		" ORDER BY user_id DESC, is_profile DESC, created_ts DESC, image_id DESC LIMIT 1"
	// countQuery counts an owner's photos.
	countQuery = "DECLARE $user_id STRING; " +
		"SELECT count(*) AS photos FROM " + imagesTable + " WHERE user_id = $user_id AND is_profile = false"
)

// maxIDBytes is the longest image or user id the store keeps: the ids
// FotoGal makes are 26 bytes (128 random bits in base32), and with two of
// them in a key (the reactions' primary key, user_id_idx) a key stays
// within Oracle NoSQL's 64 bytes.
const maxIDBytes = 26

// maxUpdateAttempts bounds UpdateImage's and DeleteImage's retries after
// lost races.
const maxUpdateAttempts = 20

// parallelReads is how many reads one call keeps in flight at once when it
// needs one per owner or per image.
const parallelReads = 16

// Store is a store.Store on Oracle NoSQL Database.
type Store struct {
	c *nosqlclient.Client
	*nosqlcounters.Counters
	*nosqlactivity.Log
}

// Open creates the tables when the client is configured to (CreateTables) and returns the store.
func Open(ctx context.Context, c *nosqlclient.Client) (*Store, error) {
	if err := c.CreateTables(ctx, schema...); err != nil {
		return nil, fmt.Errorf("nosql: create tables: %w", err)
	}
	return &Store{c: c, Counters: nosqlcounters.New(c, countersTable), Log: nosqlactivity.New(c, activityTable)}, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// CreateImage puts img if no row has its ID; store.ErrConflict otherwise.
func (s *Store) CreateImage(ctx context.Context, img store.Image) error {
	if err := checkID("image", img.ID); err != nil {
		return err
	}
	if err := checkID("owner", img.OwnerID); err != nil {
		return err
	}
	img.CreateTime, img.UpdateTime = img.CreateTime.UTC(), img.UpdateTime.UTC()
	res, err := s.c.Put(ctx, &nosqldb.PutRequest{
		TableName: imagesTable,
		Value:     encodeImage(img),
		PutOption: types.PutIfAbsent,
		ReturnRow: true,
	})
	if err != nil {
		return fmt.Errorf("nosql: create image: %w", err)
	}
	if res.Success() {
		return nil
	}
	// A row equal to img is this write's own, applied by an attempt whose
	// answer was lost: the retry succeeds.
	if res.ExistingValue != nil {
		if existing, err := decodeImage(res.ExistingValue); err == nil && existing == img {
			return nil
		}
	}
	return store.ErrConflict
}

// GetImage reads the image with id by its key, or store.ErrNotFound.
func (s *Store) GetImage(ctx context.Context, id string) (store.Image, error) {
	img, _, err := s.getVersioned(ctx, id)
	return img, err
}

// getVersioned reads the image with id and the version of its row.
func (s *Store) getVersioned(ctx context.Context, id string) (store.Image, types.Version, error) {
	if len(id) > maxIDBytes {
		return store.Image{}, nil, store.ErrNotFound
	}
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: imagesTable, Key: imageKey(id)})
	if err != nil {
		return store.Image{}, nil, fmt.Errorf("nosql: get image: %w", err)
	}
	if res.Value == nil {
		return store.Image{}, nil, store.ErrNotFound
	}
	img, err := decodeImage(res.Value)
	if err != nil {
		return store.Image{}, nil, fmt.Errorf("nosql: get image %s: %w", id, err)
	}
	return img, res.Version, nil
}

// BatchGetImages reads the images among ids by their keys, a few at a time.
func (s *Store) BatchGetImages(ctx context.Context, ids []string) ([]store.Image, error) {
	ids = unique(ids)
	found := make([]*store.Image, len(ids))
	err := forEach(ctx, len(ids), func(ctx context.Context, i int) error {
		img, err := s.GetImage(ctx, ids[i])
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found[i] = &img
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []store.Image
	for _, img := range found {
		if img != nil {
			out = append(out, *img)
		}
	}
	return out, nil
}

// UpdateImage applies update to the image with id and writes its caption
// and update time back if the row's version is still the one read,
// retrying from the read when another writer won.
func (s *Store) UpdateImage(ctx context.Context, id string, update func(*store.Image) error) (store.Image, error) {
	for range maxUpdateAttempts {
		img, version, err := s.getVersioned(ctx, id)
		if err != nil {
			return store.Image{}, err
		}
		changed := img
		if err := update(&changed); err != nil {
			return store.Image{}, err
		}
		img.Caption, img.UpdateTime = changed.Caption, changed.UpdateTime.UTC()
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName:    imagesTable,
			Value:        encodeImage(img),
			PutOption:    types.PutIfVersion,
			MatchVersion: version,
		})
		if err != nil {
			return store.Image{}, fmt.Errorf("nosql: update image: %w", err)
		}
		if res.Success() {
			return img, nil
		}
	}
	return store.Image{}, fmt.Errorf("nosql: update image %s: %w", id, store.ErrConflict)
}

// DeleteImage deletes the image row if its version is still the one read,
// then its reactions and its comments. When the image does not exist it
// still deletes the reactions and comments an interrupted delete may have
// left, and returns store.ErrNotFound.
func (s *Store) DeleteImage(ctx context.Context, id string) (store.Image, error) {
	for range maxUpdateAttempts {
		img, version, err := s.getVersioned(ctx, id)
		if errors.Is(err, store.ErrNotFound) && len(id) <= maxIDBytes {
			if err := s.deleteRowsOf(ctx, id); err != nil {
				return store.Image{}, err
			}
		}
		if err != nil {
			return store.Image{}, err
		}
		res, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: imagesTable, Key: imageKey(id), MatchVersion: version})
		if err != nil {
			return store.Image{}, fmt.Errorf("nosql: delete image: %w", err)
		}
		if !res.Success {
			continue
		}
		if err := s.deleteRowsOf(ctx, id); err != nil {
			return store.Image{}, err
		}
		return img, nil
	}
	return store.Image{}, fmt.Errorf("nosql: delete image %s: %w", id, store.ErrConflict)
}

// deleteRowsOf deletes the rows an image has besides its own: its
// reactions, then its comments.
func (s *Store) deleteRowsOf(ctx context.Context, id string) error {
	for _, table := range []string{reactionsTable, commentsTable} {
		if err := s.deleteShard(ctx, table, id); err != nil {
			return err
		}
	}
	return nil
}

// ListImages returns up to limit photos of owner strictly before cursor,
// newest first, from one query in the order of user_id_idx.
func (s *Store) ListImages(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Image, error) {
	imgs, err := s.listOwned(ctx, listQuery, ownerID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("nosql: list images: %w", err)
	}
	return imgs, nil
}

// ListAvatars returns up to limit avatars of owner strictly before
// cursor, newest first, from one query in the order of user_id_idx.
func (s *Store) ListAvatars(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Image, error) {
	imgs, err := s.listOwned(ctx, avatarsQuery, ownerID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("nosql: list avatars: %w", err)
	}
	return imgs, nil
}

// listOwned runs query, listQuery or avatarsQuery, for a page of owner's
// rows.
func (s *Store) listOwned(ctx context.Context, query, ownerID string, before store.Cursor, limit int) ([]store.Image, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.c.Query(ctx, query, ownerBinds(ownerID, before, limit))
	if err != nil {
		return nil, err
	}
	imgs := make([]store.Image, len(rows))
	for i, row := range rows {
		if imgs[i], err = decodeImage(row); err != nil {
			return nil, err
		}
	}
	return imgs, nil
}

// ListOwnersImages merges the owners' photo keys with store.Merge, then
// reads the rows of the page by their keys.
func (s *Store) ListOwnersImages(ctx context.Context, ownerIDs []string, before store.Cursor, limit int) ([]store.Image, error) {
	keys, err := store.Merge(ctx, s, ownerIDs, before, limit)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	imgs, err := s.BatchGetImages(ctx, ids)
	if err != nil {
		return nil, err
	}
	return store.InKeyOrder(keys, imgs), nil
}

// Heads returns the key of each owner's newest photo before the cursor:
// one query per owner, a few at a time.
func (s *Store) Heads(ctx context.Context, ownerIDs []string, before store.Cursor) ([]store.Key, error) {
	heads := make([][]store.Key, len(ownerIDs))
	err := forEach(ctx, len(ownerIDs), func(ctx context.Context, i int) error {
		var err error
		heads[i], err = s.Next(ctx, ownerIDs[i], before, 1)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []store.Key
	for _, h := range heads {
		out = append(out, h...)
	}
	return out, nil
}

// Next returns the keys of up to limit photos of ownerID before the
// cursor, newest first.
func (s *Store) Next(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Key, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.c.Query(ctx, nextQuery, ownerBinds(ownerID, before, limit))
	if err != nil {
		return nil, fmt.Errorf("nosql: list image keys: %w", err)
	}
	return decodeKeys(rows)
}

// ownerBinds are the variables of listQuery, avatarsQuery and nextQuery.
func ownerBinds(ownerID string, before store.Cursor, limit int) map[string]any {
	return map[string]any{
		"$user_id":    ownerID,
		"$created_ts": before.Nanos(),
		"$image_id":   before.ID,
		"$limit":      limit,
	}
}

// CountImages counts the photos of each owner with one count(*) query per
// owner on user_id_idx, a few at a time.
func (s *Store) CountImages(ctx context.Context, ownerIDs []string) (map[string]int64, error) {
	ownerIDs = unique(ownerIDs)
	counts := make([]int64, len(ownerIDs))
	err := forEach(ctx, len(ownerIDs), func(ctx context.Context, i int) error {
		rows, err := s.c.Query(ctx, countQuery, map[string]any{"$user_id": ownerIDs[i]})
		if err != nil {
			return fmt.Errorf("nosql: count images: %w", err)
		}
		if len(rows) != 1 {
			return fmt.Errorf("nosql: count images: %d rows, want 1", len(rows))
		}
		r := nosqlclient.ReadRow(rows[0])
		counts[i] = r.Long("photos")
		return r.Err()
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64)
	for i, n := range counts {
		if n > 0 {
			out[ownerIDs[i]] = n
		}
	}
	return out, nil
}

// LatestAvatar returns owner's newest avatar, or store.ErrNotFound.
func (s *Store) LatestAvatar(ctx context.Context, ownerID string) (store.Image, error) {
	rows, err := s.c.Query(ctx, avatarQuery, map[string]any{"$user_id": ownerID})
	if err != nil {
		return store.Image{}, fmt.Errorf("nosql: get avatar: %w", err)
	}
	if len(rows) == 0 {
		return store.Image{}, store.ErrNotFound
	}
	img, err := decodeImage(rows[0])
	if err != nil {
		return store.Image{}, fmt.Errorf("nosql: get avatar: %w", err)
	}
	return img, nil
}

// checkID refuses an id longer than the keys hold.
func checkID(what, id string) error {
	if len(id) > maxIDBytes {
		return fmt.Errorf("nosql: %s id of %d bytes, at most %d", what, len(id), maxIDBytes)
	}
	return nil
}

// imageKey is the primary key of the image with id.
func imageKey(id string) *types.MapValue { return types.ToMapValue("image_id", id) }

// variantColumns name the columns of one variant of an image.
type variantColumns struct {
	object, contentType, size, width, height, sha256 string
}

// The columns of each variant, the original's under their original names.
var (
	originalColumns = variantColumns{"image_filename", "image_type", "size_bytes", "width", "height", "sha256"}
	displayColumns  = variantColumns{"display_filename", "display_type", "display_size_bytes", "display_width", "display_height", "display_sha256"}
	thumbColumns    = variantColumns{"thumb_filename", "thumb_type", "thumb_size_bytes", "thumb_width", "thumb_height", "thumb_sha256"}
)

// encodeImage returns the row of img.
func encodeImage(img store.Image) *types.MapValue {
	row := map[string]any{
		"image_id":                img.ID,
		"user_id":                 img.OwnerID,
		"is_profile":              img.IsProfile,
		"main_comment":            img.Caption,
		"image_original_filename": img.OriginalFilename,
		"created_ts":              img.CreateTime.UnixNano(),
		"updated_ts":              img.UpdateTime.UnixNano(),
	}
	for _, v := range []struct {
		cols    variantColumns
		variant store.Variant
	}{{originalColumns, img.Original}, {displayColumns, img.Display}, {thumbColumns, img.Thumb}} {
		row[v.cols.object] = v.variant.Object
		row[v.cols.contentType] = v.variant.ContentType
		row[v.cols.size] = v.variant.Size
		row[v.cols.width] = v.variant.Width
		row[v.cols.height] = v.variant.Height
		row[v.cols.sha256] = v.variant.SHA256
	}
	return types.NewMapValue(row)
}

// decodeImage reads an image from its row.
func decodeImage(row *types.MapValue) (store.Image, error) {
	r := nosqlclient.ReadRow(row)
	img := store.Image{
		ID:               r.String("image_id"),
		OwnerID:          r.String("user_id"),
		IsProfile:        r.Bool("is_profile"),
		Caption:          r.String("main_comment"),
		OriginalFilename: r.String("image_original_filename"),
		Original:         readVariant(r, originalColumns),
		Display:          readVariant(r, displayColumns),
		Thumb:            readVariant(r, thumbColumns),
		CreateTime:       r.Time("created_ts"),
		UpdateTime:       r.Time("updated_ts"),
	}
	return img, r.Err()
}

// decodeKeys reads the keys of rows of user_id, created_ts and image_id.
func decodeKeys(rows []*types.MapValue) ([]store.Key, error) {
	keys := make([]store.Key, len(rows))
	for i, row := range rows {
		r := nosqlclient.ReadRow(row)
		keys[i] = store.Key{OwnerID: r.String("user_id"), CreateTime: r.Time("created_ts"), ID: r.String("image_id")}
		if r.Err() != nil {
			return nil, r.Err()
		}
	}
	return keys, nil
}

// readVariant reads the columns of one variant.
func readVariant(r *nosqlclient.Row, cols variantColumns) store.Variant {
	return store.Variant{
		Object:      r.String(cols.object),
		ContentType: r.String(cols.contentType),
		Size:        r.Long(cols.size),
		Width:       r.Int(cols.width),
		Height:      r.Int(cols.height),
		SHA256:      r.String(cols.sha256),
	}
}

// forEach calls fn for each of 0 to n-1, parallelReads at a time, and
// returns the first error, after which it starts no more calls and the
// context of those running is cancelled.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	slots := make(chan struct{}, parallelReads)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := fn(ctx, i); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// unique returns ids without repetitions, in their first order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

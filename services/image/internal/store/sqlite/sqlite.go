// Package sqlite is the embedded adapter of the image service's store: one
// SQLite file (modernc.org/sqlite, pure Go) in WAL mode.
//
// Tables: the original fotogal_ntable_images (its columns plus those of
// the variants), reactions (one row per person and photo) and
// reaction_counts (one fixed-size row per photo, updated in the same
// transaction as the reaction rows, so that counts are exact and cheap to
// read), fotogal_ntable_comments and fotogal_ntable_commentstate (one row
// per comment and one per photo: see below), fotogal_ntable_imagethrottle,
// the upload throttle's counters (one row per key, its window's end in
// expire_time), fotogal_ntable_imageactivity, the service's activity
// log (pkg/activity/sqliteactivity), and fotogal_ntable_tags, the hashtag
// index (see below).
//
// # Comments
//
// fotogal_ntable_comments holds one row per comment, its primary key
// (image_id, comment_id) in a table WITHOUT ROWID, so that a photo's
// comments lie together in the order of their ids, which is the order of
// their times: a page of them is one range seek on the primary key, in
// either direction. fotogal_ntable_commentstate holds one fixed-size row
// per photo that has had comments or had them turned off: comment_count
// and comments_disabled. A separate table rather than a reserved row among
// the comments keeps every column of both NOT NULL, and the comment count
// is updated in the transaction that adds or deletes the comment, so it is
// exact however many people comment at once. Every write is one
// transaction that checks the image exists; DeleteImage deletes the
// image's comments and its state row in its own.
//
// # Tags
//
// fotogal_ntable_tags holds one row per tag and photo: tag (its key,
// store.TagKey of the folded tag), created_ts (the photo's), image_id and
// owner_id, its primary key (tag, created_ts, image_id) in a table WITHOUT
// ROWID, so that a tag's photos lie together in newest-first order and a
// page of them is one range seek read backwards. The service writes the
// rows after the photo's own row, and deletes them after it (see the
// service's tags.go for why a row may outlive its photo).
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/activity/sqliteactivity"
	"github.com/fotogal/fotogal/pkg/counters/sqlitecounters"
	"github.com/fotogal/fotogal/pkg/sqlitedb"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// Store is a store.Store on a SQLite database.
type Store struct {
	db *sql.DB
	// The statements run most, prepared once, since parsing them each time
	// cost more than running them: getImage, the read of one row by its ID
	// that every request for a photo's bytes makes; heads and next, the
	// reads of the merge of a timeline's fill (thousands a fill); after, the
	// feed tailer's poll.
	getImage, heads, next, after *sql.Stmt
	*sqlitecounters.Counters
	*sqliteactivity.Log
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.OwnerScanner = (*Store)(nil)
)

// schema creates the tables, the per-owner index that paging and the
// feed's merge read from, the time index of the posting log
// (postinglog.go), the hashtag index (tags.go), the indexes of a person's
// own reactions and comments (mine.go), the counters and the activity log.
var schema = `
CREATE TABLE IF NOT EXISTS fotogal_ntable_images (
	image_id                TEXT PRIMARY KEY,
	user_id                 TEXT NOT NULL,
	is_profile              INTEGER NOT NULL,
	main_comment            TEXT NOT NULL,
	image_original_filename TEXT NOT NULL,
	image_filename          TEXT NOT NULL,
	image_type              TEXT NOT NULL,
	size_bytes              INTEGER NOT NULL,
	width                   INTEGER NOT NULL,
	height                  INTEGER NOT NULL,
	sha256                  TEXT NOT NULL,
	display_filename        TEXT NOT NULL,
	display_type            TEXT NOT NULL,
	display_size_bytes      INTEGER NOT NULL,
	display_width           INTEGER NOT NULL,
	display_height          INTEGER NOT NULL,
	display_sha256          TEXT NOT NULL,
	thumb_filename          TEXT NOT NULL,
	thumb_type              TEXT NOT NULL,
	thumb_size_bytes        INTEGER NOT NULL,
	thumb_width             INTEGER NOT NULL,
	thumb_height            INTEGER NOT NULL,
	thumb_sha256            TEXT NOT NULL,
	created_ts              INTEGER NOT NULL,
	updated_ts              INTEGER NOT NULL,
	version                 INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS images_by_owner ON fotogal_ntable_images (user_id, is_profile, created_ts, image_id);
CREATE INDEX IF NOT EXISTS images_by_time ON fotogal_ntable_images (is_profile, created_ts, image_id, user_id);
CREATE TABLE IF NOT EXISTS reactions (
	image_id   TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	kind       INTEGER NOT NULL,
	created_ts INTEGER NOT NULL,
	PRIMARY KEY (image_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reactions_by_user ON reactions (user_id, created_ts, image_id);
CREATE TABLE IF NOT EXISTS reaction_counts (
	image_id TEXT PRIMARY KEY,
	likes    INTEGER NOT NULL,
	dislikes INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fotogal_ntable_comments (
	image_id     TEXT NOT NULL,
	comment_id   TEXT NOT NULL,
	author_id    TEXT NOT NULL,
	comment_text TEXT NOT NULL,
	created_ts   INTEGER NOT NULL,
	PRIMARY KEY (image_id, comment_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS comments_by_author ON fotogal_ntable_comments (author_id, created_ts, comment_id);
CREATE TABLE IF NOT EXISTS fotogal_ntable_commentstate (
	image_id          TEXT PRIMARY KEY,
	comment_count     INTEGER NOT NULL,
	comments_disabled INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fotogal_ntable_tags (
	tag        TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	image_id   TEXT NOT NULL,
	owner_id   TEXT NOT NULL,
	PRIMARY KEY (tag, created_ts, image_id)
) STRICT, WITHOUT ROWID;
` + sqlitecounters.Schema(countersTable) + sqliteactivity.Schema(activityTable)

// columns are the fotogal_ntable_images columns in the order scanImage
// reads them.
const columns = `image_id, user_id, is_profile, main_comment, image_original_filename,
	image_filename, image_type, size_bytes, width, height, sha256,
	display_filename, display_type, display_size_bytes, display_width, display_height, display_sha256,
	thumb_filename, thumb_type, thumb_size_bytes, thumb_width, thumb_height, thumb_sha256,
	created_ts, updated_ts, version`

// listQuery reads an owner's photos before a cursor, newest first: a range
// seek on images_by_owner, read backwards. Arguments: user_id, the
// cursor's created_ts and image_id, the limit.
const listQuery = `SELECT ` + columns + ` FROM fotogal_ntable_images
	WHERE user_id = ? AND is_profile = 0 AND (created_ts, image_id) < (?, ?)
	ORDER BY created_ts DESC, image_id DESC LIMIT ?`

// avatarsQuery is listQuery for the owner's avatars.
const avatarsQuery = `SELECT ` + columns + ` FROM fotogal_ntable_images
	WHERE user_id = ? AND is_profile = 1 AND (created_ts, image_id) < (?, ?)
	ORDER BY created_ts DESC, image_id DESC LIMIT ?`

// nextQuery is listQuery reading the keys only, from the index alone.
const nextQuery = `SELECT user_id, created_ts, image_id FROM fotogal_ntable_images
	WHERE user_id = ? AND is_profile = 0 AND (created_ts, image_id) < (?, ?)
	ORDER BY created_ts DESC, image_id DESC LIMIT ?`

// headsQuery reads the key of the newest photo before a cursor of each of a
// JSON array of owners from images_by_owner alone: two seeks per owner, one
// for each column of the key the index holds, and none on the table, whose
// pages are many times more. Arguments: the owners, the cursor's created_ts
// and image_id.
const headsQuery = `SELECT user_id, created_ts, image_id FROM (
	SELECT o.value AS user_id,
		(SELECT created_ts FROM fotogal_ntable_images
			WHERE user_id = o.value AND is_profile = 0 AND (created_ts, image_id) < (?2, ?3)
			ORDER BY created_ts DESC, image_id DESC LIMIT 1) AS created_ts,
		(SELECT image_id FROM fotogal_ntable_images
			WHERE user_id = o.value AND is_profile = 0 AND (created_ts, image_id) < (?2, ?3)
			ORDER BY created_ts DESC, image_id DESC LIMIT 1) AS image_id
	FROM json_each(?1) AS o)
	WHERE created_ts IS NOT NULL`

// maxUpdateAttempts bounds UpdateImage's retries after lost races.
const maxUpdateAttempts = 20

// Open opens (creating if needed) the database file at path.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitedb.Open(ctx, path, schema)
	if err != nil {
		return nil, err
	}
	s := &Store{
		db:       db,
		Counters: sqlitecounters.New(db, countersTable),
		Log:      sqliteactivity.New(db, activityTable),
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.getImage, `SELECT ` + columns + ` FROM fotogal_ntable_images WHERE image_id = ?`},
		{&s.heads, headsQuery},
		{&s.next, nextQuery},
		{&s.after, afterQuery},
	} {
		if *p.stmt, err = db.PrepareContext(ctx, p.query); err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{s.getImage, s.heads, s.next, s.after} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(append(errs, s.db.Close())...)
}

// CreateImage inserts img; store.ErrConflict when its ID exists.
func (s *Store) CreateImage(ctx context.Context, img store.Image) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO fotogal_ntable_images (`+columns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
		ON CONFLICT (image_id) DO NOTHING`,
		img.ID, img.OwnerID, img.IsProfile, img.Caption, img.OriginalFilename,
		img.Original.Object, img.Original.ContentType, img.Original.Size, img.Original.Width, img.Original.Height, img.Original.SHA256,
		img.Display.Object, img.Display.ContentType, img.Display.Size, img.Display.Width, img.Display.Height, img.Display.SHA256,
		img.Thumb.Object, img.Thumb.ContentType, img.Thumb.Size, img.Thumb.Width, img.Thumb.Height, img.Thumb.SHA256,
		img.CreateTime.UnixNano(), img.UpdateTime.UnixNano())
	if err != nil {
		return fmt.Errorf("insert image: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("insert image: %w", err)
	} else if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// GetImage returns the image with id, or store.ErrNotFound.
func (s *Store) GetImage(ctx context.Context, id string) (store.Image, error) {
	img, _, err := s.getVersioned(ctx, id)
	return img, err
}

func (s *Store) getVersioned(ctx context.Context, id string) (store.Image, int64, error) {
	row := s.getImage.QueryRowContext(ctx, id)
	img, version, err := scanImage(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Image{}, 0, store.ErrNotFound
	}
	if err != nil {
		return store.Image{}, 0, fmt.Errorf("get image: %w", err)
	}
	return img, version, nil
}

// BatchGetImages returns the images among ids that exist.
func (s *Store) BatchGetImages(ctx context.Context, ids []string) ([]store.Image, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.queryImages(ctx, `SELECT `+columns+` FROM fotogal_ntable_images
		WHERE image_id IN (SELECT value FROM json_each(?))`, jsonArray(ids))
}

// UpdateImage applies update to the image with id with a conditional write
// on its version, retrying from the read when another writer won.
func (s *Store) UpdateImage(ctx context.Context, id string, update func(*store.Image) error) (store.Image, error) {
	for range maxUpdateAttempts {
		img, version, err := s.getVersioned(ctx, id)
		if err != nil {
			return store.Image{}, err
		}
		if err := update(&img); err != nil {
			return store.Image{}, err
		}
		res, err := s.db.ExecContext(ctx, `UPDATE fotogal_ntable_images SET main_comment = ?, updated_ts = ?, version = version + 1
			WHERE image_id = ? AND version = ?`,
			img.Caption, img.UpdateTime.UnixNano(), id, version)
		if err != nil {
			return store.Image{}, fmt.Errorf("update image: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return store.Image{}, fmt.Errorf("update image: %w", err)
		} else if n == 1 {
			return img, nil
		}
	}
	return store.Image{}, fmt.Errorf("update image %s: %w", id, store.ErrConflict)
}

// DeleteImage deletes the image with id, its reactions and their counts,
// its comments and their state, in one transaction.
func (s *Store) DeleteImage(ctx context.Context, id string) (store.Image, error) {
	var deleted store.Image
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		img, _, err := scanImage(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM fotogal_ntable_images WHERE image_id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get image: %w", err)
		}
		for _, q := range []string{
			`DELETE FROM fotogal_ntable_images WHERE image_id = ?`,
			`DELETE FROM reactions WHERE image_id = ?`,
			`DELETE FROM reaction_counts WHERE image_id = ?`,
			`DELETE FROM fotogal_ntable_comments WHERE image_id = ?`,
			`DELETE FROM fotogal_ntable_commentstate WHERE image_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("delete image: %w", err)
			}
		}
		deleted = img
		return nil
	})
	return deleted, err
}

// ListImages returns up to limit photos of owner strictly before cursor,
// newest first.
func (s *Store) ListImages(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Image, error) {
	return s.queryImages(ctx, listQuery, ownerID, before.Nanos(), before.ID, limit)
}

// ListOwnersImages merges the owners' photo keys with store.Merge, then
// reads the rows of the page in one query.
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

// Heads returns the key of each owner's newest photo before the cursor, in
// one statement.
func (s *Store) Heads(ctx context.Context, ownerIDs []string, before store.Cursor) ([]store.Key, error) {
	return queryKeys(ctx, s.heads, jsonArray(ownerIDs), before.Nanos(), before.ID)
}

// Next returns the keys of up to limit photos of ownerID before the
// cursor, newest first, from the per-owner index alone.
func (s *Store) Next(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Key, error) {
	return queryKeys(ctx, s.next, ownerID, before.Nanos(), before.ID, limit)
}

func queryKeys(ctx context.Context, stmt *sql.Stmt, args ...any) ([]store.Key, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("query keys: %w", err)
	}
	defer rows.Close()
	var keys []store.Key
	for rows.Next() {
		var k store.Key
		var created int64
		if err := rows.Scan(&k.OwnerID, &created, &k.ID); err != nil {
			return nil, fmt.Errorf("query keys: %w", err)
		}
		k.CreateTime = time.Unix(0, created).UTC()
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query keys: %w", err)
	}
	return keys, nil
}

// CountImages counts the photos of each owner that has any.
func (s *Store) CountImages(ctx context.Context, ownerIDs []string) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, COUNT(*) FROM fotogal_ntable_images
		WHERE user_id IN (SELECT value FROM json_each(?)) AND is_profile = 0
		GROUP BY user_id`, jsonArray(ownerIDs))
	if err != nil {
		return nil, fmt.Errorf("count images: %w", err)
	}
	defer rows.Close()
	counts := make(map[string]int64)
	for rows.Next() {
		var owner string
		var n int64
		if err := rows.Scan(&owner, &n); err != nil {
			return nil, fmt.Errorf("count images: %w", err)
		}
		counts[owner] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count images: %w", err)
	}
	return counts, nil
}

// LatestAvatar returns owner's newest avatar, or store.ErrNotFound.
func (s *Store) LatestAvatar(ctx context.Context, ownerID string) (store.Image, error) {
	img, _, err := scanImage(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM fotogal_ntable_images
		WHERE user_id = ? AND is_profile = 1
		ORDER BY created_ts DESC, image_id DESC LIMIT 1`, ownerID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Image{}, store.ErrNotFound
	}
	if err != nil {
		return store.Image{}, fmt.Errorf("get avatar: %w", err)
	}
	return img, nil
}

// ListAvatars returns up to limit avatars of owner strictly before cursor,
// newest first.
func (s *Store) ListAvatars(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Image, error) {
	return s.queryImages(ctx, avatarsQuery, ownerID, before.Nanos(), before.ID, limit)
}

// React sets userID's reaction and adjusts the counts in one transaction.
func (s *Store) React(ctx context.Context, imageID, userID string, kind store.Kind) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkImage(ctx, tx, imageID); err != nil {
			return err
		}
		old, err := reactionOf(ctx, tx, imageID, userID)
		if err != nil || old == kind {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reactions (image_id, user_id, kind, created_ts) VALUES (?, ?, ?, ?)
			ON CONFLICT (image_id, user_id) DO UPDATE SET kind = excluded.kind, created_ts = excluded.created_ts`,
			imageID, userID, kind, time.Now().UTC().UnixNano()); err != nil {
			return fmt.Errorf("put reaction: %w", err)
		}
		delta := map[store.Kind]int64{kind: 1, old: -1}
		return addCounts(ctx, tx, imageID, delta[store.Like], delta[store.Dislike])
	})
}

// Unreact removes userID's reaction if it is kind and adjusts the counts in
// one transaction.
func (s *Store) Unreact(ctx context.Context, imageID, userID string, kind store.Kind) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := reactionOf(ctx, tx, imageID, userID)
		if err != nil || old != kind {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM reactions WHERE image_id = ? AND user_id = ?`, imageID, userID); err != nil {
			return fmt.Errorf("delete reaction: %w", err)
		}
		delta := map[store.Kind]int64{kind: -1}
		return addCounts(ctx, tx, imageID, delta[store.Like], delta[store.Dislike])
	})
}

// Reactions reads the counts and viewerID's reactions of imageIDs in one
// query.
func (s *Store) Reactions(ctx context.Context, imageIDs []string, viewerID string) (map[string]store.Reactions, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.value, COALESCE(c.likes, 0), COALESCE(c.dislikes, 0), COALESCE(r.kind, 0)
		FROM json_each(?1) AS o
		LEFT JOIN reaction_counts AS c ON c.image_id = o.value
		LEFT JOIN reactions AS r ON r.image_id = o.value AND r.user_id = ?2`,
		jsonArray(imageIDs), viewerID)
	if err != nil {
		return nil, fmt.Errorf("read reactions: %w", err)
	}
	defer rows.Close()
	out := make(map[string]store.Reactions, len(imageIDs))
	for rows.Next() {
		var id string
		var r store.Reactions
		if err := rows.Scan(&id, &r.Likes, &r.Dislikes, &r.Mine); err != nil {
			return nil, fmt.Errorf("read reactions: %w", err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read reactions: %w", err)
	}
	return out, nil
}

// checkImage returns store.ErrNotFound unless the image exists.
func checkImage(ctx context.Context, tx *sql.Tx, imageID string) error {
	var exists int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM fotogal_ntable_images WHERE image_id = ?`, imageID).Scan(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("check image: %w", err)
	}
	return nil
}

func reactionOf(ctx context.Context, tx *sql.Tx, imageID, userID string) (store.Kind, error) {
	var kind store.Kind
	err := tx.QueryRowContext(ctx, `SELECT kind FROM reactions WHERE image_id = ? AND user_id = ?`, imageID, userID).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return store.None, nil
	}
	if err != nil {
		return store.None, fmt.Errorf("read reaction: %w", err)
	}
	return kind, nil
}

func addCounts(ctx context.Context, tx *sql.Tx, imageID string, likes, dislikes int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reaction_counts (image_id, likes, dislikes) VALUES (?, ?, ?)
		ON CONFLICT (image_id) DO UPDATE SET likes = likes + excluded.likes, dislikes = dislikes + excluded.dislikes`,
		imageID, likes, dislikes)
	if err != nil {
		return fmt.Errorf("update reaction counts: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction (BEGIN IMMEDIATE: see the DSN's _txlock),
// committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *Store) queryImages(ctx context.Context, query string, args ...any) ([]store.Image, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query images: %w", err)
	}
	defer rows.Close()
	var out []store.Image
	for rows.Next() {
		img, _, err := scanImage(rows)
		if err != nil {
			return nil, fmt.Errorf("query images: %w", err)
		}
		out = append(out, img)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query images: %w", err)
	}
	return out, nil
}

// scanImage reads a row of columns into an Image and its version.
func scanImage(row interface{ Scan(...any) error }) (store.Image, int64, error) {
	var img store.Image
	var created, updated, version int64
	err := row.Scan(&img.ID, &img.OwnerID, &img.IsProfile, &img.Caption, &img.OriginalFilename,
		&img.Original.Object, &img.Original.ContentType, &img.Original.Size, &img.Original.Width, &img.Original.Height, &img.Original.SHA256,
		&img.Display.Object, &img.Display.ContentType, &img.Display.Size, &img.Display.Width, &img.Display.Height, &img.Display.SHA256,
		&img.Thumb.Object, &img.Thumb.ContentType, &img.Thumb.Size, &img.Thumb.Width, &img.Thumb.Height, &img.Thumb.SHA256,
		&created, &updated, &version)
	if err != nil {
		return store.Image{}, 0, err
	}
	img.CreateTime = time.Unix(0, created).UTC()
	img.UpdateTime = time.Unix(0, updated).UTC()
	return img, version, nil
}

// jsonArray encodes ids as a JSON array, bound as one variable and read
// with json_each.
func jsonArray(ids []string) string {
	if ids == nil {
		return "[]"
	}
	b, _ := json.Marshal(ids) // Marshalling strings cannot fail.
	return string(b)
}

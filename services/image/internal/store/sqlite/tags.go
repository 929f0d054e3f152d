package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// taggedQuery reads a page of a tag's rows, newest first, strictly before
// a cursor: one range seek on the primary key of fotogal_ntable_tags,
// read backwards. Arguments: the tag, the cursor's created_ts and
// image_id, the limit.
const taggedQuery = `SELECT tag, created_ts, image_id, owner_id FROM fotogal_ntable_tags
	WHERE tag = ? AND (created_ts, image_id) < (?, ?)
	ORDER BY created_ts DESC, image_id DESC LIMIT ?`

// PutTags inserts the rows that do not exist yet, in one transaction.
func (s *Store) PutTags(ctx context.Context, rows []store.TagRow) error {
	for _, r := range rows {
		if err := checkTagKey(r.Tag); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO fotogal_ntable_tags (tag, created_ts, image_id, owner_id) VALUES (?, ?, ?, ?)
				ON CONFLICT (tag, created_ts, image_id) DO NOTHING`,
				r.Tag, r.CreateTime.UnixNano(), r.ImageID, r.OwnerID); err != nil {
				return fmt.Errorf("put tag %q of image %s: %w", r.Tag, r.ImageID, err)
			}
		}
		return nil
	})
}

// DeleteTags deletes the rows by their primary key, in one transaction.
func (s *Store) DeleteTags(ctx context.Context, rows []store.TagRow) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `DELETE FROM fotogal_ntable_tags WHERE tag = ? AND created_ts = ? AND image_id = ?`,
				r.Tag, r.CreateTime.UnixNano(), r.ImageID); err != nil {
				return fmt.Errorf("delete tag %q of image %s: %w", r.Tag, r.ImageID, err)
			}
		}
		return nil
	})
}

// ListTagged reads a page of the tag's rows with one range seek.
func (s *Store) ListTagged(ctx context.Context, tag string, before store.Cursor, limit int) ([]store.TagRow, error) {
	if limit <= 0 || checkTagKey(tag) != nil {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, taggedQuery, tag, before.Nanos(), before.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("list tagged images: %w", err)
	}
	defer rows.Close()
	var out []store.TagRow
	for rows.Next() {
		var r store.TagRow
		var created int64
		if err := rows.Scan(&r.Tag, &created, &r.ImageID, &r.OwnerID); err != nil {
			return nil, fmt.Errorf("list tagged images: %w", err)
		}
		r.CreateTime = time.Unix(0, created).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tagged images: %w", err)
	}
	return out, nil
}

// checkTagKey refuses a tag that store.TagKey cannot have returned, as the
// NoSQL adapter must, so that both keep the same rows.
func checkTagKey(tag string) error {
	if tag == "" || store.TagKey(tag) != tag {
		return fmt.Errorf("tag key %q: want 1 to %d bytes", tag, store.MaxTagKeyBytes)
	}
	return nil
}

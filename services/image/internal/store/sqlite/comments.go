package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// The queries of a page of one image's comments, each a range seek on the
// primary key of fotogal_ntable_comments in the order it is read.
// Arguments: the image_id, the bound (but in newestCommentsQuery), the
// limit.
const (
	// oldestCommentsQuery reads the comments after a comment_id, oldest
	// first.
	oldestCommentsQuery = `SELECT image_id, comment_id, author_id, comment_text, created_ts
	FROM fotogal_ntable_comments WHERE image_id = ? AND comment_id > ?
	ORDER BY comment_id LIMIT ?`
	// newestCommentsQuery reads the newest comments.
	newestCommentsQuery = `SELECT image_id, comment_id, author_id, comment_text, created_ts
	FROM fotogal_ntable_comments WHERE image_id = ?
	ORDER BY comment_id DESC LIMIT ?`
	// olderCommentsQuery reads the comments before a comment_id, newest
	// first.
	olderCommentsQuery = `SELECT image_id, comment_id, author_id, comment_text, created_ts
	FROM fotogal_ntable_comments WHERE image_id = ? AND comment_id < ?
	ORDER BY comment_id DESC LIMIT ?`
)

// AddComment inserts c and adds one to its image's comment count in one
// transaction, after checking that the image exists and takes comments.
func (s *Store) AddComment(ctx context.Context, c store.Comment) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkImage(ctx, tx, c.ImageID); err != nil {
			return err
		}
		var disabled bool
		err := tx.QueryRowContext(ctx, `SELECT comments_disabled FROM fotogal_ntable_commentstate WHERE image_id = ?`, c.ImageID).Scan(&disabled)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read comment state: %w", err)
		}
		if disabled {
			return store.ErrCommentsDisabled
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO fotogal_ntable_comments (image_id, comment_id, author_id, comment_text, created_ts)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (image_id, comment_id) DO NOTHING`,
			c.ImageID, c.ID, c.AuthorID, c.Text, c.CreateTime.UnixNano())
		if err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("insert comment: %w", err)
		} else if n == 0 {
			return store.ErrConflict
		}
		return addCommentCount(ctx, tx, c.ImageID, 1)
	})
}

// GetComment reads one comment by its key, or store.ErrNotFound.
func (s *Store) GetComment(ctx context.Context, imageID, commentID string) (store.Comment, error) {
	c, err := scanComment(s.db.QueryRowContext(ctx, `SELECT image_id, comment_id, author_id, comment_text, created_ts
		FROM fotogal_ntable_comments WHERE image_id = ? AND comment_id = ?`, imageID, commentID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Comment{}, store.ErrNotFound
	}
	if err != nil {
		return store.Comment{}, fmt.Errorf("get comment: %w", err)
	}
	return c, nil
}

// ListComments reads a page of the image's comments with one range seek
// on the primary key.
func (s *Store) ListComments(ctx context.Context, q store.CommentQuery) ([]store.Comment, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	query, args := oldestCommentsQuery, []any{q.ImageID, q.After, q.Limit}
	if q.NewestFirst {
		query, args = newestCommentsQuery, []any{q.ImageID, q.Limit}
		if q.After != "" {
			query, args = olderCommentsQuery, []any{q.ImageID, q.After, q.Limit}
		}
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	defer rows.Close()
	var out []store.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	return out, nil
}

// DeleteComment deletes the comment and takes one from its image's comment
// count in one transaction.
func (s *Store) DeleteComment(ctx context.Context, imageID, commentID string) (store.Comment, error) {
	var deleted store.Comment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := scanComment(tx.QueryRowContext(ctx, `DELETE FROM fotogal_ntable_comments WHERE image_id = ? AND comment_id = ?
			RETURNING image_id, comment_id, author_id, comment_text, created_ts`, imageID, commentID))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("delete comment: %w", err)
		}
		deleted = c
		return addCommentCount(ctx, tx, imageID, -1)
	})
	return deleted, err
}

// SetCommentsDisabled writes the image's comments_disabled, keeping its
// count, in one transaction that checks the image exists.
func (s *Store) SetCommentsDisabled(ctx context.Context, imageID string, disabled bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkImage(ctx, tx, imageID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO fotogal_ntable_commentstate (image_id, comment_count, comments_disabled) VALUES (?, 0, ?)
			ON CONFLICT (image_id) DO UPDATE SET comments_disabled = excluded.comments_disabled`, imageID, disabled)
		if err != nil {
			return fmt.Errorf("set comments disabled: %w", err)
		}
		return nil
	})
}

// CommentStates reads the state rows of imageIDs in one query.
func (s *Store) CommentStates(ctx context.Context, imageIDs []string) (map[string]store.CommentState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.value, COALESCE(c.comment_count, 0), COALESCE(c.comments_disabled, 0)
		FROM json_each(?) AS o
		LEFT JOIN fotogal_ntable_commentstate AS c ON c.image_id = o.value`, jsonArray(imageIDs))
	if err != nil {
		return nil, fmt.Errorf("read comment states: %w", err)
	}
	defer rows.Close()
	out := make(map[string]store.CommentState, len(imageIDs))
	for rows.Next() {
		var id string
		var state store.CommentState
		if err := rows.Scan(&id, &state.Count, &state.Disabled); err != nil {
			return nil, fmt.Errorf("read comment states: %w", err)
		}
		out[id] = state
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read comment states: %w", err)
	}
	return out, nil
}

// addCommentCount adds delta to the image's comment count, making its
// state row when it has none.
func addCommentCount(ctx context.Context, tx *sql.Tx, imageID string, delta int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fotogal_ntable_commentstate (image_id, comment_count, comments_disabled) VALUES (?, ?, 0)
		ON CONFLICT (image_id) DO UPDATE SET comment_count = comment_count + excluded.comment_count`, imageID, delta)
	if err != nil {
		return fmt.Errorf("update comment count: %w", err)
	}
	return nil
}

// scanComment reads a row of image_id, comment_id, author_id, comment_text
// and created_ts.
func scanComment(row interface{ Scan(...any) error }) (store.Comment, error) {
	var c store.Comment
	var created int64
	if err := row.Scan(&c.ImageID, &c.ID, &c.AuthorID, &c.Text, &created); err != nil {
		return store.Comment{}, err
	}
	c.CreateTime = time.Unix(0, created).UTC()
	return c, nil
}

package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// The queries of a person's own comments and reactions, newest first,
// strictly before a cursor: each a range seek on its index
// (comments_by_author, reactions_by_user), read backwards. Arguments: the
// person's user_id, the cursor's created_ts and id, the limit.
const (
	// authorCommentsQuery reads the comments an author wrote.
	authorCommentsQuery = `SELECT image_id, comment_id, author_id, comment_text, created_ts
	FROM fotogal_ntable_comments WHERE author_id = ? AND (created_ts, comment_id) < (?, ?)
	ORDER BY created_ts DESC, comment_id DESC LIMIT ?`
	// userReactionsQuery reads a person's reactions.
	userReactionsQuery = `SELECT image_id, user_id, kind, created_ts
	FROM reactions WHERE user_id = ? AND (created_ts, image_id) < (?, ?)
	ORDER BY created_ts DESC, image_id DESC LIMIT ?`
)

// ListCommentsByAuthor reads a page of the author's comments with one
// range seek on comments_by_author.
func (s *Store) ListCommentsByAuthor(ctx context.Context, authorID string, before store.Cursor, limit int) ([]store.Comment, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, authorCommentsQuery, authorID, before.Nanos(), before.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("list comments by author: %w", err)
	}
	defer rows.Close()
	var out []store.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("list comments by author: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list comments by author: %w", err)
	}
	return out, nil
}

// ListReactionsByUser reads a page of the person's reactions with one
// range seek on reactions_by_user.
func (s *Store) ListReactionsByUser(ctx context.Context, userID string, before store.Cursor, limit int) ([]store.UserReaction, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, userReactionsQuery, userID, before.Nanos(), before.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("list reactions by user: %w", err)
	}
	defer rows.Close()
	var out []store.UserReaction
	for rows.Next() {
		var r store.UserReaction
		var created int64
		if err := rows.Scan(&r.ImageID, &r.UserID, &r.Kind, &created); err != nil {
			return nil, fmt.Errorf("list reactions by user: %w", err)
		}
		r.CreateTime = time.Unix(0, created).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reactions by user: %w", err)
	}
	return out, nil
}

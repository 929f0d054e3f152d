package nosql

import (
	"context"
	"fmt"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// A person's own comments and reactions are read through two secondary
// indexes, each of the person's id, the row's created_ts and its id
// within its image: author_ts_idx on the comments (author_id, created_ts,
// comment_id) and user_ts_idx on the reactions (user_id, created_ts,
// image_id). Their keys are at most 26 + 8 + 26 = 60 bytes, as the writes
// refuse longer ids. An image's state row among its comments has no
// author_id and its counts row among its reactions the user id
// countsUser, which no person has: the queries below, asking for one
// person's rows, never meet either.
const (
	// authorCommentsQuery reads an author's comments strictly before the
	// cursor ($created_ts, $comment_id), newest first, in the order of
	// author_ts_idx.
	authorCommentsQuery = "DECLARE $author_id STRING; $created_ts LONG; $comment_id STRING; $limit INTEGER; " +
		"SELECT image_id, comment_id, author_id, comment_text, created_ts FROM " + commentsTable +
		" WHERE author_id = $author_id" +
		" AND (created_ts < $created_ts OR (created_ts = $created_ts AND comment_id < $comment_id))" +
		" ORDER BY author_id DESC, created_ts DESC, comment_id DESC LIMIT $limit"
	// userReactionsQuery reads a person's reactions strictly before the
	// cursor ($created_ts, $image_id), newest first, in the order of
	// user_ts_idx.
	userReactionsQuery = "DECLARE $user_id STRING; $created_ts LONG; $image_id STRING; $limit INTEGER; " +
		"SELECT image_id, user_id, kind, created_ts FROM " + reactionsTable +
		" WHERE user_id = $user_id" +
		" AND (created_ts < $created_ts OR (created_ts = $created_ts AND image_id < $image_id))" +
		" ORDER BY user_id DESC, created_ts DESC, image_id DESC LIMIT $limit"
)

// ListCommentsByAuthor reads a page of the author's comments with one
// query on author_ts_idx.
func (s *Store) ListCommentsByAuthor(ctx context.Context, authorID string, before store.Cursor, limit int) ([]store.Comment, error) {
	if limit <= 0 || len(authorID) > maxIDBytes {
		return nil, nil
	}
	rows, err := s.c.Query(ctx, authorCommentsQuery, map[string]any{
		"$author_id":  authorID,
		"$created_ts": before.Nanos(),
		"$comment_id": before.ID,
		"$limit":      limit,
	})
	if err != nil {
		return nil, fmt.Errorf("nosql: list comments by author: %w", err)
	}
	comments := make([]store.Comment, len(rows))
	for i, row := range rows {
		if comments[i], err = decodeComment(row); err != nil {
			return nil, fmt.Errorf("nosql: list comments by author: %w", err)
		}
	}
	return comments, nil
}

// ListReactionsByUser reads a page of the person's reactions with one
// query on user_ts_idx. The counts rows' user id lists nothing.
func (s *Store) ListReactionsByUser(ctx context.Context, userID string, before store.Cursor, limit int) ([]store.UserReaction, error) {
	if limit <= 0 || len(userID) > maxIDBytes || userID == countsUser {
		return nil, nil
	}
	rows, err := s.c.Query(ctx, userReactionsQuery, map[string]any{
		"$user_id":    userID,
		"$created_ts": before.Nanos(),
		"$image_id":   before.ID,
		"$limit":      limit,
	})
	if err != nil {
		return nil, fmt.Errorf("nosql: list reactions by user: %w", err)
	}
	reactions := make([]store.UserReaction, len(rows))
	for i, row := range rows {
		r := nosqlclient.ReadRow(row)
		reactions[i] = store.UserReaction{
			ImageID:    r.String("image_id"),
			UserID:     r.String("user_id"),
			Kind:       store.Kind(r.Int("kind")),
			CreateTime: r.Time("created_ts"),
		}
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("nosql: list reactions by user: %w", err)
		}
	}
	return reactions, nil
}

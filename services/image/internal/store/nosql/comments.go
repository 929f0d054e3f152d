package nosql

import (
	"context"
	"errors"
	"fmt"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// stateComment is the comment_id of an image's state row among its comment
// rows. FotoGal's comment ids are lower-case base32hex, which has no '#',
// and '#' sorts before each of its characters: every comment id sorts
// after the state row, so that a range starting past it holds comments
// only.
const stateComment = "#state"

// The queries of one image's comments, in the order of the primary key.
const (
	// oldestCommentsQuery reads the comments strictly after $after
	// (never before the state row), oldest first.
	oldestCommentsQuery = "DECLARE $image_id STRING; $after STRING; $limit INTEGER; " +
		"SELECT image_id, comment_id, author_id, comment_text, created_ts FROM " + commentsTable +
		" WHERE image_id = $image_id AND comment_id > $after" +
		" ORDER BY image_id, comment_id LIMIT $limit"
	// newestCommentsQuery reads the newest comments, down to the state
	// row.
	newestCommentsQuery = "DECLARE $image_id STRING; $state STRING; $limit INTEGER; " +
		"SELECT image_id, comment_id, author_id, comment_text, created_ts FROM " + commentsTable +
		" WHERE image_id = $image_id AND comment_id > $state" +
		" ORDER BY image_id DESC, comment_id DESC LIMIT $limit"
	// olderCommentsQuery reads the comments strictly before $before, down
	// to the state row, newest first.
	olderCommentsQuery = "DECLARE $image_id STRING; $state STRING; $before STRING; $limit INTEGER; " +
		"SELECT image_id, comment_id, author_id, comment_text, created_ts FROM " + commentsTable +
		" WHERE image_id = $image_id AND comment_id > $state AND comment_id < $before" +
		" ORDER BY image_id DESC, comment_id DESC LIMIT $limit"
)

// commentStateQueries[k] reads the state rows of 2^k images
// (inListQueries).
var commentStateQueries = inListQueries("$state STRING;",
	"SELECT image_id, comment_count, comments_disabled FROM "+commentsTable,
	"AND comment_id = $state")

// commentState is an image's state row as read, with its version (nil
// when there is none).
type commentState struct {
	store.CommentState
	version types.Version
}

// AddComment writes c and its image's state row with the count one higher
// in one WriteMultiple, retrying after a lost race. Like React, it checks
// that the image exists before and after: if a DeleteImage ran in
// between, it deletes the image's comments itself and answers
// store.ErrNotFound.
func (s *Store) AddComment(ctx context.Context, c store.Comment) error {
	if err := checkID("image", c.ImageID); err != nil {
		return err
	}
	if err := checkID("comment", c.ID); err != nil {
		return err
	}
	if err := checkID("author", c.AuthorID); err != nil {
		return err
	}
	if c.ID <= stateComment {
		return fmt.Errorf("nosql: add comment: comment id %q does not sort after the state row", c.ID)
	}
	if _, err := s.GetImage(ctx, c.ImageID); err != nil {
		return err
	}
	if err := s.writeComment(ctx, c); err != nil {
		return err
	}
	_, err := s.GetImage(ctx, c.ImageID)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.deleteShard(ctx, commentsTable, c.ImageID); err != nil {
			return err
		}
	}
	return err
}

// writeComment puts c if absent and the state row with the count one
// higher if its version is the one read, both in one WriteMultiple that
// either fails, reading the state again after a random wait when it lost
// a race with another writer.
func (s *Store) writeComment(ctx context.Context, c store.Comment) error {
	row := encodeComment(c)
	for attempt := range maxWriteAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		state, err := s.getCommentState(ctx, c.ImageID)
		if err != nil {
			return err
		}
		if state.Disabled {
			return store.ErrCommentsDisabled
		}
		req := &nosqldb.WriteMultipleRequest{TableName: commentsTable}
		put := &nosqldb.PutRequest{TableName: commentsTable, Value: row, PutOption: types.PutIfAbsent, ReturnRow: true}
		if err := req.AddPutRequest(put, true); err != nil {
			return fmt.Errorf("nosql: add comment: %w", err)
		}
		state.Count++
		if err := req.AddPutRequest(conditionalPut(commentsTable, encodeCommentState(c.ImageID, state.CommentState), state.version), true); err != nil {
			return fmt.Errorf("nosql: add comment: %w", err)
		}
		res, err := s.c.WriteMultiple(ctx, req)
		if err != nil {
			return fmt.Errorf("nosql: add comment: %w", err)
		}
		if res.IsSuccess() {
			return nil
		}
		if res.FailedOperationIndex == 0 {
			return existingComment(res.GetFailedOperationResult(), c)
		}
	}
	return fmt.Errorf("nosql: add comment to %s: %d lost races: %w", c.ImageID, maxWriteAttempts, store.ErrConflict)
}

// existingComment answers a put of c that failed because a comment with
// its id exists: nil when that comment equals c, a write of this call
// applied by an attempt whose answer was lost, store.ErrConflict
// otherwise.
func existingComment(failed *nosqldb.OperationResult, c store.Comment) error {
	if failed != nil && failed.ExistingValue != nil {
		if existing, err := decodeComment(failed.ExistingValue); err == nil && existing == c {
			return nil
		}
	}
	return store.ErrConflict
}

// GetComment reads the comment by its key, or store.ErrNotFound.
func (s *Store) GetComment(ctx context.Context, imageID, commentID string) (store.Comment, error) {
	c, _, err := s.getComment(ctx, imageID, commentID)
	return c, err
}

// getComment reads the comment and the version of its row. The state row
// and ids longer than the keys hold are not comments: store.ErrNotFound.
func (s *Store) getComment(ctx context.Context, imageID, commentID string) (store.Comment, types.Version, error) {
	if len(imageID) > maxIDBytes || len(commentID) > maxIDBytes || commentID <= stateComment {
		return store.Comment{}, nil, store.ErrNotFound
	}
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: commentsTable, Key: commentKey(imageID, commentID)})
	if err != nil {
		return store.Comment{}, nil, fmt.Errorf("nosql: get comment: %w", err)
	}
	if res.Value == nil {
		return store.Comment{}, nil, store.ErrNotFound
	}
	c, err := decodeComment(res.Value)
	if err != nil {
		return store.Comment{}, nil, fmt.Errorf("nosql: get comment %s/%s: %w", imageID, commentID, err)
	}
	return c, res.Version, nil
}

// ListComments reads a page of the image's comments with one query in its
// shard, a range of the primary key that starts past the state row.
func (s *Store) ListComments(ctx context.Context, q store.CommentQuery) ([]store.Comment, error) {
	if q.Limit <= 0 || len(q.ImageID) > maxIDBytes {
		return nil, nil
	}
	query, binds := oldestCommentsQuery, map[string]any{"$image_id": q.ImageID, "$limit": q.Limit, "$after": max(q.After, stateComment)}
	if q.NewestFirst {
		query, binds = newestCommentsQuery, map[string]any{"$image_id": q.ImageID, "$limit": q.Limit, "$state": stateComment}
		if q.After != "" {
			query, binds["$before"] = olderCommentsQuery, q.After
		}
	}
	rows, err := s.c.Query(ctx, query, binds)
	if err != nil {
		return nil, fmt.Errorf("nosql: list comments: %w", err)
	}
	comments := make([]store.Comment, len(rows))
	for i, row := range rows {
		if comments[i], err = decodeComment(row); err != nil {
			return nil, fmt.Errorf("nosql: list comments: %w", err)
		}
	}
	return comments, nil
}

// DeleteComment deletes the comment if its version is the one read and
// puts the state row with the count one lower if its version is the one
// read, in one WriteMultiple, retrying from the reads after a lost race.
func (s *Store) DeleteComment(ctx context.Context, imageID, commentID string) (store.Comment, error) {
	for attempt := range maxWriteAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return store.Comment{}, err
			}
		}
		c, version, err := s.getComment(ctx, imageID, commentID)
		if err != nil {
			return store.Comment{}, err
		}
		state, err := s.getCommentState(ctx, imageID)
		if err != nil {
			return store.Comment{}, err
		}
		req := &nosqldb.WriteMultipleRequest{TableName: commentsTable}
		del := &nosqldb.DeleteRequest{TableName: commentsTable, Key: commentKey(imageID, commentID), MatchVersion: version}
		if err := req.AddDeleteRequest(del, true); err != nil {
			return store.Comment{}, fmt.Errorf("nosql: delete comment: %w", err)
		}
		// Without a state row, a comment can only be a leftover of an
		// interrupted DeleteImage: removing it needs no count.
		if state.version != nil {
			state.Count--
			if err := req.AddPutRequest(conditionalPut(commentsTable, encodeCommentState(imageID, state.CommentState), state.version), true); err != nil {
				return store.Comment{}, fmt.Errorf("nosql: delete comment: %w", err)
			}
		}
		res, err := s.c.WriteMultiple(ctx, req)
		if err != nil {
			return store.Comment{}, fmt.Errorf("nosql: delete comment: %w", err)
		}
		if res.IsSuccess() {
			return c, nil
		}
	}
	return store.Comment{}, fmt.Errorf("nosql: delete comment %s/%s: %d lost races: %w", imageID, commentID, maxWriteAttempts, store.ErrConflict)
}

// SetCommentsDisabled puts the image's state row with disabled and the
// count kept, conditional on the version read, retrying after a lost
// race. Like AddComment, it checks that the image exists before and after
// the write.
func (s *Store) SetCommentsDisabled(ctx context.Context, imageID string, disabled bool) error {
	if _, err := s.GetImage(ctx, imageID); err != nil {
		return err
	}
	wrote, err := s.writeCommentsDisabled(ctx, imageID, disabled)
	if err != nil || !wrote {
		return err
	}
	_, err = s.GetImage(ctx, imageID)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.deleteShard(ctx, commentsTable, imageID); err != nil {
			return err
		}
	}
	return err
}

// writeCommentsDisabled sets the state row's comments_disabled, and
// reports whether it wrote anything: a state that says so already, or no
// state row when comments are to be on, is left as it is.
func (s *Store) writeCommentsDisabled(ctx context.Context, imageID string, disabled bool) (bool, error) {
	for attempt := range maxWriteAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return false, err
			}
		}
		state, err := s.getCommentState(ctx, imageID)
		if err != nil {
			return false, err
		}
		if state.Disabled == disabled {
			return false, nil
		}
		state.Disabled = disabled
		res, err := s.c.Put(ctx, conditionalPut(commentsTable, encodeCommentState(imageID, state.CommentState), state.version))
		if err != nil {
			return false, fmt.Errorf("nosql: set comments disabled: %w", err)
		}
		if res.Success() {
			return true, nil
		}
	}
	return false, fmt.Errorf("nosql: set comments disabled on %s: %d lost races: %w", imageID, maxWriteAttempts, store.ErrConflict)
}

// CommentStates reads the state rows of imageIDs: one query per maxInList
// images.
func (s *Store) CommentStates(ctx context.Context, imageIDs []string) (map[string]store.CommentState, error) {
	out := make(map[string]store.CommentState, len(imageIDs))
	var ids []string
	for _, id := range unique(imageIDs) {
		out[id] = store.CommentState{}
		if len(id) <= maxIDBytes {
			ids = append(ids, id)
		}
	}
	rows, err := s.queryImageIDs(ctx, commentStateQueries, ids, map[string]any{"$state": stateComment})
	if err != nil {
		return nil, fmt.Errorf("nosql: read comment states: %w", err)
	}
	for _, row := range rows {
		r := nosqlclient.ReadRow(row)
		id := r.String("image_id")
		state := decodeCommentState(r)
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("nosql: read comment states: %w", err)
		}
		out[id] = state
	}
	return out, nil
}

// getCommentState reads the image's state row with its version; the zero
// state, with no version, when there is none.
func (s *Store) getCommentState(ctx context.Context, imageID string) (commentState, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: commentsTable, Key: commentKey(imageID, stateComment)})
	if err != nil {
		return commentState{}, fmt.Errorf("nosql: get comment state: %w", err)
	}
	if res.Value == nil {
		return commentState{}, nil
	}
	r := nosqlclient.ReadRow(res.Value)
	state := commentState{CommentState: decodeCommentState(r), version: res.Version}
	if err := r.Err(); err != nil {
		return commentState{}, fmt.Errorf("nosql: get comment state of %s: %w", imageID, err)
	}
	return state, nil
}

// commentKey is the primary key of a comment row, or of the state row
// under stateComment.
func commentKey(imageID, commentID string) *types.MapValue {
	return types.NewMapValue(map[string]any{"image_id": imageID, "comment_id": commentID})
}

// encodeComment returns the row of c; its state columns are NULL.
func encodeComment(c store.Comment) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"image_id":     c.ImageID,
		"comment_id":   c.ID,
		"author_id":    c.AuthorID,
		"comment_text": c.Text,
		"created_ts":   c.CreateTime.UnixNano(),
	})
}

// decodeComment reads a comment from its row.
func decodeComment(row *types.MapValue) (store.Comment, error) {
	r := nosqlclient.ReadRow(row)
	c := store.Comment{
		ImageID:    r.String("image_id"),
		ID:         r.String("comment_id"),
		AuthorID:   r.String("author_id"),
		Text:       r.String("comment_text"),
		CreateTime: r.Time("created_ts"),
	}
	return c, r.Err()
}

// encodeCommentState returns the state row of the image; its comment
// columns are NULL.
func encodeCommentState(imageID string, state store.CommentState) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"image_id":          imageID,
		"comment_id":        stateComment,
		"comment_count":     state.Count,
		"comments_disabled": state.Disabled,
	})
}

// decodeCommentState reads the state columns of a state row.
func decodeCommentState(r *nosqlclient.Row) store.CommentState {
	return store.CommentState{Count: r.Long("comment_count"), Disabled: r.Bool("comments_disabled")}
}

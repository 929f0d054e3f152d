package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// The statements of the deletion of an account, each deleting up to ? rows
// of one account found by one seek: of the primary key of timeline or of
// notifications, or of timeline_by_owner or notifications_by_actor.
const (
	deleteReaderEntries = `DELETE FROM timeline WHERE (reader_id, created_ts, image_id) IN (
	SELECT reader_id, created_ts, image_id FROM timeline WHERE reader_id = ? LIMIT ?)`
	deleteOwnerEntries = `DELETE FROM timeline WHERE (reader_id, created_ts, image_id) IN (
	SELECT reader_id, created_ts, image_id FROM timeline WHERE owner_id = ? LIMIT ?)`
	deleteRecipientNotifications = `DELETE FROM notifications WHERE (recipient_id, notification_id) IN (
	SELECT recipient_id, notification_id FROM notifications WHERE recipient_id = ? LIMIT ?)`
	deleteActorNotifications = `DELETE FROM notifications WHERE (recipient_id, notification_id) IN (
	SELECT recipient_id, notification_id FROM notifications WHERE actor_id = ? LIMIT ?)`
)

// DeleteTimeline deletes the reader's row and up to the rest of limit of
// its entries, in one transaction.
func (s *Store) DeleteTimeline(ctx context.Context, readerID string, limit int) (int, error) {
	n, err := s.deleteWithHead(ctx, limit, `DELETE FROM readers WHERE reader_id = ?`, deleteReaderEntries, readerID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete timeline of %s: %w", readerID, err)
	}
	return n, nil
}

// DeleteOwnerEntries deletes up to limit entries of the owner's photos,
// found through timeline_by_owner, in one statement.
func (s *Store) DeleteOwnerEntries(ctx context.Context, ownerID string, limit int) (int, error) {
	n, err := s.deleteWithHead(ctx, limit, "", deleteOwnerEntries, ownerID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete entries of the photos of %s: %w", ownerID, err)
	}
	return n, nil
}

// DeleteCelebrity deletes the owner's row of celebrities.
func (s *Store) DeleteCelebrity(ctx context.Context, ownerID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM celebrities WHERE owner_id = ?`, ownerID); err != nil {
		return fmt.Errorf("sqlite: delete celebrity mark of %s: %w", ownerID, err)
	}
	return nil
}

// DeleteInbox deletes the recipient's read mark and up to the rest of
// limit of their notifications, in one transaction.
func (s *Store) DeleteInbox(ctx context.Context, recipientID string, limit int) (int, error) {
	n, err := s.deleteWithHead(ctx, limit, `DELETE FROM read_marks WHERE recipient_id = ?`, deleteRecipientNotifications, recipientID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete inbox of %s: %w", recipientID, err)
	}
	return n, nil
}

// DeleteActorNotifications deletes up to limit notifications of the actor,
// found through notifications_by_actor, in one statement.
func (s *Store) DeleteActorNotifications(ctx context.Context, actorID string, limit int) (int, error) {
	n, err := s.deleteWithHead(ctx, limit, "", deleteActorNotifications, actorID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete notifications by %s: %w", actorID, err)
	}
	return n, nil
}

// deleteWithHead runs, in one transaction, head (when not empty: a
// deletion of one row of id, which then counts towards limit) and batch,
// a deletion of up to ? rows of id, with what is left of limit. It returns
// how many rows the two deleted.
func (s *Store) deleteWithHead(ctx context.Context, limit int, head, batch, id string) (int, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("limit %d", limit)
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if head != "" {
			res, err := tx.ExecContext(ctx, head, id)
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, batch, id, int64(limit)-n)
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		n += rows
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

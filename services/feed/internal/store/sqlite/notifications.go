package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// sweepBatch is how many rows past their retention ApplyNotifications
// deletes of each kind (tombstones, live rows) beyond one per notification
// it writes: more than it can add, so that old rows never pile up.
const sweepBatch = 16

// sweepNotifications deletes up to ? rows of notifications whose
// retracted is ? and whose event is at ? or older.
const sweepNotifications = `DELETE FROM notifications WHERE (recipient_id, notification_id) IN (
	SELECT recipient_id, notification_id FROM notifications WHERE retracted = ? AND event_ts <= ? LIMIT ?)`

// applyNotification writes one notification unless the row in place is as
// new or newer by (event_ts, event_id).
const applyNotification = `INSERT INTO notifications (recipient_id, notification_id, kind, actor_id, image_id, comment_id,
		notification_text, event_ts, event_id, retracted)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (recipient_id, notification_id) DO UPDATE SET
		kind = excluded.kind, actor_id = excluded.actor_id, image_id = excluded.image_id,
		comment_id = excluded.comment_id, notification_text = excluded.notification_text,
		event_ts = excluded.event_ts, event_id = excluded.event_id, retracted = excluded.retracted
	WHERE (excluded.event_ts, excluded.event_id) > (notifications.event_ts, notifications.event_id)`

// ApplyNotifications sweeps rows past their retention and upserts each of
// ns, one statement per notification, all in one transaction.
func (s *Store) ApplyNotifications(ctx context.Context, ns []store.Notification) error {
	now := time.Now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		sweeps := []struct {
			retracted bool
			keep      time.Duration
		}{{true, store.TombstoneRetention}, {false, store.NotificationRetention}}
		for _, sw := range sweeps {
			if _, err := tx.ExecContext(ctx, sweepNotifications, sw.retracted, unixnano.FromTime(now.Add(-sw.keep)), len(ns)+sweepBatch); err != nil {
				return fmt.Errorf("sweep: %w", err)
			}
		}
		stmt, err := tx.PrepareContext(ctx, applyNotification)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, n := range ns {
			_, err := stmt.ExecContext(ctx, n.RecipientID, n.ID, int(n.Kind), n.ActorID, n.ImageID, n.CommentID,
				n.Text, unixnano.FromTime(n.EventTime), n.EventID, n.Retracted)
			if err != nil {
				return fmt.Errorf("notification %s of %s: %w", n.ID, n.RecipientID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: apply notifications: %w", err)
	}
	return nil
}

// notificationsQuery reads a page of an inbox with one range scan of
// notifications_by_time: live rows newer than a cutoff, newest first,
// strictly before a cursor unless fromNewest.
func notificationsQuery(fromNewest bool) string {
	before := " AND (event_ts, notification_id) < (?, ?)"
	if fromNewest {
		before = ""
	}
	return `SELECT notification_id, kind, actor_id, image_id, comment_id, notification_text, event_ts, event_id
		FROM notifications
		WHERE recipient_id = ? AND retracted = 0 AND event_ts > ?` + before + `
		ORDER BY event_ts DESC, notification_id DESC LIMIT ?`
}

// ListNotifications reads a page of recipientID's live notifications.
func (s *Store) ListNotifications(ctx context.Context, recipientID string, before store.NotificationCursor, limit int) ([]store.Notification, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: list notifications: limit %d", limit)
	}
	fromNewest := before == store.NotificationCursor{}
	args := []any{recipientID, unixnano.FromTime(time.Now().Add(-store.NotificationRetention))}
	if !fromNewest {
		args = append(args, unixnano.FromTime(before.EventTime), before.ID)
	}
	rows, err := s.db.QueryContext(ctx, notificationsQuery(fromNewest), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list notifications: %w", err)
	}
	var ns []store.Notification
	for rows.Next() {
		n := store.Notification{RecipientID: recipientID}
		var (
			kind int
			ts   int64
		)
		if err := rows.Scan(&n.ID, &kind, &n.ActorID, &n.ImageID, &n.CommentID, &n.Text, &ts, &n.EventID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: list notifications: %w", err)
		}
		n.Kind, n.EventTime = activity.Kind(kind), unixnano.ToTime(ts)
		ns = append(ns, n)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("sqlite: list notifications: %w", err)
	}
	return ns, nil
}

// DeleteNotifications deletes the rows of ids in one statement per batch
// of maxBatch ids.
func (s *Store) DeleteNotifications(ctx context.Context, recipientID string, ids []string) error {
	for start := 0; start < len(ids); start += maxBatch {
		batch := ids[start:min(start+maxBatch, len(ids))]
		_, err := s.db.ExecContext(ctx, `DELETE FROM notifications WHERE recipient_id = ? AND notification_id IN `+placeholders(len(batch)),
			append([]any{recipientID}, anys(batch)...)...)
		if err != nil {
			return fmt.Errorf("sqlite: delete notifications: %w", err)
		}
	}
	return nil
}

// ReadMark reads recipientID's row of read_marks.
func (s *Store) ReadMark(ctx context.Context, recipientID string) (time.Time, error) {
	var ts int64
	err := s.db.QueryRowContext(ctx, `SELECT read_ts FROM read_marks WHERE recipient_id = ?`, recipientID).Scan(&ts)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: read mark: %w", err)
	}
	return unixnano.ToTime(ts), nil
}

// AdvanceReadMark writes the later of t and the mark in place, in one
// statement.
func (s *Store) AdvanceReadMark(ctx context.Context, recipientID string, t time.Time) (time.Time, error) {
	if !t.After(time.Time{}) {
		// Not after the mark of someone who never marked any: nothing moves.
		return s.ReadMark(ctx, recipientID)
	}
	var ts int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO read_marks (recipient_id, read_ts) VALUES (?, ?)
		ON CONFLICT (recipient_id) DO UPDATE SET read_ts = max(read_ts, excluded.read_ts)
		RETURNING read_ts`, recipientID, unixnano.FromTime(t)).Scan(&ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: advance read mark: %w", err)
	}
	return unixnano.ToTime(ts), nil
}

// ActivityCursor reads source's row of activity_cursors.
func (s *Store) ActivityCursor(ctx context.Context, source string) (activity.Cursor, error) {
	var (
		c  activity.Cursor
		ts int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT cursor_ts, cursor_event_id FROM activity_cursors WHERE source = ?`, source).Scan(&ts, &c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return activity.Cursor{}, store.ErrNotFound
	}
	if err != nil {
		return activity.Cursor{}, fmt.Errorf("sqlite: activity cursor of %s: %w", source, err)
	}
	c.Time = unixnano.ToTime(ts)
	return c, nil
}

// AdvanceActivityCursor writes source's cursor unless the one in place is
// as far or further, in one statement.
func (s *Store) AdvanceActivityCursor(ctx context.Context, source string, c activity.Cursor) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO activity_cursors (source, cursor_ts, cursor_event_id) VALUES (?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET cursor_ts = excluded.cursor_ts, cursor_event_id = excluded.cursor_event_id
		WHERE (excluded.cursor_ts, excluded.cursor_event_id) > (activity_cursors.cursor_ts, activity_cursors.cursor_event_id)`,
		source, unixnano.FromTime(c.Time), c.ID)
	if err != nil {
		return fmt.Errorf("sqlite: advance activity cursor of %s: %w", source, err)
	}
	return nil
}

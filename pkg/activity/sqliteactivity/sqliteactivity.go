// Package sqliteactivity is the SQLite adapter of the activity-log port
// (pkg/activity): one table per service, one row per event, keyed by
// event_id, with the event's time in event_ts (UTC Unix nanoseconds), its
// kind, the ids of the actor, the recipient, the photo and the comment,
// its event_text (empty when it has none) and retracted (0 or 1).
//
// The index <table>_by_time on (event_ts, event_id) is the log's order:
// ListEventsAfter is a range seek on it, strictly after the cursor, oldest
// first. The indexes <table>_by_actor and <table>_by_recipient find a
// person's events when their account is deleted. AppendEvents writes its events in one transaction, each an
// INSERT ... ON CONFLICT DO NOTHING, so that an event already there (a
// retry) is left as it is. Event ids are at most 26 bytes, the length of
// activity.NewID's: AppendEvents refuses longer ones, as the NoSQL adapter
// must for its 64-byte keys, so that both take the same events.
//
// # Retention
//
// Events older than activity.Retention, by their time against the clock at
// the call, are never listed, and an append does not write them. Each
// AppendEvents first deletes up to sweepBatch rows older than that, the
// oldest first by the index, so that old events never pile up.
package sqliteactivity

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/unixnano"
)

var _ activity.Log = (*Log)(nil)

// sweepBatch is how many rows older than the retention each append
// deletes: more than the few events an append adds, so that old events
// never pile up.
const sweepBatch = 16

// maxIDLen is the longest event id the log takes, that of activity.NewID.
// The NoSQL adapter needs the bound for its key sizes; this one keeps it
// too, so that both take the same events.
const maxIDLen = 26

// Schema returns the DDL of an activity table named table (a constant of
// the caller's, never user input): the table and the index on (event_ts,
// event_id) that listing and the sweep read, as CREATE ... IF NOT EXISTS
// statements.
func Schema(table string) string {
	return `CREATE TABLE IF NOT EXISTS ` + table + ` (
	event_id     TEXT    NOT NULL PRIMARY KEY,
	event_ts     INTEGER NOT NULL,
	kind         INTEGER NOT NULL,
	actor_id     TEXT    NOT NULL,
	recipient_id TEXT    NOT NULL,
	image_id     TEXT    NOT NULL,
	comment_id   TEXT    NOT NULL,
	event_text   TEXT    NOT NULL,
	retracted    INTEGER NOT NULL CHECK (retracted IN (0, 1))
) STRICT;
CREATE INDEX IF NOT EXISTS ` + table + `_by_time ON ` + table + ` (event_ts, event_id);
CREATE INDEX IF NOT EXISTS ` + table + `_by_actor ON ` + table + ` (actor_id);
CREATE INDEX IF NOT EXISTS ` + table + `_by_recipient ON ` + table + ` (recipient_id);
`
}

// Log is an activity.Log in one table of a SQLite database.
type Log struct {
	db *sql.DB
	// The statements, on the table.
	sweep, insert, list, deleteOf string
}

// New returns the log in table of db, a table that Schema(table) created.
func New(db *sql.DB, table string) *Log {
	return &Log{
		db: db,
		sweep: `DELETE FROM ` + table + ` WHERE event_id IN (
			SELECT event_id FROM ` + table + ` WHERE event_ts < ? ORDER BY event_ts LIMIT ?)`,
		insert: `INSERT INTO ` + table + ` (event_id, event_ts, kind, actor_id, recipient_id, image_id, comment_id, event_text, retracted)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (event_id) DO NOTHING`,
		list: `SELECT event_id, event_ts, kind, actor_id, recipient_id, image_id, comment_id, event_text, retracted
		FROM ` + table + `
		WHERE (event_ts, event_id) > (?, ?)
		ORDER BY event_ts, event_id LIMIT ?`,
		deleteOf: `DELETE FROM ` + table + ` WHERE actor_id = ? OR recipient_id = ?`,
	}
}

// DeleteEventsOf deletes the events of userID, as actor or recipient, in
// one statement that the two indexes serve.
func (l *Log) DeleteEventsOf(ctx context.Context, userID string) error {
	if _, err := l.db.ExecContext(ctx, l.deleteOf, userID, userID); err != nil {
		return fmt.Errorf("sqlite: delete events of %s: %w", userID, err)
	}
	return nil
}

// AppendEvents writes events in one transaction, leaving those whose id is
// there already, and skipping those older than the retention. It first
// deletes up to sweepBatch rows older than the retention.
func (l *Log) AppendEvents(ctx context.Context, events ...activity.Event) error {
	if len(events) == 0 {
		return nil
	}
	for _, ev := range events {
		if len(ev.ID) == 0 || len(ev.ID) > maxIDLen {
			return fmt.Errorf("sqlite: append events: event id %q is not 1 to %d bytes", ev.ID, maxIDLen)
		}
	}
	oldest := time.Now().Add(-activity.Retention)
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: append events: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, l.sweep, unixnano.FromTime(oldest), sweepBatch); err != nil {
		return fmt.Errorf("sqlite: sweep events: %w", err)
	}
	for _, ev := range events {
		if ev.Time.Before(oldest) {
			continue
		}
		_, err := tx.ExecContext(ctx, l.insert, ev.ID, unixnano.FromTime(ev.Time), int(ev.Kind),
			ev.ActorID, ev.RecipientID, ev.ImageID, ev.CommentID, ev.Text, ev.Retracted)
		if err != nil {
			return fmt.Errorf("sqlite: append event %s: %w", ev.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: append events: %w", err)
	}
	return nil
}

// ListEventsAfter returns up to limit events strictly after the cursor,
// oldest first, leaving out those older than the retention.
func (l *Log) ListEventsAfter(ctx context.Context, after activity.Cursor, limit int) ([]activity.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	ts, id := start(after, time.Now())
	rows, err := l.db.QueryContext(ctx, l.list, ts, id, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list events: %w", err)
	}
	defer rows.Close()
	var events []activity.Event
	for rows.Next() {
		var (
			ev    activity.Event
			nanos int64
		)
		err := rows.Scan(&ev.ID, &nanos, &ev.Kind, &ev.ActorID, &ev.RecipientID, &ev.ImageID, &ev.CommentID, &ev.Text, &ev.Retracted)
		if err != nil {
			return nil, fmt.Errorf("sqlite: read event: %w", err)
		}
		ev.Time = unixnano.ToTime(nanos)
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list events: %w", err)
	}
	return events, nil
}

// start returns the position a listing at now reads strictly after: the
// cursor, or, when the cursor is older than the retention, the oldest time
// kept with the empty id, which every event's id follows.
func start(after activity.Cursor, now time.Time) (int64, string) {
	ts, oldest := unixnano.FromTime(after.Time), unixnano.FromTime(now.Add(-activity.Retention))
	if ts < oldest {
		return oldest, ""
	}
	return ts, after.ID
}

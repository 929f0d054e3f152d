// Package sqlite is the feed's embedded store: one SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode.
//
// The tables mirror what the Oracle NoSQL adapter keeps: timeline, one row
// per photo per reader, clustered on its key (reader_id, created_ts,
// image_id) so that a page is one range scan; readers, one row per reader;
// tailer, the single row of the posting-log cursor; activity_cursors, one
// row per activity log tailed ("image", "user"); and celebrities, one row
// per account marked. Times are nanoseconds since 1970. Where NoSQL writes
// the rows of one shard key with one WriteMultiple, this adapter uses one
// transaction. timeline_by_owner, an index on owner_id, finds the entries
// of a deleted account's photos in every timeline.
//
// notifications holds the inboxes, one row per (recipient_id,
// notification_id), tombstones (retracted = 1) included. A page of an inbox
// is one range scan of notifications_by_time, an index of the live rows
// only (WHERE retracted = 0) on (recipient_id, event_ts, notification_id),
// so that LIMIT counts live rows and no tombstone is read. Each
// ApplyNotifications writes every row with one upsert that changes a row
// only when the event is newer by (event_ts, event_id), all in one
// transaction, which first deletes a few rows past their retention by
// event time: tombstones after store.TombstoneRetention, live rows after
// store.NotificationRetention, found by seeks of notifications_by_age
// (retracted, event_ts). Reads leave out live rows past their retention
// that no sweep has reached yet. The read marks are a table of their own,
// read_marks, one row per recipient who marked any. notifications_by_actor,
// an index on actor_id, finds the notifications a deleted account caused
// in every inbox.
//
// Each deletion of an account's rows (deletion.go) is one transaction that
// deletes a batch found by a seek of a primary key or of one of those
// indexes, LIMIT the batch: DELETE ... WHERE key IN (SELECT key ... LIMIT ?).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/sqlitedb"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// Store is a store.Store on a SQLite file.
type Store struct {
	db *sql.DB
}

var _ store.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS timeline (
	reader_id  TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	image_id   TEXT NOT NULL,
	owner_id   TEXT NOT NULL,
	PRIMARY KEY (reader_id, created_ts, image_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timeline_by_owner ON timeline (owner_id);
CREATE TABLE IF NOT EXISTS readers (
	reader_id         TEXT PRIMARY KEY,
	follows_synced_ts INTEGER NOT NULL,
	floor_ts          INTEGER NOT NULL,
	floor_image_id    TEXT NOT NULL,
	version           INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS celebrities (
	owner_id  TEXT PRIMARY KEY,
	marked_ts INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS tailer (
	id              INTEGER PRIMARY KEY CHECK (id = 1),
	cursor_ts       INTEGER NOT NULL,
	cursor_image_id TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS activity_cursors (
	source          TEXT PRIMARY KEY,
	cursor_ts       INTEGER NOT NULL,
	cursor_event_id TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS notifications (
	recipient_id      TEXT NOT NULL,
	notification_id   TEXT NOT NULL,
	kind              INTEGER NOT NULL,
	actor_id          TEXT NOT NULL,
	image_id          TEXT NOT NULL,
	comment_id        TEXT NOT NULL,
	notification_text TEXT NOT NULL,
	event_ts          INTEGER NOT NULL,
	event_id          TEXT NOT NULL,
	retracted         INTEGER NOT NULL CHECK (retracted IN (0, 1)),
	PRIMARY KEY (recipient_id, notification_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS notifications_by_time ON notifications (recipient_id, event_ts, notification_id) WHERE retracted = 0;
CREATE INDEX IF NOT EXISTS notifications_by_age ON notifications (retracted, event_ts);
CREATE INDEX IF NOT EXISTS notifications_by_actor ON notifications (actor_id);
CREATE TABLE IF NOT EXISTS read_marks (
	recipient_id TEXT PRIMARY KEY,
	read_ts      INTEGER NOT NULL
) STRICT;
`

// Open opens (creating if needed) the SQLite database at path and its
// tables.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitedb.Open(ctx, path, schema)
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// GetReader returns the state of a reader's timeline.
func (s *Store) GetReader(ctx context.Context, readerID string) (store.Reader, error) {
	return getReader(ctx, s.db, readerID)
}

// queryer is what *sql.DB and *sql.Tx have in common here.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getReader(ctx context.Context, q queryer, readerID string) (store.Reader, error) {
	r := store.Reader{ID: readerID}
	var synced, floor int64
	err := q.QueryRowContext(ctx, `SELECT follows_synced_ts, floor_ts, floor_image_id, version
		FROM readers WHERE reader_id = ?`, readerID).Scan(&synced, &floor, &r.Floor.ImageID, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Reader{}, store.ErrNotFound
	}
	if err != nil {
		return store.Reader{}, err
	}
	r.FollowsSyncedAt, r.Floor.CreatedAt = unixnano.ToTime(synced), unixnano.ToTime(floor)
	return r, nil
}

// CreateReader writes r unless the reader exists.
func (s *Store) CreateReader(ctx context.Context, r store.Reader) (store.Reader, error) {
	var got store.Reader
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO readers (reader_id, follows_synced_ts, floor_ts, floor_image_id, version)
			VALUES (?, ?, ?, ?, 1) ON CONFLICT DO NOTHING`,
			r.ID, unixnano.FromTime(r.FollowsSyncedAt), unixnano.FromTime(r.Floor.CreatedAt), r.Floor.ImageID)
		if err != nil {
			return err
		}
		got, err = getReader(ctx, tx, r.ID)
		return err
	})
	return got, err
}

// Backfill adds entries and updates the reader in one transaction.
func (s *Store) Backfill(ctx context.Context, readerID string, entries []store.Entry, update func(*store.Reader)) (store.Reader, error) {
	for _, e := range entries {
		if e.ReaderID != readerID {
			return store.Reader{}, fmt.Errorf("sqlite: backfill of %s with an entry of %s", readerID, e.ReaderID)
		}
	}
	var written store.Reader
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := getReader(ctx, tx, readerID)
		if err != nil {
			return err
		}
		update(&r)
		r.ID, r.Version = readerID, r.Version+1
		if err := insertEntries(ctx, tx, entries); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE readers SET follows_synced_ts = ?, floor_ts = ?, floor_image_id = ?, version = ?
			WHERE reader_id = ?`,
			unixnano.FromTime(r.FollowsSyncedAt), unixnano.FromTime(r.Floor.CreatedAt), r.Floor.ImageID, r.Version, readerID)
		written = r
		return err
	})
	if err != nil {
		return store.Reader{}, err
	}
	return written, nil
}

// insertEntries adds entries in tx, leaving those already there.
func insertEntries(ctx context.Context, tx *sql.Tx, entries []store.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO timeline (reader_id, created_ts, image_id, owner_id)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, e := range entries {
		if _, err := stmt.ExecContext(ctx, e.ReaderID, unixnano.FromTime(e.CreatedAt), e.ImageID, e.OwnerID); err != nil {
			return err
		}
	}
	return nil
}

// entriesQuery reads a stretch of a timeline with one range scan of its
// primary key: the entries strictly older than a position, or at it too
// when inclusive, and at a floor or newer.
func entriesQuery(inclusive bool) string {
	upper := "<"
	if inclusive {
		upper = "<="
	}
	return `SELECT created_ts, image_id, owner_id FROM timeline
		WHERE reader_id = ? AND (created_ts, image_id) ` + upper + ` (?, ?) AND (created_ts, image_id) >= (?, ?)
		ORDER BY created_ts DESC, image_id DESC LIMIT ?`
}

// ListEntries reads a stretch of a timeline.
func (s *Store) ListEntries(ctx context.Context, q store.EntryQuery) ([]store.Entry, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("sqlite: limit %d", q.Limit)
	}
	rows, err := s.db.QueryContext(ctx, entriesQuery(q.IncludeBefore),
		q.ReaderID, unixnano.FromTime(q.Before.CreatedAt), q.Before.ImageID, unixnano.FromTime(q.Floor.CreatedAt), q.Floor.ImageID, q.Limit)
	if err != nil {
		return nil, err
	}
	var entries []store.Entry
	for rows.Next() {
		e := store.Entry{ReaderID: q.ReaderID}
		var ts int64
		if err := rows.Scan(&ts, &e.ImageID, &e.OwnerID); err != nil {
			rows.Close()
			return nil, err
		}
		e.CreatedAt = unixnano.ToTime(ts)
		entries = append(entries, e)
	}
	return entries, closeRows(rows)
}

// DeleteEntries deletes entries of a reader whose version is unchanged.
func (s *Store) DeleteEntries(ctx context.Context, readerID string, positions []store.Position, version int64) (bool, error) {
	var deleted bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := getReader(ctx, tx, readerID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil || r.Version != version {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `DELETE FROM timeline WHERE reader_id = ? AND created_ts = ? AND image_id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, p := range positions {
			if _, err := stmt.ExecContext(ctx, readerID, unixnano.FromTime(p.CreatedAt), p.ImageID); err != nil {
				return err
			}
		}
		deleted = true
		return nil
	})
	return deleted, err
}

// maxBatch bounds the bind variables of one IN list.
const maxBatch = 500

// FilterReaders returns those of ids that have a timeline.
func (s *Store) FilterReaders(ctx context.Context, ids []string) ([]string, error) {
	var found []string
	for start := 0; start < len(ids); start += maxBatch {
		batch := ids[start:min(start+maxBatch, len(ids))]
		rows, err := s.db.QueryContext(ctx, `SELECT reader_id FROM readers WHERE reader_id IN `+placeholders(len(batch)), anys(batch)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			found = append(found, id)
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// maxEntriesPerTx bounds the entries AddEntries writes in one transaction,
// so that the write lock is never held long.
const maxEntriesPerTx = 1000

// AddEntries adds entries of any readers, a batch per transaction.
func (s *Store) AddEntries(ctx context.Context, entries []store.Entry) error {
	for start := 0; start < len(entries); start += maxEntriesPerTx {
		batch := entries[start:min(start+maxEntriesPerTx, len(entries))]
		if err := s.inTx(ctx, func(tx *sql.Tx) error { return insertEntries(ctx, tx, batch) }); err != nil {
			return err
		}
	}
	return nil
}

// TailCursor returns the tail cursor.
func (s *Store) TailCursor(ctx context.Context) (store.Position, error) {
	return tailCursor(ctx, s.db)
}

func tailCursor(ctx context.Context, q queryer) (store.Position, error) {
	var (
		p  store.Position
		ts int64
	)
	err := q.QueryRowContext(ctx, `SELECT cursor_ts, cursor_image_id FROM tailer WHERE id = 1`).Scan(&ts, &p.ImageID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Position{}, store.ErrNotFound
	}
	p.CreatedAt = unixnano.ToTime(ts)
	return p, err
}

// InitTailCursor sets the tail cursor unless it is set.
func (s *Store) InitTailCursor(ctx context.Context, p store.Position) (store.Position, error) {
	var got store.Position
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tailer (id, cursor_ts, cursor_image_id) VALUES (1, ?, ?) ON CONFLICT DO NOTHING`,
			unixnano.FromTime(p.CreatedAt), p.ImageID)
		if err != nil {
			return err
		}
		got, err = tailCursor(ctx, tx)
		return err
	})
	return got, err
}

// AdvanceTailCursor moves the tail cursor forward, conditionally.
func (s *Store) AdvanceTailCursor(ctx context.Context, p store.Position) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tailCursor(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tailer SET cursor_ts = ?, cursor_image_id = ?
			WHERE id = 1 AND (cursor_ts, cursor_image_id) < (?, ?)`,
			unixnano.FromTime(p.CreatedAt), p.ImageID, unixnano.FromTime(p.CreatedAt), p.ImageID)
		return err
	})
}

// MarkCelebrity inserts the celebrity's row unless it is there.
func (s *Store) MarkCelebrity(ctx context.Context, ownerID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO celebrities (owner_id, marked_ts) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		ownerID, unixnano.FromTime(at))
	return err
}

// ListCelebrities reads every celebrity's id.
func (s *Store) ListCelebrities(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT owner_id FROM celebrities`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}

func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func anys(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// inTx runs fn in a transaction (immediate: it takes the write lock at
// once), committing when fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}

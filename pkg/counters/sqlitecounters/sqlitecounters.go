// Package sqlitecounters is the SQLite adapter of the counters port
// (pkg/counters): one table per service, one row per key, the end of its
// window in expire_time (UTC Unix nanoseconds). Every change is one
// statement; each increment first deletes a few rows of ended windows.
package sqlitecounters

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/counters"
)

var _ counters.Reversible = (*Counters)(nil)

// sweepBatch is how many rows of ended windows each increment deletes:
// more than the one row an increment can add, so that ended windows never
// pile up.
const sweepBatch = 8

// Schema returns the DDL of a counters table named table (a constant of
// the caller's, never user input): the table and the index on expire_time
// that the sweep reads, as CREATE ... IF NOT EXISTS statements.
func Schema(table string) string {
	return `CREATE TABLE IF NOT EXISTS ` + table + ` (
	counter_key TEXT    NOT NULL PRIMARY KEY,
	event_count INTEGER NOT NULL,
	expire_time INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS ` + table + `_expire ON ` + table + ` (expire_time);
`
}

// Counters are counters.Reversible in one table of a SQLite database.
type Counters struct {
	db *sql.DB
	// The statements, on the table.
	sweep, increment, decrement, remove string
}

// New returns the counters in table of db, a table that Schema(table)
// created.
func New(db *sql.DB, table string) *Counters {
	return &Counters{
		db: db,
		sweep: `DELETE FROM ` + table + ` WHERE counter_key IN (
			SELECT counter_key FROM ` + table + ` WHERE expire_time <= ? LIMIT ?)`,
		increment: `INSERT INTO ` + table + ` (counter_key, event_count, expire_time)
		VALUES (?1, 1, ?2)
		ON CONFLICT (counter_key) DO UPDATE SET
			event_count = CASE WHEN expire_time <= ?3 THEN 1 ELSE event_count + 1 END,
			expire_time = CASE WHEN expire_time <= ?3 THEN ?2 ELSE expire_time END
		RETURNING event_count, expire_time`,
		decrement: `UPDATE ` + table + ` SET event_count = event_count - 1
		WHERE counter_key = ? AND expire_time = ? AND event_count > 0`,
		remove: `DELETE FROM ` + table + ` WHERE counter_key = ?`,
	}
}

// IncrementCounter counts an event for key in one statement, which opens a
// new window when key's has ended. It first deletes up to sweepBatch rows
// whose window has ended.
func (c *Counters) IncrementCounter(ctx context.Context, key string, now time.Time, window time.Duration) (counters.Counter, error) {
	nowNanos := now.UnixNano()
	if _, err := c.db.ExecContext(ctx, c.sweep, nowNanos, sweepBatch); err != nil {
		return counters.Counter{}, fmt.Errorf("sqlite: sweep counters: %w", err)
	}
	var (
		got         counters.Counter
		expireNanos int64
	)
	err := c.db.QueryRowContext(ctx, c.increment, key, now.Add(window).UnixNano(), nowNanos).
		Scan(&got.Count, &expireNanos)
	if err != nil {
		return counters.Counter{}, fmt.Errorf("sqlite: increment counter: %w", err)
	}
	got.ExpireTime = time.Unix(0, expireNanos).UTC()
	return got, nil
}

// DecrementCounter takes one from key's count in the window ending at
// expire.
func (c *Counters) DecrementCounter(ctx context.Context, key string, expire time.Time) error {
	if _, err := c.db.ExecContext(ctx, c.decrement, key, expire.UnixNano()); err != nil {
		return fmt.Errorf("sqlite: decrement counter: %w", err)
	}
	return nil
}

// DeleteCounter deletes key's row.
func (c *Counters) DeleteCounter(ctx context.Context, key string) error {
	if _, err := c.db.ExecContext(ctx, c.remove, key); err != nil {
		return fmt.Errorf("sqlite: delete counter: %w", err)
	}
	return nil
}

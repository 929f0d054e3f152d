package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// sweepBatch is how many rows of ended windows each increment deletes:
// more than the one row an increment can add, so that ended windows never
// pile up.
const sweepBatch = 8

// IncrementCounter counts an event for key in one statement, which opens a
// new window when key's has ended. It first deletes up to sweepBatch rows
// whose window has ended.
func (s *Store) IncrementCounter(ctx context.Context, key string, now time.Time, window time.Duration) (store.Counter, error) {
	nowNanos := now.UnixNano()
	if _, err := s.db.ExecContext(ctx, `
		DELETE FROM fotogal_ntable_userthrottle WHERE counter_key IN (
			SELECT counter_key FROM fotogal_ntable_userthrottle WHERE expire_time <= ? LIMIT ?)`,
		nowNanos, sweepBatch); err != nil {
		return store.Counter{}, fmt.Errorf("sqlite: sweep counters: %w", err)
	}
	var (
		c           store.Counter
		expireNanos int64
	)
	err := s.db.QueryRowContext(ctx, `
		INSERT INTO fotogal_ntable_userthrottle (counter_key, event_count, expire_time)
		VALUES (?1, 1, ?2)
		ON CONFLICT (counter_key) DO UPDATE SET
			event_count = CASE WHEN expire_time <= ?3 THEN 1 ELSE event_count + 1 END,
			expire_time = CASE WHEN expire_time <= ?3 THEN ?2 ELSE expire_time END
		RETURNING event_count, expire_time`,
		key, now.Add(window).UnixNano(), nowNanos).Scan(&c.Count, &expireNanos)
	if err != nil {
		return store.Counter{}, fmt.Errorf("sqlite: increment counter: %w", err)
	}
	c.ExpireTime = time.Unix(0, expireNanos).UTC()
	return c, nil
}

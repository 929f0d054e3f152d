package store

import (
	"context"
	"time"
)

// Counter is the state of a key's counter: the events counted in its
// current window, and when that window ends.
type Counter struct {
	// Count is the number of events in the window.
	Count int
	// ExpireTime is when the window ends and the count starts again from
	// zero (UTC).
	ExpireTime time.Time
}

// Counters count events per key (at most 64 bytes) in fixed windows, one
// row per key: the throttle's registrations per client address, shared by every
// replica and kept across restarts. A counter's window is its row's expiry
// (a NoSQL row TTL; on SQLite a column checked on every write, and rows of
// ended windows swept as increments go).
type Counters interface {
	// IncrementCounter counts one event for key at now and returns the
	// counter with it. When key has no window open at now (none yet, or one
	// that ended at or before now) a new one opens, ending at now+window.
	// Concurrent increments each count: n of them add exactly n.
	IncrementCounter(ctx context.Context, key string, now time.Time, window time.Duration) (Counter, error)
}

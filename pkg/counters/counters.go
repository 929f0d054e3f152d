// Package counters is the port of the throttles' counters, which the auth,
// user and image services keep in their stores: events counted per key in
// fixed windows, one row per key, shared by every replica and kept across
// restarts. The adapters are sqlitecounters and nosqlcounters; counterstest
// is the contract both pass.
//
// # Windows
//
// A key (at most 64 bytes, the limit of an Oracle NoSQL primary key) has at
// most one window open. The first event at or after the end of the last one
// opens a new window, ending a fixed duration later, and counts one; every
// event before that end counts one more. The services choose the keys and
// the durations.
//
// # Expiry
//
// A counter's row carries the end of its window. On Oracle NoSQL the row is
// written with a time to live: the time left until that end, rounded up to
// whole hours (the unit of its TTLs) and at least an hour, so that the row
// goes by itself within two hours of its window's end; until then a row
// whose window has ended counts as no window. On SQLite the end is a column
// checked by every write, and each increment deletes a few rows of ended
// windows, so that they never pile up.
//
// # Writes
//
// Every change is atomic on its row, so that n concurrent increments of a
// key count exactly n. SQLite does it in one statement. Oracle NoSQL has no
// read-modify-write, so an increment reads the row with its version, writes
// the next count put-if-version (put-if-absent when there is no row), and
// reads again after a lost race. An answer lost after such a write
// succeeded makes the caller's retry count the event twice: the throttles
// err towards refusing, never towards letting through. A decrement is a
// conditional write the same way, within the window it names and never
// below zero; a delete is a plain delete, which deleting twice cannot harm.
package counters

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"strings"
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

// Counters count events per key in fixed windows. Implementations are safe
// for concurrent use.
type Counters interface {
	// IncrementCounter counts one event for key at now and returns the
	// counter with it. When key has no window open at now (none yet, or one
	// that ended at or before now) a new one opens, ending at now+window.
	// Concurrent increments each count: n of them add exactly n.
	IncrementCounter(ctx context.Context, key string, now time.Time, window time.Duration) (Counter, error)
}

// Reversible are Counters whose events can be taken back and whose windows
// can be ended early: the login throttle takes back the attempts that did
// not fail on the credentials, and ends an email's window when its login
// succeeds.
type Reversible interface {
	Counters
	// DecrementCounter takes back an event that IncrementCounter counted in
	// the window ending at expire: it takes one from key's count if that
	// window is still key's and its count is above zero, and otherwise does
	// nothing.
	DecrementCounter(ctx context.Context, key string, expire time.Time) error
	// DeleteCounter ends key's window, if it has one, so that its next
	// event counts one in a new window.
	DeleteCounter(ctx context.Context, key string) error
}

// keyEncoding writes the hashes in keys.
var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Key returns the counter key of value for kind ("email", "addr",
// "uploads"): the kind, a colon and the SHA-256 of value in lower-case
// base32, 53 bytes and the kind's length, so that a key stays within 64
// bytes however long the value, and no email or address is stored in the
// clear.
func Key(kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return kind + ":" + strings.ToLower(keyEncoding.EncodeToString(sum[:]))
}

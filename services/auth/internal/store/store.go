// Package store is the auth service's persistence port: the sessions table
// (the original fotogal_ntable_authsession) and the counters of failed
// logins.
//
// The interface is shaped for Oracle NoSQL as well as SQLite. The primary key
// is the hash of the session token (at most 64 bytes), so that validating a
// token is one read by key; the user id is a secondary index, used to list
// and revoke a person's sessions. A session is a row of its own, so nothing
// grows with the number of sessions a person opens. Rows carry their expiry:
// a NoSQL backend sets it as the row's TTL, and DeleteExpired sweeps what
// remains. Expired rows may still be returned until they are swept; callers
// compare ExpireTime with their clock.
//
// Counters count events per key (at most 64 bytes) in fixed windows, one
// row per key: the login throttle's failures per email and per client
// address, shared by every replica and kept across restarts. A counter's
// window is its row's expiry (a NoSQL row TTL; on SQLite a column checked
// on every read and swept). Each change is atomic on its row (a
// conditional write on NoSQL), so that concurrent events each count.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors the adapters return, to be tested with errors.Is.
var (
	// ErrNotFound means no session matched.
	ErrNotFound = errors.New("store: session not found")
	// ErrConflict means a session with the same token hash already exists.
	ErrConflict = errors.New("store: session already exists")
)

// Session is one row of the sessions table.
type Session struct {
	// TokenHash is the primary key: the SHA-256 of the raw token, encoded
	// in base64url without padding (43 bytes). The token itself is never
	// stored.
	TokenHash string
	// ID is the public, random identifier of the session, distinct from the
	// token, used to list and revoke it.
	ID string
	// UserID is the owner of the session (secondary index).
	UserID string
	// UserAgent is the User-Agent of the client that logged in.
	UserAgent string
	// ClientAddress is the network address the login came from.
	ClientAddress string
	// CreateTime is when the session was opened (UTC).
	CreateTime time.Time
	// ExpireTime is when the session stops being valid (UTC).
	ExpireTime time.Time
}

// Counter is the state of a key's counter: the events counted in its
// current window, and when that window ends.
type Counter struct {
	// Count is the number of events in the window.
	Count int
	// ExpireTime is when the window ends and the count starts again from
	// zero (UTC).
	ExpireTime time.Time
}

// Store keeps sessions and counters. Implementations are safe for
// concurrent use.
type Store interface {
	// CreateSession inserts s if no session has its TokenHash
	// (put-if-absent), or returns ErrConflict.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session whose token hash is tokenHash, or
	// ErrNotFound.
	GetSession(ctx context.Context, tokenHash string) (Session, error)
	// ListUserSessions returns the sessions of userID, newest first (by
	// CreateTime, then ID).
	ListUserSessions(ctx context.Context, userID string) ([]Session, error)
	// DeleteUserSession deletes the session whose ID is sessionID if it
	// belongs to userID, or returns ErrNotFound.
	DeleteUserSession(ctx context.Context, userID, sessionID string) error
	// DeleteUserSessions deletes every session of userID except the one
	// whose ID is keepSessionID (none when it is empty), and returns how
	// many it deleted.
	DeleteUserSessions(ctx context.Context, userID, keepSessionID string) (int, error)
	// DeleteExpired deletes the sessions whose ExpireTime is not after now,
	// and returns how many it deleted.
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
	// IncrementCounter counts one event for key at now and returns the
	// counter with it. When key has no window open at now (none yet, or one
	// that ended at or before now) a new one opens, ending at now+window.
	// Concurrent increments each count: n of them add exactly n.
	IncrementCounter(ctx context.Context, key string, now time.Time, window time.Duration) (Counter, error)
	// DecrementCounter takes back an event that IncrementCounter counted in
	// the window ending at expire: it takes one from key's count if that
	// window is still key's and its count is above zero, and otherwise does
	// nothing.
	DecrementCounter(ctx context.Context, key string, expire time.Time) error
	// DeleteCounter ends key's window, if it has one, so that its next
	// event counts one in a new window.
	DeleteCounter(ctx context.Context, key string) error
	// Close releases the store's resources.
	Close() error
}

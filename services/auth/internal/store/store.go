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
// Counters count events per key in fixed windows (pkg/counters): the login
// throttle's failures per email and per client address, shared by every
// replica and kept across restarts.
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

// Store keeps sessions and counters. Implementations are safe for
// concurrent use.
type Store interface {
	Counters

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
	// Close releases the store's resources.
	Close() error
}

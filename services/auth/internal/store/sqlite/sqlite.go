// Package sqlite is the embedded backend of the auth service's store: one
// SQLite file (modernc.org/sqlite, pure Go) in WAL mode, with the sessions
// table and the counters of the login throttle
// (fotogal_ntable_auththrottle, one row per key, its window's end in
// expire_time).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/counters/sqlitecounters"
	"github.com/fotogal/fotogal/pkg/sqlitedb"
	"github.com/fotogal/fotogal/services/auth/internal/store"
)

var _ store.Store = (*Store)(nil)

// schema creates the sessions table under its original name, and the
// counters table. Times are UTC Unix nanoseconds.
var schema = `
CREATE TABLE IF NOT EXISTS fotogal_ntable_authsession (
	token_hash     TEXT    NOT NULL PRIMARY KEY,
	session_id     TEXT    NOT NULL,
	user_id        TEXT    NOT NULL,
	user_agent     TEXT    NOT NULL,
	client_address TEXT    NOT NULL,
	create_time    INTEGER NOT NULL,
	expire_time    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS fotogal_ntable_authsession_user
	ON fotogal_ntable_authsession (user_id, create_time);
CREATE INDEX IF NOT EXISTS fotogal_ntable_authsession_expire
	ON fotogal_ntable_authsession (expire_time);
` + sqlitecounters.Schema(countersTable)

// Store is a store.Store on a SQLite file.
type Store struct {
	db *sql.DB
	*sqlitecounters.Counters
}

// Open opens (creating if needed) the SQLite database at path and its
// schema.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitedb.Open(ctx, path, schema)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, Counters: sqlitecounters.New(db, countersTable)}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// CreateSession inserts sess unless its token hash exists.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO fotogal_ntable_authsession
			(token_hash, session_id, user_id, user_agent, client_address, create_time, expire_time)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO NOTHING`,
		sess.TokenHash, sess.ID, sess.UserID, sess.UserAgent, sess.ClientAddress,
		sess.CreateTime.UnixNano(), sess.ExpireTime.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

const selectColumns = `SELECT token_hash, session_id, user_id, user_agent, client_address, create_time, expire_time
	FROM fotogal_ntable_authsession`

// GetSession returns the session of tokenHash.
func (s *Store) GetSession(ctx context.Context, tokenHash string) (store.Session, error) {
	row := s.db.QueryRowContext(ctx, selectColumns+` WHERE token_hash = ?`, tokenHash)
	sess, err := scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: get session: %w", err)
	}
	return sess, nil
}

// ListUserSessions returns the sessions of userID, newest first.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]store.Session, error) {
	rows, err := s.db.QueryContext(ctx,
		selectColumns+` WHERE user_id = ? ORDER BY create_time DESC, session_id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list sessions: %w", err)
	}
	defer rows.Close()
	var sessions []store.Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list sessions: %w", err)
		}
		sessions = append(sessions, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list sessions: %w", err)
	}
	return sessions, nil
}

// DeleteUserSession deletes one session of userID.
func (s *Store) DeleteUserSession(ctx context.Context, userID, sessionID string) error {
	n, err := s.delete(ctx, `DELETE FROM fotogal_ntable_authsession WHERE user_id = ? AND session_id = ?`,
		userID, sessionID)
	if err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// DeleteUserSessions deletes the sessions of userID but keepSessionID.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepSessionID string) (int, error) {
	n, err := s.delete(ctx, `DELETE FROM fotogal_ntable_authsession WHERE user_id = ? AND session_id <> ?`,
		userID, keepSessionID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete user sessions: %w", err)
	}
	return n, nil
}

// DeleteExpired deletes the sessions expired at now.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	n, err := s.delete(ctx, `DELETE FROM fotogal_ntable_authsession WHERE expire_time <= ?`, now.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}

func (s *Store) delete(ctx context.Context, query string, args ...any) (int, error) {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

func scanSession(row scanner) (store.Session, error) {
	var (
		sess                  store.Session
		createNanos, expNanos int64
	)
	if err := row.Scan(&sess.TokenHash, &sess.ID, &sess.UserID, &sess.UserAgent, &sess.ClientAddress,
		&createNanos, &expNanos); err != nil {
		return store.Session{}, err
	}
	sess.CreateTime = time.Unix(0, createNanos).UTC()
	sess.ExpireTime = time.Unix(0, expNanos).UTC()
	return sess, nil
}

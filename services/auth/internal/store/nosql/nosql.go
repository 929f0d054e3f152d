package nosql

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/counters/nosqlcounters"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/auth/internal/store"
)

var _ store.Store = (*Store)(nil)

// sessionsTable is the sessions table, under its original name.
const sessionsTable = "fotogal_ntable_authsession"

// schema is the DDL Open sends, in order; the package doc shows it.
var schema = []string{
	"CREATE TABLE IF NOT EXISTS " + sessionsTable + " (token_hash STRING, session_id STRING NOT NULL, " +
		"user_id STRING NOT NULL, user_agent STRING NOT NULL, client_address STRING NOT NULL, " +
		"create_time LONG NOT NULL, expire_time LONG NOT NULL, PRIMARY KEY (token_hash))",
	"CREATE INDEX IF NOT EXISTS user_id_idx ON " + sessionsTable + " (user_id, create_time, session_id)",
	"CREATE INDEX IF NOT EXISTS expire_time_idx ON " + sessionsTable + " (expire_time)",
	nosqlcounters.Schema(countersTable),
}

// The queries of the store. Values are always bind variables.
const (
	// listUserSessions reads a person's sessions newest first, in the
	// order of user_id_idx.
	listUserSessions = "DECLARE $user_id STRING; SELECT * FROM " + sessionsTable +
		" WHERE user_id = $user_id ORDER BY user_id DESC, create_time DESC, session_id DESC"
	// findUserSession finds the token hash of one session of a person.
	findUserSession = "DECLARE $user_id STRING; $session_id STRING; SELECT token_hash FROM " + sessionsTable +
		" WHERE user_id = $user_id AND session_id = $session_id"
	// findUserSessionsBut finds the token hashes of a person's sessions but
	// one.
	findUserSessionsBut = "DECLARE $user_id STRING; $keep_session_id STRING; SELECT token_hash FROM " + sessionsTable +
		" WHERE user_id = $user_id AND session_id != $keep_session_id"
	// findExpired finds the token hashes of the sessions expired at $now.
	findExpired = "DECLARE $now LONG; SELECT token_hash FROM " + sessionsTable + " WHERE expire_time <= $now"
)

// parallelDeletes is how many conditional deletes a revocation or a sweep
// keeps in flight at once.
const parallelDeletes = 8

// Store is a store.Store on Oracle NoSQL Database.
type Store struct {
	c *nosqlclient.Client
	*nosqlcounters.Counters
}

// Open creates the tables when the client is configured to (CreateTables) and returns the store.
func Open(ctx context.Context, c *nosqlclient.Client) (*Store, error) {
	if err := c.CreateTables(ctx, schema...); err != nil {
		return nil, fmt.Errorf("nosql: create tables: %w", err)
	}
	return &Store{c: c, Counters: nosqlcounters.New(c, countersTable)}, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// CreateSession puts sess if no row has its token hash. The row's TTL runs
// out at or after sess.ExpireTime.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	res, err := s.c.Put(ctx, &nosqldb.PutRequest{
		TableName: sessionsTable,
		Value:     encodeSession(sess),
		PutOption: types.PutIfAbsent,
		ReturnRow: true,
		TTL:       rowTTL(sess.ExpireTime, time.Now()),
	})
	if err != nil {
		return fmt.Errorf("nosql: create session: %w", err)
	}
	if res.Success() {
		return nil
	}
	if res.ExistingValue == nil {
		return store.ErrConflict
	}
	existing, err := decodeSession(res.ExistingValue)
	if err != nil {
		return fmt.Errorf("nosql: create session: %w", err)
	}
	if !sameSession(existing, sess) {
		return store.ErrConflict
	}
	return nil
}

// GetSession reads the session of tokenHash by its key.
func (s *Store) GetSession(ctx context.Context, tokenHash string) (store.Session, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: sessionsTable, Key: sessionKey(tokenHash)})
	if err != nil {
		return store.Session{}, fmt.Errorf("nosql: get session: %w", err)
	}
	if res.Value == nil {
		return store.Session{}, store.ErrNotFound
	}
	sess, err := decodeSession(res.Value)
	if err != nil {
		return store.Session{}, fmt.Errorf("nosql: get session: %w", err)
	}
	return sess, nil
}

// ListUserSessions returns the sessions of userID, newest first.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]store.Session, error) {
	rows, err := s.c.Query(ctx, listUserSessions, map[string]any{"$user_id": userID})
	if err != nil {
		return nil, fmt.Errorf("nosql: list sessions: %w", err)
	}
	sessions := make([]store.Session, 0, len(rows))
	for _, row := range rows {
		sess, err := decodeSession(row)
		if err != nil {
			return nil, fmt.Errorf("nosql: list sessions: %w", err)
		}
		sessions = append(sessions, sess)
	}
	return sessions, nil
}

// DeleteUserSession deletes the session sessionID of userID.
func (s *Store) DeleteUserSession(ctx context.Context, userID, sessionID string) error {
	hashes, err := s.tokenHashes(ctx, findUserSession, map[string]any{"$user_id": userID, "$session_id": sessionID})
	if err != nil {
		return fmt.Errorf("nosql: delete session: %w", err)
	}
	n, err := s.deleteAll(ctx, hashes, func(sess store.Session) bool {
		return sess.UserID == userID && sess.ID == sessionID
	})
	if err != nil {
		return fmt.Errorf("nosql: delete session: %w", err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// DeleteUserSessions deletes the sessions of userID but keepSessionID.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepSessionID string) (int, error) {
	hashes, err := s.tokenHashes(ctx, findUserSessionsBut,
		map[string]any{"$user_id": userID, "$keep_session_id": keepSessionID})
	if err != nil {
		return 0, fmt.Errorf("nosql: delete user sessions: %w", err)
	}
	n, err := s.deleteAll(ctx, hashes, func(sess store.Session) bool {
		return sess.UserID == userID && sess.ID != keepSessionID
	})
	if err != nil {
		return n, fmt.Errorf("nosql: delete user sessions: %w", err)
	}
	return n, nil
}

// DeleteExpired deletes the sessions expired at now that their TTL has not
// removed yet.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	nanos := now.UnixNano()
	hashes, err := s.tokenHashes(ctx, findExpired, map[string]any{"$now": nanos})
	if err != nil {
		return 0, fmt.Errorf("nosql: delete expired sessions: %w", err)
	}
	n, err := s.deleteAll(ctx, hashes, func(sess store.Session) bool {
		return sess.ExpireTime.UnixNano() <= nanos
	})
	if err != nil {
		return n, fmt.Errorf("nosql: delete expired sessions: %w", err)
	}
	return n, nil
}

// tokenHashes runs a query whose rows are token hashes and returns them.
func (s *Store) tokenHashes(ctx context.Context, query string, binds map[string]any) ([]string, error) {
	rows, err := s.c.Query(ctx, query, binds)
	if err != nil {
		return nil, err
	}
	hashes := make([]string, len(rows))
	for i, row := range rows {
		h, ok := row.GetString("token_hash")
		if !ok {
			return nil, errors.New("query row without token_hash")
		}
		hashes[i] = h
	}
	return hashes, nil
}

// deleteAll runs deleteIf on each of hashes, parallelDeletes at a time, and
// returns how many rows it deleted. On an error it stops starting deletes
// and returns the first error with the count of those done.
func (s *Store) deleteAll(ctx context.Context, hashes []string, cond func(store.Session) bool) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan string)
	go func() {
		defer close(work)
		for _, h := range hashes {
			select {
			case work <- h:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		deleted  int
		firstErr error
	)
	for range min(parallelDeletes, len(hashes)) {
		wg.Go(func() {
			for h := range work {
				ok, err := s.deleteIf(ctx, h, cond)
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = err
					cancel()
				case ok:
					deleted++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return deleted, firstErr
}

// deleteIf deletes the row of tokenHash if, read with its version, it holds
// a session for which cond is true, and reports whether it deleted it. The
// delete is conditional on that version: a row rewritten in between is read
// and judged again, and one deleted meanwhile is not this call's to count.
func (s *Store) deleteIf(ctx context.Context, tokenHash string, cond func(store.Session) bool) (bool, error) {
	key := sessionKey(tokenHash)
	for {
		got, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: sessionsTable, Key: key})
		if err != nil {
			return false, err
		}
		if got.Value == nil {
			return false, nil
		}
		sess, err := decodeSession(got.Value)
		if err != nil {
			return false, err
		}
		if !cond(sess) {
			return false, nil
		}
		res, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{
			TableName:    sessionsTable,
			Key:          key,
			MatchVersion: got.Version,
		})
		if err != nil {
			return false, err
		}
		if res.Success {
			return true, nil
		}
	}
}

// rowTTL returns the time to live of a row written at now for a session
// that expires at expire: the time left, rounded up to whole hours, and at
// least an hour (a TTL of zero would mean never).
func rowTTL(expire, now time.Time) *types.TimeToLive {
	left := expire.Sub(now)
	hours := int64(left / time.Hour)
	if left%time.Hour > 0 {
		hours++
	}
	return &types.TimeToLive{Value: max(hours, 1), Unit: types.Hours}
}

func sessionKey(tokenHash string) *types.MapValue {
	return types.NewMapValue(map[string]any{"token_hash": tokenHash})
}

func encodeSession(sess store.Session) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"token_hash":     sess.TokenHash,
		"session_id":     sess.ID,
		"user_id":        sess.UserID,
		"user_agent":     sess.UserAgent,
		"client_address": sess.ClientAddress,
		"create_time":    sess.CreateTime.UnixNano(),
		"expire_time":    sess.ExpireTime.UnixNano(),
	})
}

func decodeSession(row *types.MapValue) (store.Session, error) {
	r := nosqlclient.ReadRow(row)
	sess := store.Session{
		TokenHash:     r.String("token_hash"),
		ID:            r.String("session_id"),
		UserID:        r.String("user_id"),
		UserAgent:     r.String("user_agent"),
		ClientAddress: r.String("client_address"),
		CreateTime:    r.Time("create_time"),
		ExpireTime:    r.Time("expire_time"),
	}
	if r.Err() != nil {
		return store.Session{}, r.Err()
	}
	return sess, nil
}

// sameSession reports whether a and b are the same row, times compared at
// the nanosecond as they are stored.
func sameSession(a, b store.Session) bool {
	return a.TokenHash == b.TokenHash && a.ID == b.ID && a.UserID == b.UserID &&
		a.UserAgent == b.UserAgent && a.ClientAddress == b.ClientAddress &&
		a.CreateTime.UnixNano() == b.CreateTime.UnixNano() && a.ExpireTime.UnixNano() == b.ExpireTime.UnixNano()
}

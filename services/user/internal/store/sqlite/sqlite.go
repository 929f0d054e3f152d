// Package sqlite is the user service's embedded store: one SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode.
//
// The tables mirror what the Oracle NoSQL adapter keeps: the original
// fotogal_ntable_users, the lookup rows user_emails and user_usernames
// that make email and username unique, follows, one row per edge with an
// index for each direction, fotogal_ntable_userthrottle, the registration
// throttle's counters (one row per key, its window's end in expire_time),
// fotogal_ntable_useractivity, the activity log of follows and follow
// requests (sqliteactivity), fotogal_ntable_blocks and
// fotogal_ntable_mutes, one row per block or mute (blocks.go),
// fotogal_ntable_usersearch, the search index of people (search.go), and
// fotogal_ntable_userdeletions, one row per account being deleted, whose
// username claim stays in user_usernames until the deletion releases it
// (deletions.go). Where NoSQL writes a lookup row put-if-absent and deletes
// it again on failure, this adapter does the same steps inside one
// transaction.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/activity/sqliteactivity"
	"github.com/fotogal/fotogal/pkg/counters/sqlitecounters"
	"github.com/fotogal/fotogal/pkg/sqlitedb"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// Store is a store.Store on a SQLite file.
type Store struct {
	db *sql.DB
	*sqlitecounters.Counters
	*sqliteactivity.Log
}

var _ store.Store = (*Store)(nil)

var schema = `
CREATE TABLE IF NOT EXISTS fotogal_ntable_users (
	user_id         TEXT PRIMARY KEY,
	email           TEXT NOT NULL,
	username        TEXT NOT NULL,
	full_name       TEXT NOT NULL,
	bio             TEXT NOT NULL,
	website         TEXT NOT NULL,
	gender          TEXT NOT NULL,
	is_private      INTEGER NOT NULL,
	is_professional INTEGER NOT NULL,
	password_hash   TEXT NOT NULL,
	avatar_image_id TEXT NOT NULL,
	created_ts      INTEGER NOT NULL,
	updated_ts      INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS users_by_suggestion ON fotogal_ntable_users (is_private, is_professional, created_ts);
CREATE TABLE IF NOT EXISTS user_emails (
	email_key TEXT PRIMARY KEY,
	user_id   TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS user_usernames (
	username_key TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS follows (
	follower_id TEXT NOT NULL,
	followee_id TEXT NOT NULL,
	state       TEXT NOT NULL,
	created_ts  INTEGER NOT NULL,
	PRIMARY KEY (follower_id, followee_id)
) STRICT;
CREATE INDEX IF NOT EXISTS follows_by_followee ON follows (followee_id, state, created_ts, follower_id);
CREATE INDEX IF NOT EXISTS follows_by_follower ON follows (follower_id, state, created_ts, followee_id);
` + blocksSchema + searchSchema + deletionsSchema + sqlitecounters.Schema(countersTable) + sqliteactivity.Schema(activityTable)

// Open opens (creating if needed) the SQLite database at path and its
// tables.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitedb.Open(ctx, path, schema)
	if err != nil {
		return nil, err
	}
	s := &Store{
		db:       db,
		Counters: sqlitecounters.New(db, countersTable),
		Log:      sqliteactivity.New(db, activityTable),
	}
	if err := s.backfillSearch(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

const userColumns = `u.user_id, u.email, u.username, u.full_name, u.bio, u.website, u.gender,
	u.is_private, u.is_professional, u.password_hash, u.avatar_image_id, u.created_ts, u.updated_ts`

type scanner interface {
	Scan(dest ...any) error
}

func scanUser(row scanner) (*store.User, error) {
	var (
		u                store.User
		created, updated int64
	)
	err := row.Scan(&u.ID, &u.Email, &u.Username, &u.FullName, &u.Bio, &u.Website, &u.Gender,
		&u.IsPrivate, &u.IsProfessional, &u.PasswordHash, &u.AvatarImageID, &created, &updated)
	if err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = unixnano.ToTime(created), unixnano.ToTime(updated)
	return &u, nil
}

// CreateUser writes the lookup rows put-if-absent, then the user, in one
// transaction: a taken email or username rolls everything back.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if ok, err := insertIfAbsent(ctx, tx, `INSERT INTO user_emails (email_key, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			store.EmailKey(u.Email), u.ID); err != nil || !ok {
			return orErr(err, store.ErrEmailTaken)
		}
		if ok, err := insertIfAbsent(ctx, tx, `INSERT INTO user_usernames (username_key, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			store.UsernameKey(u.Username), u.ID); err != nil || !ok {
			return orErr(err, store.ErrUsernameTaken)
		}
		ok, err := insertIfAbsent(ctx, tx, `INSERT INTO fotogal_ntable_users (user_id, email, username, full_name, bio, website, gender,
			is_private, is_professional, password_hash, avatar_image_id, created_ts, updated_ts)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			u.ID, u.Email, u.Username, u.FullName, u.Bio, u.Website, u.Gender, u.IsPrivate, u.IsProfessional,
			u.PasswordHash, u.AvatarImageID, u.CreatedAt.UnixNano(), u.UpdatedAt.UnixNano())
		if err != nil || !ok {
			return orErr(err, store.ErrConflict)
		}
		return indexUser(ctx, tx, nil, u)
	})
}

// orErr returns err when it is set, otherwise fallback.
func orErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

func insertIfAbsent(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// GetUser returns the account with id.
func (s *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	return s.getOne(ctx, `SELECT `+userColumns+` FROM fotogal_ntable_users u WHERE u.user_id = ?`, id)
}

// GetUserByUsername returns the account with username in any letter case.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*store.User, error) {
	return s.getOne(ctx, `SELECT `+userColumns+` FROM user_usernames l JOIN fotogal_ntable_users u ON u.user_id = l.user_id
		WHERE l.username_key = ?`, store.UsernameKey(username))
}

// GetUserByEmail returns the account with email in any letter case.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*store.User, error) {
	return s.getOne(ctx, `SELECT `+userColumns+` FROM user_emails l JOIN fotogal_ntable_users u ON u.user_id = l.user_id
		WHERE l.email_key = ?`, store.EmailKey(email))
}

func (s *Store) getOne(ctx context.Context, query string, args ...any) (*store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return u, err
}

// maxBatch bounds the bind variables of one IN list.
const maxBatch = 500

// GetUsers returns the accounts with the ids that exist.
func (s *Store) GetUsers(ctx context.Context, ids []string) (map[string]*store.User, error) {
	return s.getMany(ctx, `SELECT `+userColumns+` FROM fotogal_ntable_users u WHERE u.user_id IN `, ids)
}

// GetUsersByUsernames returns the accounts with the usernames that exist.
func (s *Store) GetUsersByUsernames(ctx context.Context, usernames []string) (map[string]*store.User, error) {
	keys := make([]string, len(usernames))
	for i, name := range usernames {
		keys[i] = store.UsernameKey(name)
	}
	return s.getMany(ctx, `SELECT `+userColumns+` FROM user_usernames l JOIN fotogal_ntable_users u ON u.user_id = l.user_id
		WHERE l.username_key IN `, keys)
}

// getMany runs prefix followed by "(?, ?, ...)" over keys, in batches.
func (s *Store) getMany(ctx context.Context, prefix string, keys []string) (map[string]*store.User, error) {
	users := make(map[string]*store.User, len(keys))
	for start := 0; start < len(keys); start += maxBatch {
		batch := keys[start:min(start+maxBatch, len(keys))]
		rows, err := s.db.QueryContext(ctx, prefix+placeholders(len(batch)), anys(batch)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			users[u.ID] = u
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
	}
	return users, nil
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

// UpdateUser reads, changes and writes the account in one immediate
// transaction, so concurrent updates queue up instead of overwriting each
// other.
func (s *Store) UpdateUser(ctx context.Context, id string, update func(*store.User) error) (*store.User, error) {
	var updated *store.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM fotogal_ntable_users u WHERE u.user_id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		before := *u
		if err := update(u); err != nil {
			return err
		}
		if u.ID != before.ID || u.Email != before.Email || u.Username != before.Username || !u.CreatedAt.Equal(before.CreatedAt) {
			return errors.New("sqlite: UpdateUser cannot change the id, email, username or creation time")
		}
		_, err = tx.ExecContext(ctx, `UPDATE fotogal_ntable_users SET full_name = ?, bio = ?, website = ?, gender = ?,
			is_private = ?, is_professional = ?, password_hash = ?, avatar_image_id = ?, updated_ts = ?
			WHERE user_id = ?`,
			u.FullName, u.Bio, u.Website, u.Gender, u.IsPrivate, u.IsProfessional, u.PasswordHash,
			u.AvatarImageID, u.UpdatedAt.UnixNano(), id)
		if err != nil {
			return err
		}
		updated = u
		return indexUser(ctx, tx, &before, u)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// ListSuggestions returns public accounts userID has no edge to.
func (s *Store) ListSuggestions(ctx context.Context, userID string, limit int) ([]*store.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM fotogal_ntable_users u
		WHERE u.is_private = 0 AND u.user_id <> ?
		AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = u.user_id)
		ORDER BY u.is_professional DESC, u.created_ts DESC, u.user_id DESC
		LIMIT ?`, userID, userID, limit)
	if err != nil {
		return nil, err
	}
	var users []*store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		users = append(users, u)
	}
	return users, closeRows(rows)
}

// PutFollowIfAbsent inserts f unless the edge exists, and returns the edge.
func (s *Store) PutFollowIfAbsent(ctx context.Context, f store.Follow) (store.Follow, error) {
	var got store.Follow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := insertIfAbsent(ctx, tx, `INSERT INTO follows (follower_id, followee_id, state, created_ts)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, f.FollowerID, f.FolloweeID, string(f.State), f.CreatedAt.UnixNano())
		if err != nil {
			return err
		}
		if ok {
			got = f
			return nil
		}
		var (
			state string
			ts    int64
		)
		err = tx.QueryRowContext(ctx, `SELECT state, created_ts FROM follows WHERE follower_id = ? AND followee_id = ?`,
			f.FollowerID, f.FolloweeID).Scan(&state, &ts)
		got = store.Follow{FollowerID: f.FollowerID, FolloweeID: f.FolloweeID, State: store.FollowState(state), CreatedAt: unixnano.ToTime(ts)}
		return err
	})
	return got, err
}

// ImportFollows inserts follows, leaving any edge already there, all in one
// transaction with a page cache of importCacheKiB, importBatch rows per
// statement: a load test's million edges in seconds rather than a
// transaction each. It is not part of store.Store: the seeding tools call
// it on this adapter alone.
func (s *Store) ImportFollows(ctx context.Context, follows []store.Follow) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", importCacheKiB)); err != nil {
			return fmt.Errorf("import follows: %w", err)
		}
		for batch := range slices.Chunk(follows, importBatch) {
			args := make([]any, 0, 4*len(batch))
			for _, f := range batch {
				args = append(args, f.FollowerID, f.FolloweeID, string(f.State), f.CreatedAt.UnixNano())
			}
			values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(batch)), ", ")
			if _, err := tx.ExecContext(ctx, `INSERT INTO follows (follower_id, followee_id, state, created_ts)
				VALUES `+values+` ON CONFLICT DO NOTHING`, args...); err != nil {
				return fmt.Errorf("import follows: %w", err)
			}
		}
		return nil
	})
}

// importBatch is how many rows one statement of ImportFollows inserts.
const importBatch = 500

// importCacheKiB is the page cache of ImportFollows' connection, enough
// for the indexes of a million edges.
const importCacheKiB = 512 * 1024

// GetFollowStates returns the states of the edges from followerID.
func (s *Store) GetFollowStates(ctx context.Context, followerID string, followeeIDs []string) (map[string]store.FollowState, error) {
	states := make(map[string]store.FollowState, len(followeeIDs))
	for start := 0; start < len(followeeIDs); start += maxBatch {
		batch := followeeIDs[start:min(start+maxBatch, len(followeeIDs))]
		rows, err := s.db.QueryContext(ctx, `SELECT followee_id, state FROM follows WHERE follower_id = ? AND followee_id IN `+
			placeholders(len(batch)), append([]any{followerID}, anys(batch)...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, state string
			if err := rows.Scan(&id, &state); err != nil {
				rows.Close()
				return nil, err
			}
			states[id] = store.FollowState(state)
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
	}
	return states, nil
}

// SetFollowState moves an edge from one state to another, conditionally.
func (s *Store) SetFollowState(ctx context.Context, followerID, followeeID string, from, to store.FollowState, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE follows SET state = ?, created_ts = ?
		WHERE follower_id = ? AND followee_id = ? AND state = ?`,
		string(to), at.UnixNano(), followerID, followeeID, string(from))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return orErr(err, store.ErrNotFound)
	}
	return nil
}

// DeleteFollow deletes the edge when it is in state (any when empty).
func (s *Store) DeleteFollow(ctx context.Context, followerID, followeeID string, state store.FollowState) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM follows WHERE follower_id = ? AND followee_id = ? AND (? = '' OR state = ?)`,
		followerID, followeeID, string(state), string(state))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AcceptFollowRequests turns every pending request to followeeID into a
// follow.
func (s *Store) AcceptFollowRequests(ctx context.Context, followeeID string, at time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE follows SET state = ?, created_ts = ? WHERE followee_id = ? AND state = ?`,
		string(store.FollowFollowing), at.UnixNano(), followeeID, string(store.FollowRequested))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// edgeColumns returns the column naming the user whose edges are listed and
// the column naming the other user, for direction d.
func edgeColumns(d store.Direction) (self, other string, err error) {
	switch d {
	case store.Followers:
		return "followee_id", "follower_id", nil
	case store.Following:
		return "follower_id", "followee_id", nil
	}
	return "", "", fmt.Errorf("sqlite: unknown direction %d", d)
}

// CountFollows counts the edges of userID in direction and state.
func (s *Store) CountFollows(ctx context.Context, userID string, direction store.Direction, state store.FollowState) (int64, error) {
	self, _, err := edgeColumns(direction)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM follows WHERE `+self+` = ? AND state = ?`,
		userID, string(state)).Scan(&n)
	return n, err
}

// ListFollows returns one page of edges, newest first, keyset-paged on
// (created_ts, other user id).
func (s *Store) ListFollows(ctx context.Context, q store.ListFollowsQuery) (store.FollowPage, error) {
	self, other, err := edgeColumns(q.Direction)
	if err != nil {
		return store.FollowPage{}, err
	}
	if q.Limit <= 0 {
		return store.FollowPage{}, fmt.Errorf("sqlite: page size %d", q.Limit)
	}
	query := `SELECT follower_id, followee_id, state, created_ts FROM follows WHERE ` + self + ` = ? AND state = ?`
	args := []any{q.UserID, string(q.State)}
	if !q.FollowedAfter.IsZero() {
		query += ` AND created_ts > ?`
		args = append(args, unixnano.FromTime(q.FollowedAfter))
	}
	if q.PageToken != "" {
		after, err := store.DecodePageToken(q.PageToken)
		if err != nil {
			return store.FollowPage{}, err
		}
		ts := after.CreatedAt.UnixNano()
		query += ` AND (created_ts < ? OR (created_ts = ? AND ` + other + ` < ?))`
		args = append(args, ts, ts, after.UserID)
	}
	query += ` ORDER BY created_ts DESC, ` + other + ` DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, query, append(args, q.Limit+1)...)
	if err != nil {
		return store.FollowPage{}, err
	}
	var page store.FollowPage
	for rows.Next() {
		var (
			f     store.Follow
			state string
			ts    int64
		)
		if err := rows.Scan(&f.FollowerID, &f.FolloweeID, &state, &ts); err != nil {
			rows.Close()
			return store.FollowPage{}, err
		}
		f.State, f.CreatedAt = store.FollowState(state), unixnano.ToTime(ts)
		page.Follows = append(page.Follows, f)
	}
	if err := closeRows(rows); err != nil {
		return store.FollowPage{}, err
	}
	if len(page.Follows) > q.Limit {
		page.Follows = page.Follows[:q.Limit]
		last := page.Follows[q.Limit-1]
		otherID := last.FollowerID
		if q.Direction == store.Following {
			otherID = last.FolloweeID
		}
		page.NextPageToken = store.EncodePageToken(store.Cursor{CreatedAt: last.CreatedAt, UserID: otherID})
	}
	return page, nil
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

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// deletionsSchema creates the table of account deletions, one row per
// account being deleted, keyed by its id. Its username claim in
// user_usernames stays in place while the row is there: CreateUser's
// put-if-absent then refuses the name by itself.
const deletionsSchema = `
CREATE TABLE IF NOT EXISTS fotogal_ntable_userdeletions (
	user_id      TEXT PRIMARY KEY,
	username     TEXT NOT NULL,
	step         INTEGER NOT NULL,
	requested_ts INTEGER NOT NULL,
	step_ts      INTEGER NOT NULL,
	release_ts   INTEGER NOT NULL
) STRICT;
`

const deletionColumns = `user_id, username, step, requested_ts, step_ts, release_ts`

func scanDeletion(row scanner) (store.Deletion, error) {
	var (
		d                        store.Deletion
		requested, step, release int64
	)
	if err := row.Scan(&d.UserID, &d.Username, &d.Step, &requested, &step, &release); err != nil {
		return store.Deletion{}, err
	}
	d.RequestedAt, d.StepAt, d.ReleaseAt = unixnano.ToTime(requested), unixnano.ToTime(step), unixnano.ToTime(release)
	return d, nil
}

// PutDeletion inserts d unless a deletion of d.UserID is recorded, and
// reads the row that stands, in one transaction.
func (s *Store) PutDeletion(ctx context.Context, d store.Deletion) (store.Deletion, error) {
	var got store.Deletion
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := insertIfAbsent(ctx, tx, `INSERT INTO fotogal_ntable_userdeletions (`+deletionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			d.UserID, d.Username, int64(d.Step), unixnano.FromTime(d.RequestedAt), unixnano.FromTime(d.StepAt),
			unixnano.FromTime(d.ReleaseAt))
		if err != nil {
			return err
		}
		if ok {
			got = d
			return nil
		}
		got, err = scanDeletion(tx.QueryRowContext(ctx, `SELECT `+deletionColumns+` FROM fotogal_ntable_userdeletions
			WHERE user_id = ?`, d.UserID))
		return err
	})
	if err != nil {
		return store.Deletion{}, fmt.Errorf("put deletion: %w", err)
	}
	return got, nil
}

// GetDeletion reads the deletion of userID.
func (s *Store) GetDeletion(ctx context.Context, userID string) (store.Deletion, error) {
	d, err := scanDeletion(s.db.QueryRowContext(ctx, `SELECT `+deletionColumns+` FROM fotogal_ntable_userdeletions
		WHERE user_id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Deletion{}, store.ErrNotFound
	}
	return d, err
}

// AdvanceDeletion moves the step forward with one conditional update; when
// it changes nothing, the row is read to tell a later step in place from
// no deletion at all.
func (s *Store) AdvanceDeletion(ctx context.Context, userID string, step store.DeletionStep, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE fotogal_ntable_userdeletions SET step = ?, step_ts = ?
		WHERE user_id = ? AND step < ?`, int64(step), unixnano.FromTime(at), userID, int64(step))
	if err != nil {
		return fmt.Errorf("advance deletion: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = s.GetDeletion(ctx, userID)
	return err
}

// ListDeletions reads a page of deletions in primary-key order.
func (s *Store) ListDeletions(ctx context.Context, afterUserID string, limit int) ([]store.Deletion, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: page size %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deletionColumns+` FROM fotogal_ntable_userdeletions
		WHERE user_id > ? ORDER BY user_id LIMIT ?`, afterUserID, limit)
	if err != nil {
		return nil, fmt.Errorf("list deletions: %w", err)
	}
	var deletions []store.Deletion
	for rows.Next() {
		d, err := scanDeletion(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list deletions: %w", err)
		}
		deletions = append(deletions, d)
	}
	return deletions, closeRows(rows)
}

// DeleteAccount deletes, in one transaction, the email claim, the search
// rows (those of the account's terms: this adapter writes them with the
// account, so there are no others) and the account row. The username claim
// stays, for the deletion record to hold.
func (s *Store) DeleteAccount(ctx context.Context, userID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM fotogal_ntable_users u WHERE u.user_id = ?`, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_emails WHERE email_key = ? AND user_id = ?`,
			store.EmailKey(u.Email), userID); err != nil {
			return err
		}
		for _, term := range store.SearchTerms(u) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM fotogal_ntable_usersearch WHERE term = ? AND user_id = ?`,
				term, userID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM fotogal_ntable_users WHERE user_id = ?`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	return nil
}

// relations are the columns that name a person in the tables of what links
// people: each side of a follow edge (or request), of a block and of a
// mute. Each has an index that starts with it.
var relations = []struct{ table, column string }{
	{"follows", "followee_id"},
	{"follows", "follower_id"},
	{blocksTable.name, blocksTable.subject},
	{blocksTable.name, blocksTable.object},
	{mutesTable.name, mutesTable.subject},
	{mutesTable.name, mutesTable.object},
}

// DeleteRelations deletes, in one transaction, up to limit rows naming
// userID, going through relations in order; once limit rows are gone it
// looks whether any row is left, so that done is exact and a last call
// that would delete nothing is not needed.
func (s *Store) DeleteRelations(ctx context.Context, userID string, limit int) (bool, error) {
	if limit <= 0 {
		return false, fmt.Errorf("sqlite: batch size %d", limit)
	}
	done := true
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		left := int64(limit)
		for _, r := range relations {
			if left > 0 {
				res, err := tx.ExecContext(ctx, `DELETE FROM `+r.table+` WHERE rowid IN
					(SELECT rowid FROM `+r.table+` WHERE `+r.column+` = ? LIMIT ?)`, userID, left)
				if err != nil {
					return err
				}
				n, err := res.RowsAffected()
				if err != nil {
					return err
				}
				left -= n
			}
			if left == 0 {
				var more bool
				if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+r.table+` WHERE `+r.column+` = ?)`,
					userID).Scan(&more); err != nil {
					return err
				}
				if more {
					done = false
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("delete relations: %w", err)
	}
	return done, nil
}

// ReleaseUsername deletes the username claim, if it still names userID,
// and the deletion record, in one transaction.
func (s *Store) ReleaseUsername(ctx context.Context, userID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var username string
		err := tx.QueryRowContext(ctx, `SELECT username FROM fotogal_ntable_userdeletions WHERE user_id = ?`, userID).Scan(&username)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_usernames WHERE username_key = ? AND user_id = ?`,
			store.UsernameKey(username), userID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM fotogal_ntable_userdeletions WHERE user_id = ?`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("release username: %w", err)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// searchSchema creates the search index: one row per (term, user_id), term
// being the folded username or a folded word of the full name
// (store.SearchTerms), in primary-key order, so that a prefix is one range
// seek.
const searchSchema = `
CREATE TABLE IF NOT EXISTS fotogal_ntable_usersearch (
	term    TEXT NOT NULL,
	user_id TEXT NOT NULL,
	PRIMARY KEY (term, user_id)
) STRICT, WITHOUT ROWID;
`

// backfillPage is how many accounts one step of backfillSearch reads.
const backfillPage = 500

// SearchUsers finds people by a prefix of their username or of a word of
// their full name; see store.RunSearch.
func (s *Store) SearchUsers(ctx context.Context, q store.SearchQuery) ([]*store.User, error) {
	return store.RunSearch(ctx, s, q)
}

// ScanSearchTerms reads the index rows after after, below end, in
// primary-key order: a range seek.
func (s *Store) ScanSearchTerms(ctx context.Context, after store.SearchTerm, end string, n int) ([]store.SearchTerm, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT term, user_id FROM fotogal_ntable_usersearch
		WHERE (term, user_id) > (?, ?) AND term < ? ORDER BY term, user_id LIMIT ?`, after.Term, after.UserID, end, n)
	if err != nil {
		return nil, err
	}
	var terms []store.SearchTerm
	for rows.Next() {
		var t store.SearchTerm
		if err := rows.Scan(&t.Term, &t.UserID); err != nil {
			rows.Close()
			return nil, err
		}
		terms = append(terms, t)
	}
	return terms, closeRows(rows)
}

// indexUser brings the search rows of the account from those of before
// (nil for a new account) to those of after, within tx.
func indexUser(ctx context.Context, tx *sql.Tx, before, after *store.User) error {
	add, remove := store.SearchTermChanges(before, after)
	for _, t := range remove {
		if _, err := tx.ExecContext(ctx, `DELETE FROM fotogal_ntable_usersearch WHERE term = ? AND user_id = ?`, t, after.ID); err != nil {
			return fmt.Errorf("remove search term: %w", err)
		}
	}
	for _, t := range add {
		if _, err := tx.ExecContext(ctx, `INSERT INTO fotogal_ntable_usersearch (term, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			t, after.ID); err != nil {
			return fmt.Errorf("add search term: %w", err)
		}
	}
	return nil
}

// backfillSearch indexes the accounts of a database made before the search
// index, when the index is empty: in one transaction, reading the accounts
// backfillPage at a time, so that a crash leaves the index empty and the
// next Open starts again.
func (s *Store) backfillSearch(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM fotogal_ntable_usersearch LIMIT 1`).Scan(&one)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("backfill search index: %w", err)
		}
		after := ""
		for {
			rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM fotogal_ntable_users u
				WHERE u.user_id > ? ORDER BY u.user_id LIMIT ?`, after, backfillPage)
			if err != nil {
				return fmt.Errorf("backfill search index: %w", err)
			}
			var page []*store.User
			for rows.Next() {
				u, err := scanUser(rows)
				if err != nil {
					rows.Close()
					return fmt.Errorf("backfill search index: %w", err)
				}
				page = append(page, u)
			}
			if err := closeRows(rows); err != nil {
				return fmt.Errorf("backfill search index: %w", err)
			}
			for _, u := range page {
				if err := indexUser(ctx, tx, nil, u); err != nil {
					return fmt.Errorf("backfill search index: %w", err)
				}
			}
			if len(page) < backfillPage {
				return nil
			}
			after = page[len(page)-1].ID
		}
	})
}

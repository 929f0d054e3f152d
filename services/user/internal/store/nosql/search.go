package nosql

import (
	"context"
	"fmt"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// searchTable is the search index of people: one row per (user_id, term),
// sharded by user_id so that an account's terms change in one
// WriteMultiple.
const searchTable = "fotogal_ntable_usersearch"

// searchSchema is the DDL of the search index, sent after the other tables'.
var searchSchema = []string{
	"CREATE TABLE IF NOT EXISTS " + searchTable + " (user_id STRING, term STRING, PRIMARY KEY (SHARD(user_id), term))",
	"CREATE INDEX IF NOT EXISTS term_idx ON " + searchTable + " (term, user_id)",
}

// The search index's queries: a range of term_idx after a (term, user_id)
// cursor; whether the index has any row;
// a page of accounts by id, for the backfill.
const (
	searchTermsAfter = "DECLARE $term STRING; $id STRING; $end STRING; $n LONG; " +
		"SELECT term, user_id FROM " + searchTable + " WHERE term >= $term AND term < $end " +
		"AND (term > $term OR user_id > $id) ORDER BY term, user_id LIMIT $n"
	termsOfUser   = "DECLARE $id STRING; SELECT term FROM " + searchTable + " WHERE user_id = $id"
	anySearchTerm = "SELECT user_id FROM " + searchTable + " LIMIT 1"
	usersAfterID  = "DECLARE $after STRING; $n LONG; SELECT * FROM " + usersTable + " WHERE user_id > $after ORDER BY user_id LIMIT $n"
)

// backfillPage is how many accounts one step of backfillSearch reads.
const backfillPage = 200

// SearchUsers finds people by a prefix of their username or of a word of
// their full name; see store.RunSearch.
func (s *Store) SearchUsers(ctx context.Context, q store.SearchQuery) ([]*store.User, error) {
	return store.RunSearch(ctx, s, q)
}

// ScanSearchTerms reads the index rows after after, below end, from
// term_idx.
func (s *Store) ScanSearchTerms(ctx context.Context, after store.SearchTerm, end string, n int) ([]store.SearchTerm, error) {
	rows, err := s.c.Query(ctx, searchTermsAfter, map[string]any{
		"$term": after.Term, "$id": after.UserID, "$end": end, "$n": n,
	})
	if err != nil {
		return nil, err
	}
	terms := make([]store.SearchTerm, len(rows))
	for i, m := range rows {
		r := nosqlclient.ReadRow(m)
		terms[i] = store.SearchTerm{Term: r.String("term"), UserID: r.String("user_id")}
		if r.Err() != nil {
			return nil, r.Err()
		}
	}
	return terms, nil
}

// writeTerms puts the search rows of id for add and deletes those for
// remove, in WriteMultiple requests of at most maxWriteMultiple operations
// in id's shard: one, for an account's terms (store.MaxTermsPerUser of
// them, added and removed).
func (s *Store) writeTerms(ctx context.Context, id string, add, remove []string) error {
	req := &nosqldb.WriteMultipleRequest{TableName: searchTable}
	flush := func() error {
		if len(req.Operations) == 0 {
			return nil
		}
		if _, err := s.c.WriteMultiple(ctx, req); err != nil {
			return fmt.Errorf("write search terms: %w", err)
		}
		req = &nosqldb.WriteMultipleRequest{TableName: searchTable}
		return nil
	}
	for _, t := range add {
		row := types.NewMapValue(map[string]any{"user_id": id, "term": t})
		if err := req.AddPutRequest(&nosqldb.PutRequest{TableName: searchTable, Value: row}, true); err != nil {
			return err
		}
		if len(req.Operations) == maxWriteMultiple {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	for _, t := range remove {
		key := types.NewMapValue(map[string]any{"user_id": id, "term": t})
		if err := req.AddDeleteRequest(&nosqldb.DeleteRequest{TableName: searchTable, Key: key}, true); err != nil {
			return err
		}
		if len(req.Operations) == maxWriteMultiple {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// backfillSearch indexes the accounts made before the search index, when
// the index has no row: it reads the accounts backfillPage at a time, by
// id, and puts each one's terms. Putting a term twice changes nothing, and
// the accounts registered meanwhile index themselves. A crash part of the
// way leaves the rest unindexed until their next rename; emptying the
// table makes the next start index every account again.
func (s *Store) backfillSearch(ctx context.Context) error {
	rows, err := s.c.Query(ctx, anySearchTerm, nil)
	if err != nil {
		return fmt.Errorf("backfill search index: %w", err)
	}
	if len(rows) > 0 {
		return nil
	}
	binds := map[string]any{"$after": "", "$n": backfillPage}
	for {
		rows, err := s.c.Query(ctx, usersAfterID, binds)
		if err != nil {
			return fmt.Errorf("backfill search index: %w", err)
		}
		for _, m := range rows {
			u, err := decodeUser(m)
			if err != nil {
				return fmt.Errorf("backfill search index: %w", err)
			}
			if err := s.writeTerms(ctx, u.ID, store.SearchTerms(u), nil); err != nil {
				return fmt.Errorf("backfill search index: %w", err)
			}
			binds["$after"] = u.ID
		}
		if len(rows) < backfillPage {
			return nil
		}
	}
}

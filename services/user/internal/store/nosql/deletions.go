package nosql

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// deletionsTable holds one row per account being deleted, keyed by its
// user_id: the deletion's progress, and the hold on its username.
const deletionsTable = "fotogal_ntable_userdeletions"

// deletionsSchema is the DDL of the deletions, sent after the other tables'.
var deletionsSchema = []string{
	"CREATE TABLE IF NOT EXISTS " + deletionsTable + " (user_id STRING, username STRING NOT NULL, step INTEGER NOT NULL, requested_ts LONG NOT NULL, step_ts LONG NOT NULL, release_ts LONG NOT NULL, PRIMARY KEY (user_id))",
}

// deletionsAfter reads a page of deletions by primary key.
const deletionsAfter = "DECLARE $after STRING; $n LONG; SELECT * FROM " + deletionsTable +
	" WHERE user_id > $after ORDER BY user_id LIMIT $n"

func deletionRow(d store.Deletion) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"user_id":      d.UserID,
		"username":     d.Username,
		"step":         int(d.Step),
		"requested_ts": unixnano.FromTime(d.RequestedAt),
		"step_ts":      unixnano.FromTime(d.StepAt),
		"release_ts":   unixnano.FromTime(d.ReleaseAt),
	})
}

func decodeDeletion(m *types.MapValue) (store.Deletion, error) {
	r := nosqlclient.ReadRow(m)
	d := store.Deletion{
		UserID:      r.String("user_id"),
		Username:    r.String("username"),
		Step:        store.DeletionStep(r.Int("step")),
		RequestedAt: r.Time("requested_ts"),
		StepAt:      r.Time("step_ts"),
		ReleaseAt:   r.Time("release_ts"),
	}
	return d, r.Err()
}

// getDeletionRow returns the deletion of userID and the version of its
// row, or a nil deletion when none is recorded.
func (s *Store) getDeletionRow(ctx context.Context, userID string) (*store.Deletion, types.Version, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: deletionsTable, Key: userKey(userID)})
	if err != nil {
		return nil, nil, err
	}
	if res.Value == nil {
		return nil, nil, nil
	}
	d, err := decodeDeletion(res.Value)
	return &d, res.Version, err
}

// PutDeletion writes the deletion put-if-absent and returns the row that
// stands afterwards: d, or the existing one the failed put returned.
func (s *Store) PutDeletion(ctx context.Context, d store.Deletion) (store.Deletion, error) {
	for {
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName: deletionsTable, Value: deletionRow(d), PutOption: types.PutIfAbsent, ReturnRow: true,
		})
		if err != nil {
			return store.Deletion{}, fmt.Errorf("put deletion: %w", err)
		}
		if res.Success() {
			return d, nil
		}
		if res.ExistingValue != nil {
			return decodeDeletion(res.ExistingValue)
		}
		// The record the put ran into was released before the answer:
		// try again.
	}
}

// GetDeletion reads the deletion of userID by its key.
func (s *Store) GetDeletion(ctx context.Context, userID string) (store.Deletion, error) {
	d, _, err := s.getDeletionRow(ctx, userID)
	if err != nil {
		return store.Deletion{}, fmt.Errorf("get deletion: %w", err)
	}
	if d == nil {
		return store.Deletion{}, store.ErrNotFound
	}
	return *d, nil
}

// AdvanceDeletion reads the deletion and its version and, when step is
// after its step, rewrites it put-if-version, reading again after a lost
// race. A retry after a lost answer finds the step reached and changes
// nothing.
func (s *Store) AdvanceDeletion(ctx context.Context, userID string, step store.DeletionStep, at time.Time) error {
	for {
		d, version, err := s.getDeletionRow(ctx, userID)
		if err != nil {
			return fmt.Errorf("advance deletion: %w", err)
		}
		if d == nil {
			return store.ErrNotFound
		}
		if step <= d.Step {
			return nil
		}
		d.Step, d.StepAt = step, at
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName: deletionsTable, Value: deletionRow(*d), PutOption: types.PutIfVersion, MatchVersion: version,
		})
		if err != nil {
			return fmt.Errorf("advance deletion: %w", err)
		}
		if res.Success() {
			return nil
		}
	}
}

// ListDeletions reads a page of deletions in primary-key order.
func (s *Store) ListDeletions(ctx context.Context, afterUserID string, limit int) ([]store.Deletion, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("nosql: page size %d", limit)
	}
	rows, err := s.c.Query(ctx, deletionsAfter, map[string]any{"$after": afterUserID, "$n": limit})
	if err != nil {
		return nil, fmt.Errorf("list deletions: %w", err)
	}
	deletions := make([]store.Deletion, len(rows))
	for i, m := range rows {
		if deletions[i], err = decodeDeletion(m); err != nil {
			return nil, fmt.Errorf("list deletions: %w", err)
		}
	}
	return deletions, nil
}

// DeleteAccount deletes the email claim, then the account row, then every
// search row of the account, each step harmless to repeat. The email claim
// goes first because the account row is the only place its key can be
// computed from: a crash after it leaves a row that no email finds and the
// next call deletes, while a crash after the row leaves only search rows,
// found by user_id, which the next call deletes too and which meanwhile
// find nobody (store.RunSearch reads the account). The username claim
// stays: the deletion record holds it (see claim).
func (s *Store) DeleteAccount(ctx context.Context, userID string) error {
	u, _, err := s.getUserRow(ctx, userID)
	if err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	if u != nil {
		if err := s.dropClaim(ctx, emailClaims, store.EmailKey(u.Email), userID); err != nil {
			return fmt.Errorf("delete account: email claim: %w", err)
		}
		if _, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: usersTable, Key: userKey(userID)}); err != nil {
			return fmt.Errorf("delete account: %w", err)
		}
	}
	// All of the account's rows, not only its current terms: a rename
	// whose old terms were not yet deleted may have left others.
	terms, err := s.column(ctx, termsOfUser, map[string]any{"$id": userID}, "term")
	if err != nil {
		return fmt.Errorf("delete account: search rows: %w", err)
	}
	if err := s.writeTerms(ctx, userID, nil, terms); err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	return nil
}

// dropClaim deletes the claim of key of kind if it names userID,
// delete-if-version at the version read, so that a claim someone else has
// made of the key meanwhile stays.
func (s *Store) dropClaim(ctx context.Context, kind claimKind, key, userID string) error {
	for {
		res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: kind.table, Key: claimKey(kind, key)})
		if err != nil {
			return err
		}
		if res.Value == nil {
			return nil
		}
		r := nosqlclient.ReadRow(res.Value)
		if holder := r.String("user_id"); r.Err() != nil || holder != userID {
			return r.Err()
		}
		del, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{
			TableName: kind.table, Key: claimKey(kind, key), MatchVersion: res.Version,
		})
		if err != nil {
			return err
		}
		if del.Success {
			return nil
		}
	}
}

// deletionHolds reports whether a recorded deletion of holder holds the
// username claim of key: the account's row is gone, but its name stays
// taken until ReleaseUsername.
func (s *Store) deletionHolds(ctx context.Context, holder, key string) (bool, error) {
	d, _, err := s.getDeletionRow(ctx, holder)
	if err != nil || d == nil {
		return false, err
	}
	return store.UsernameKey(d.Username) == key, nil
}

// relation is one side of a table of what links people: the rows whose
// column names the person, with other the rest of the primary key. When
// column is the table's shard key, the rows are all in the person's shard
// and deleted in WriteMultiple requests; otherwise they are found through
// an index that starts with column and deleted one by one.
type relation struct {
	table, column, other string
	inShard              bool
}

// rowsOf returns the statement that reads up to $n rows of r naming $user.
func (r relation) rowsOf() string {
	return "DECLARE $user STRING; $n LONG; SELECT " + r.other + " FROM " + r.table +
		" WHERE " + r.column + " = $user LIMIT $n"
}

func (r relation) key(userID, otherID string) *types.MapValue {
	return types.NewMapValue(map[string]any{r.column: userID, r.other: otherID})
}

// relations are both sides of the follow edges (followee_idx,
// follower_idx), of the blocks (blocked_idx) and of the mutes (muted_idx).
var relations = []relation{
	{table: followsTable, column: "followee_id", other: "follower_id", inShard: true},
	{table: followsTable, column: "follower_id", other: "followee_id"},
	{table: blocksTable, column: blocks.subject, other: blocks.object, inShard: true},
	{table: blocksTable, column: blocks.object, other: blocks.subject},
	{table: mutesTable, column: mutes.subject, other: mutes.object, inShard: true},
	{table: mutesTable, column: mutes.object, other: mutes.subject},
}

// DeleteRelations goes through relations in order, reading one row more
// than it may still delete, so that it knows whether rows are left without
// a last call that deletes nothing. Each delete is unconditional: deleting
// a row twice, after a crash or a lost answer, cannot harm.
func (s *Store) DeleteRelations(ctx context.Context, userID string, limit int) (bool, error) {
	if limit <= 0 {
		return false, fmt.Errorf("nosql: batch size %d", limit)
	}
	left := limit
	for _, r := range relations {
		others, err := s.column(ctx, r.rowsOf(), map[string]any{"$user": userID, "$n": left + 1}, r.other)
		if err != nil {
			return false, fmt.Errorf("delete relations: read %s: %w", r.table, err)
		}
		n := min(len(others), left)
		if err := s.deleteRelated(ctx, r, userID, others[:n]); err != nil {
			return false, fmt.Errorf("delete relations: %s: %w", r.table, err)
		}
		if len(others) > left {
			return false, nil
		}
		left -= n
	}
	return true, nil
}

// deleteRelated deletes the rows of r between userID and each of others.
func (s *Store) deleteRelated(ctx context.Context, r relation, userID string, others []string) error {
	if !r.inShard {
		for _, other := range others {
			if _, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: r.table, Key: r.key(userID, other)}); err != nil {
				return err
			}
		}
		return nil
	}
	for batch := range slices.Chunk(others, maxWriteMultiple) {
		req := &nosqldb.WriteMultipleRequest{TableName: r.table}
		for _, other := range batch {
			if err := req.AddDeleteRequest(&nosqldb.DeleteRequest{TableName: r.table, Key: r.key(userID, other)}, false); err != nil {
				return err
			}
		}
		if _, err := s.c.WriteMultiple(ctx, req); err != nil {
			return err
		}
	}
	return nil
}

// ReleaseUsername deletes the username claim if it still names userID
// (dropClaim), then the deletion record. The claim goes first because the
// record names it: a crash between the two leaves a record whose claim is
// gone, which the next call deletes.
func (s *Store) ReleaseUsername(ctx context.Context, userID string) error {
	d, _, err := s.getDeletionRow(ctx, userID)
	if err != nil {
		return fmt.Errorf("release username: %w", err)
	}
	if d == nil {
		return nil
	}
	if err := s.dropClaim(ctx, usernameClaims, store.UsernameKey(d.Username), userID); err != nil {
		return fmt.Errorf("release username: %w", err)
	}
	if _, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: deletionsTable, Key: userKey(userID)}); err != nil {
		return fmt.Errorf("release username: %w", err)
	}
	return nil
}

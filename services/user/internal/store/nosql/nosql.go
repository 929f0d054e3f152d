package nosql

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fotogal/fotogal/pkg/activity/nosqlactivity"
	"github.com/fotogal/fotogal/pkg/counters/nosqlcounters"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// The tables of the user service.
const (
	usersTable     = "fotogal_ntable_users"
	usernamesTable = "fotogal_ntable_usernames"
	emailsTable    = "fotogal_ntable_emails"
	followsTable   = "fotogal_ntable_follows"
	blocksTable    = "fotogal_ntable_blocks"
	mutesTable     = "fotogal_ntable_mutes"
)

// schema is the DDL Open sends, in order; the package doc shows it as is.
var schema = slices.Concat([]string{
	"CREATE TABLE IF NOT EXISTS " + usersTable + " (user_id STRING, email STRING NOT NULL, username STRING NOT NULL, full_name STRING NOT NULL, bio STRING NOT NULL, website STRING NOT NULL, gender STRING NOT NULL, is_private BOOLEAN NOT NULL, is_professional BOOLEAN NOT NULL, password_hash STRING NOT NULL, avatar_image_id STRING NOT NULL, created_ts LONG NOT NULL, updated_ts LONG NOT NULL, PRIMARY KEY (user_id))",
	"CREATE INDEX IF NOT EXISTS suggestion_idx ON " + usersTable + " (is_private, is_professional, created_ts)",
	"CREATE TABLE IF NOT EXISTS " + usernamesTable + " (username_key STRING, user_id STRING NOT NULL, claimed_ts LONG NOT NULL, PRIMARY KEY (username_key))",
	"CREATE TABLE IF NOT EXISTS " + emailsTable + " (email_key STRING, user_id STRING NOT NULL, claimed_ts LONG NOT NULL, PRIMARY KEY (email_key))",
	"CREATE TABLE IF NOT EXISTS " + followsTable + " (followee_id STRING, follower_id STRING, state STRING NOT NULL, created_ts LONG NOT NULL, PRIMARY KEY (SHARD(followee_id), follower_id))",
	"CREATE INDEX IF NOT EXISTS followee_idx ON " + followsTable + " (followee_id, state, created_ts)",
	"CREATE INDEX IF NOT EXISTS follower_idx ON " + followsTable + " (follower_id, state, created_ts)",
	nosqlcounters.Schema(countersTable),
}, nosqlactivity.Schema(activityTable), blocksSchema, searchSchema, deletionsSchema)

// Store is a store.Store on Oracle NoSQL Database.
type Store struct {
	c *nosqlclient.Client
	*nosqlcounters.Counters
	*nosqlactivity.Log
}

var _ store.Store = (*Store)(nil)

// Open creates the tables when the client is configured to (CreateTables) and returns the store.
func Open(ctx context.Context, c *nosqlclient.Client) (*Store, error) {
	if err := c.CreateTables(ctx, schema...); err != nil {
		return nil, fmt.Errorf("create user tables: %w", err)
	}
	s := &Store{
		c:        c,
		Counters: nosqlcounters.New(c, countersTable),
		Log:      nosqlactivity.New(c, activityTable),
	}
	if err := s.backfillSearch(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// lookupBatch is the number of keys one IN query binds. A shorter batch
// repeats its last key, so that one prepared statement serves every batch.
const lookupBatch = 50

// inList returns the declarations of n STRING bind variables named $prefix0,
// $prefix1 ... and the parenthesised list of them for an IN condition.
func inList(prefix string, n int) (declarations, list string) {
	names := make([]string, n)
	var decl strings.Builder
	for i := range names {
		names[i] = "$" + prefix + strconv.Itoa(i)
		decl.WriteString(names[i] + " STRING; ")
	}
	return decl.String(), "(" + strings.Join(names, ", ") + ")"
}

// bindBatch binds the variables inList(prefix, lookupBatch) declares to
// batch, repeating its last key where batch is short.
func bindBatch(binds map[string]any, prefix string, batch []string) {
	for i := range lookupBatch {
		binds["$"+prefix+strconv.Itoa(i)] = batch[min(i, len(batch)-1)]
	}
}

// inBatches calls fn with keys in consecutive batches of at most
// lookupBatch.
func inBatches(keys []string, fn func(batch []string) error) error {
	for start := 0; start < len(keys); start += lookupBatch {
		if err := fn(keys[start:min(start+lookupBatch, len(keys))]); err != nil {
			return err
		}
	}
	return nil
}

// joinErrs returns err, with the errors of the compensating steps that
// followed it when any failed.
func joinErrs(err error, compensations ...error) error {
	undo := errors.Join(compensations...)
	if undo == nil {
		return err
	}
	return fmt.Errorf("%w (undoing it: %w)", err, undo)
}

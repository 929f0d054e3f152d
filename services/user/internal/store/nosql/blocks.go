package nosql

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// pairTable is a table of one person's relation to another (a block, a
// mute): subject blocked or muted object, dated created_ts, keyed by
// (SHARD(subject), object), with dateIndex on (subject, created_ts) for
// the newest first lists.
type pairTable struct {
	name, subject, object, dateIndex string
}

var (
	blocks = pairTable{name: blocksTable, subject: "blocker_id", object: "blocked_id", dateIndex: "blocker_date_idx"}
	mutes  = pairTable{name: mutesTable, subject: "muter_id", object: "muted_id", dateIndex: "muter_date_idx"}
)

// pairSchema returns the DDL of t: the table and its date index.
func pairSchema(t pairTable) []string {
	return []string{
		"CREATE TABLE IF NOT EXISTS " + t.name + " (" + t.subject + " STRING, " + t.object + " STRING, created_ts LONG NOT NULL, PRIMARY KEY (SHARD(" + t.subject + "), " + t.object + "))",
		"CREATE INDEX IF NOT EXISTS " + t.dateIndex + " ON " + t.name + " (" + t.subject + ", created_ts)",
	}
}

// blocksSchema is the DDL of the blocks and mutes, with the indexes of
// blocks by the blocked person and of mutes by the muted one, so that who
// blocked or muted someone is one index read (BlockedIDs, and an account's
// deletion: DeleteRelations).
var blocksSchema = slices.Concat(pairSchema(blocks),
	[]string{"CREATE INDEX IF NOT EXISTS blocked_idx ON " + blocksTable + " (blocked_id, blocker_id)"},
	pairSchema(mutes),
	[]string{"CREATE INDEX IF NOT EXISTS muted_idx ON " + mutesTable + " (muted_id, muter_id)"})

// blocksBetween reads the blocks between two people by primary key, both
// ways at once.
const blocksBetween = "DECLARE $a STRING; $b STRING; SELECT blocker_id, blocked_id FROM " + blocksTable +
	" WHERE blocker_id IN ($a, $b) AND blocked_id IN ($a, $b)"

// PutBlock writes the block put-if-absent.
func (s *Store) PutBlock(ctx context.Context, blockerID, blockedID string, at time.Time) error {
	return s.putPair(ctx, blocks, blockerID, blockedID, at)
}

// DeleteBlock deletes the block's row.
func (s *Store) DeleteBlock(ctx context.Context, blockerID, blockedID string) (bool, error) {
	return s.deletePair(ctx, blocks, blockerID, blockedID)
}

// BlocksBetween reads both rows that may stand between a and b in one
// query by primary key.
func (s *Store) BlocksBetween(ctx context.Context, a, b string) (aBlockedB, bBlockedA bool, err error) {
	rows, err := s.c.Query(ctx, blocksBetween, map[string]any{"$a": a, "$b": b})
	if err != nil {
		return false, false, err
	}
	for _, m := range rows {
		r := nosqlclient.ReadRow(m)
		blocker, blocked := r.String("blocker_id"), r.String("blocked_id")
		if r.Err() != nil {
			return false, false, r.Err()
		}
		aBlockedB = aBlockedB || (blocker == a && blocked == b)
		bBlockedA = bBlockedA || (blocker == b && blocked == a)
	}
	return aBlockedB, bBlockedA, nil
}

// BlockedIDs reads the blocks userID made from its shard, then those made
// of userID from blocked_idx.
func (s *Store) BlockedIDs(ctx context.Context, userID string) ([]string, error) {
	binds := map[string]any{"$user": userID}
	made, err := s.column(ctx, "DECLARE $user STRING; SELECT blocked_id FROM "+blocksTable+" WHERE blocker_id = $user", binds, "blocked_id")
	if err != nil {
		return nil, err
	}
	suffered, err := s.column(ctx, "DECLARE $user STRING; SELECT blocker_id FROM "+blocksTable+" WHERE blocked_id = $user", binds, "blocker_id")
	if err != nil {
		return nil, err
	}
	ids := made
	for _, id := range suffered {
		if !slices.Contains(made, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// ListBlocks reads a page of q.UserID's blocks from blocker_date_idx.
func (s *Store) ListBlocks(ctx context.Context, q store.ListPeopleQuery) (store.PeoplePage, error) {
	return s.listPairs(ctx, blocks, q)
}

// PutMute writes the mute put-if-absent.
func (s *Store) PutMute(ctx context.Context, muterID, mutedID string, at time.Time) error {
	return s.putPair(ctx, mutes, muterID, mutedID, at)
}

// DeleteMute deletes the mute's row.
func (s *Store) DeleteMute(ctx context.Context, muterID, mutedID string) (bool, error) {
	return s.deletePair(ctx, mutes, muterID, mutedID)
}

// IsMuted reads the mute's row by its key.
func (s *Store) IsMuted(ctx context.Context, muterID, mutedID string) (bool, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: mutesTable, Key: pairKey(mutes, muterID, mutedID)})
	if err != nil {
		return false, err
	}
	return res.Value != nil, nil
}

// MutedIDs reads muterID's mutes from its shard.
func (s *Store) MutedIDs(ctx context.Context, muterID string) ([]string, error) {
	return s.column(ctx, "DECLARE $user STRING; SELECT muted_id FROM "+mutesTable+" WHERE muter_id = $user",
		map[string]any{"$user": muterID}, "muted_id")
}

// ListMutes reads a page of q.UserID's mutes from muter_date_idx.
func (s *Store) ListMutes(ctx context.Context, q store.ListPeopleQuery) (store.PeoplePage, error) {
	return s.listPairs(ctx, mutes, q)
}

func pairKey(t pairTable, subject, object string) *types.MapValue {
	return types.NewMapValue(map[string]any{t.subject: subject, t.object: object})
}

// putPair writes the row put-if-absent: one in place keeps its date.
func (s *Store) putPair(ctx context.Context, t pairTable, subject, object string, at time.Time) error {
	row := pairKey(t, subject, object)
	row.Put("created_ts", at.UnixNano())
	_, err := s.c.Put(ctx, &nosqldb.PutRequest{TableName: t.name, Value: row, PutOption: types.PutIfAbsent})
	return err
}

// deletePair deletes the row: deleting twice cannot harm.
func (s *Store) deletePair(ctx context.Context, t pairTable, subject, object string) (bool, error) {
	res, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: t.name, Key: pairKey(t, subject, object)})
	if err != nil {
		return false, err
	}
	return res.Success, nil
}

// column runs statement and returns the STRING column col of its rows.
func (s *Store) column(ctx context.Context, statement string, binds map[string]any, col string) ([]string, error) {
	rows, err := s.c.Query(ctx, statement, binds)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i, m := range rows {
		r := nosqlclient.ReadRow(m)
		if ids[i] = r.String(col); r.Err() != nil {
			return nil, r.Err()
		}
	}
	return ids, nil
}

// listPairs reads one page of q.UserID's rows in t from its date index,
// newest first. Ties on created_ts fall to the primary key in the same
// direction, the object's id: the order of the SQLite adapter, and of its
// page tokens.
func (s *Store) listPairs(ctx context.Context, t pairTable, q store.ListPeopleQuery) (store.PeoplePage, error) {
	if q.Limit <= 0 {
		return store.PeoplePage{}, fmt.Errorf("nosql: page size %d", q.Limit)
	}
	declarations := "DECLARE $user STRING; $n LONG; "
	where := " WHERE " + t.subject + " = $user"
	binds := map[string]any{"$user": q.UserID, "$n": q.Limit + 1}
	if q.PageToken != "" {
		after, err := store.DecodePageToken(q.PageToken)
		if err != nil {
			return store.PeoplePage{}, err
		}
		declarations += "$ts LONG; $other STRING; "
		where += " AND (created_ts < $ts OR (created_ts = $ts AND " + t.object + " < $other))"
		binds["$ts"], binds["$other"] = after.CreatedAt.UnixNano(), after.UserID
	}
	rows, err := s.c.Query(ctx, declarations+"SELECT "+t.object+", created_ts FROM "+t.name+where+
		" ORDER BY "+t.subject+" DESC, created_ts DESC LIMIT $n", binds)
	if err != nil {
		return store.PeoplePage{}, err
	}
	var (
		page  store.PeoplePage
		times []time.Time
	)
	for _, m := range rows {
		r := nosqlclient.ReadRow(m)
		id, at := r.String(t.object), r.Time("created_ts")
		if r.Err() != nil {
			return store.PeoplePage{}, r.Err()
		}
		page.UserIDs, times = append(page.UserIDs, id), append(times, at)
	}
	if len(page.UserIDs) > q.Limit {
		page.UserIDs = page.UserIDs[:q.Limit]
		page.NextPageToken = store.EncodePageToken(store.Cursor{CreatedAt: times[q.Limit-1], UserID: page.UserIDs[q.Limit-1]})
	}
	return page, nil
}

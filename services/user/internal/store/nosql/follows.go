package nosql

import (
	"context"
	"fmt"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// maxWriteMultiple is the most operations Oracle NoSQL takes in one
// WriteMultiple request.
const maxWriteMultiple = 50

func followKey(followerID, followeeID string) *types.MapValue {
	return types.NewMapValue(map[string]any{"followee_id": followeeID, "follower_id": followerID})
}

func followRow(f store.Follow) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"followee_id": f.FolloweeID,
		"follower_id": f.FollowerID,
		"state":       string(f.State),
		"created_ts":  f.CreatedAt.UnixNano(),
	})
}

func decodeFollow(m *types.MapValue) (store.Follow, error) {
	r := nosqlclient.ReadRow(m)
	f := store.Follow{
		FollowerID: r.String("follower_id"),
		FolloweeID: r.String("followee_id"),
		State:      store.FollowState(r.String("state")),
		CreatedAt:  r.Time("created_ts"),
	}
	return f, r.Err()
}

// getFollow returns the edge from followerID to followeeID and the version
// of its row, or a nil edge when there is none.
func (s *Store) getFollow(ctx context.Context, followerID, followeeID string) (*store.Follow, types.Version, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: followsTable, Key: followKey(followerID, followeeID)})
	if err != nil {
		return nil, nil, err
	}
	if res.Value == nil {
		return nil, nil, nil
	}
	f, err := decodeFollow(res.Value)
	return &f, res.Version, err
}

// PutFollowIfAbsent writes the edge put-if-absent and returns the row that
// stands afterwards: f, or the existing one the failed put returned.
func (s *Store) PutFollowIfAbsent(ctx context.Context, f store.Follow) (store.Follow, error) {
	res, err := s.c.Put(ctx, &nosqldb.PutRequest{
		TableName: followsTable, Value: followRow(f), PutOption: types.PutIfAbsent, ReturnRow: true,
	})
	if err != nil {
		return store.Follow{}, err
	}
	if res.Success() {
		return f, nil
	}
	if res.ExistingValue != nil {
		return decodeFollow(res.ExistingValue)
	}
	// The edge the put ran into was deleted before the answer: try again.
	return s.PutFollowIfAbsent(ctx, f)
}

// followStatesByFollowees reads the edges from one follower to a batch of
// followees, by primary key.
var followStatesByFollowees = func() string {
	declarations, list := inList("followee", lookupBatch)
	return "DECLARE $follower STRING; " + declarations +
		"SELECT followee_id, state FROM " + followsTable + " WHERE followee_id IN " + list + " AND follower_id = $follower"
}()

// GetFollowStates reads the edges from followerID in batches of primary
// keys.
func (s *Store) GetFollowStates(ctx context.Context, followerID string, followeeIDs []string) (map[string]store.FollowState, error) {
	states := make(map[string]store.FollowState, len(followeeIDs))
	err := inBatches(followeeIDs, func(batch []string) error {
		binds := map[string]any{"$follower": followerID}
		bindBatch(binds, "followee", batch)
		rows, err := s.c.Query(ctx, followStatesByFollowees, binds)
		if err != nil {
			return err
		}
		for _, m := range rows {
			r := nosqlclient.ReadRow(m)
			id, state := r.String("followee_id"), r.String("state")
			if r.Err() != nil {
				return r.Err()
			}
			states[id] = store.FollowState(state)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return states, nil
}

// SetFollowState reads the edge and its version and, when it is in state
// from, rewrites it put-if-version, reading again after a lost race. An
// edge found exactly as this call writes it after such a race is this
// call's own write, answered late.
func (s *Store) SetFollowState(ctx context.Context, followerID, followeeID string, from, to store.FollowState, at time.Time) error {
	want := store.Follow{FollowerID: followerID, FolloweeID: followeeID, State: to, CreatedAt: at}
	for attempted := false; ; attempted = true {
		f, version, err := s.getFollow(ctx, followerID, followeeID)
		if err != nil {
			return err
		}
		if attempted && f != nil && f.State == to && f.CreatedAt.Equal(at) {
			return nil
		}
		if f == nil || f.State != from {
			return store.ErrNotFound
		}
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName: followsTable, Value: followRow(want), PutOption: types.PutIfVersion, MatchVersion: version,
		})
		if err != nil {
			return err
		}
		if res.Success() {
			return nil
		}
	}
}

// DeleteFollow deletes the edge: unconditionally when any state will do,
// otherwise delete-if-version after reading it in state, reading again
// after a lost race.
func (s *Store) DeleteFollow(ctx context.Context, followerID, followeeID string, state store.FollowState) (bool, error) {
	key := followKey(followerID, followeeID)
	if state == "" {
		res, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: followsTable, Key: key})
		if err != nil {
			return false, err
		}
		return res.Success, nil
	}
	for {
		f, version, err := s.getFollow(ctx, followerID, followeeID)
		if err != nil {
			return false, err
		}
		if f == nil || f.State != state {
			return false, nil
		}
		res, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: followsTable, Key: key, MatchVersion: version})
		if err != nil {
			return false, err
		}
		if res.Success {
			return true, nil
		}
	}
}

// oldestRequests reads the oldest pending requests to one followee, a
// WriteMultiple's worth at a time, from followee_idx.
const oldestRequests = "DECLARE $followee STRING; $state STRING; $n LONG; " +
	"SELECT follower_id FROM " + followsTable + " WHERE followee_id = $followee AND state = $state " +
	"ORDER BY followee_id, state, created_ts LIMIT $n"

// AcceptFollowRequests accepts the pending requests to followeeID oldest
// first, up to maxWriteMultiple at a time: it reads each one's row and
// version and rewrites the still pending ones put-if-version in one
// WriteMultiple, all in followeeID's shard. Each operation stands alone, so
// that a row changed meanwhile is skipped without undoing the others; the
// next round reads what is still pending, so a retry accepts nothing
// twice.
func (s *Store) AcceptFollowRequests(ctx context.Context, followeeID string, at time.Time) (int, error) {
	binds := map[string]any{"$followee": followeeID, "$state": string(store.FollowRequested), "$n": maxWriteMultiple}
	accepted := 0
	for {
		rows, err := s.c.Query(ctx, oldestRequests, binds)
		if err != nil {
			return accepted, err
		}
		if len(rows) == 0 {
			return accepted, nil
		}
		req := &nosqldb.WriteMultipleRequest{TableName: followsTable}
		for _, m := range rows {
			r := nosqlclient.ReadRow(m)
			followerID := r.String("follower_id")
			if r.Err() != nil {
				return accepted, r.Err()
			}
			f, version, err := s.getFollow(ctx, followerID, followeeID)
			if err != nil {
				return accepted, err
			}
			if f == nil || f.State != store.FollowRequested {
				continue
			}
			put := &nosqldb.PutRequest{
				TableName: followsTable,
				Value: followRow(store.Follow{
					FollowerID: followerID, FolloweeID: followeeID, State: store.FollowFollowing, CreatedAt: at,
				}),
				PutOption:    types.PutIfVersion,
				MatchVersion: version,
			}
			if err := req.AddPutRequest(put, false); err != nil {
				return accepted, err
			}
		}
		if len(req.Operations) == 0 {
			continue
		}
		res, err := s.c.WriteMultiple(ctx, req)
		if err != nil {
			return accepted, err
		}
		for _, op := range res.ResultSet {
			if op.Success {
				accepted++
			}
		}
	}
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
	return "", "", fmt.Errorf("nosql: unknown direction %d", d)
}

// CountFollows counts the edges on followee_idx or follower_idx.
func (s *Store) CountFollows(ctx context.Context, userID string, direction store.Direction, state store.FollowState) (int64, error) {
	self, _, err := edgeColumns(direction)
	if err != nil {
		return 0, err
	}
	rows, err := s.c.Query(ctx, "DECLARE $user STRING; $state STRING; SELECT count(*) AS n FROM "+followsTable+
		" WHERE "+self+" = $user AND state = $state", map[string]any{"$user": userID, "$state": string(state)})
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("nosql: count returned %d rows", len(rows))
	}
	r := nosqlclient.ReadRow(rows[0])
	n := r.Long("n")
	return n, r.Err()
}

// ListFollows reads one page from followee_idx (followers) or follower_idx
// (following), newest first. Ties on created_ts fall to the primary key in
// the same direction, which with the listed user fixed is the other user's
// id: the order of the SQLite adapter, and of its page tokens.
func (s *Store) ListFollows(ctx context.Context, q store.ListFollowsQuery) (store.FollowPage, error) {
	self, other, err := edgeColumns(q.Direction)
	if err != nil {
		return store.FollowPage{}, err
	}
	if q.Limit <= 0 {
		return store.FollowPage{}, fmt.Errorf("nosql: page size %d", q.Limit)
	}
	declarations := "DECLARE $user STRING; $state STRING; $n LONG; "
	where := " WHERE " + self + " = $user AND state = $state"
	binds := map[string]any{"$user": q.UserID, "$state": string(q.State), "$n": q.Limit + 1}
	if !q.FollowedAfter.IsZero() {
		declarations += "$after LONG; "
		where += " AND created_ts > $after"
		binds["$after"] = unixnano.FromTime(q.FollowedAfter)
	}
	if q.PageToken != "" {
		after, err := store.DecodePageToken(q.PageToken)
		if err != nil {
			return store.FollowPage{}, err
		}
		declarations += "$ts LONG; $other STRING; "
		where += " AND (created_ts < $ts OR (created_ts = $ts AND " + other + " < $other))"
		binds["$ts"], binds["$other"] = after.CreatedAt.UnixNano(), after.UserID
	}
	statement := declarations + "SELECT follower_id, followee_id, state, created_ts FROM " + followsTable + where +
		" ORDER BY " + self + " DESC, state DESC, created_ts DESC LIMIT $n"
	rows, err := s.c.Query(ctx, statement, binds)
	if err != nil {
		return store.FollowPage{}, err
	}
	var page store.FollowPage
	for _, m := range rows {
		f, err := decodeFollow(m)
		if err != nil {
			return store.FollowPage{}, err
		}
		page.Follows = append(page.Follows, f)
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

package nosql

import (
	"context"
	"fmt"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// countersTable holds the throttle's counters.
const countersTable = "fotogal_ntable_userthrottle"

// IncrementCounter counts an event for key: read the row and its version,
// write the next count put-if-version (put-if-absent without a row), and
// read again after a lost race.
func (s *Store) IncrementCounter(ctx context.Context, key string, now time.Time, window time.Duration) (store.Counter, error) {
	for {
		cur, version, err := s.getCounter(ctx, key)
		if err != nil {
			return store.Counter{}, fmt.Errorf("nosql: increment counter: %w", err)
		}
		next := store.Counter{Count: 1, ExpireTime: now.Add(window).UTC()}
		if version != nil && now.Before(cur.ExpireTime) {
			next = store.Counter{Count: cur.Count + 1, ExpireTime: cur.ExpireTime}
		}
		ok, err := s.putCounter(ctx, key, next, version, rowTTL(next.ExpireTime, now))
		if err != nil {
			return store.Counter{}, fmt.Errorf("nosql: increment counter: %w", err)
		}
		if ok {
			return next, nil
		}
	}
}

// getCounter reads key's counter and the version of its row; a nil
// version when there is no row.
func (s *Store) getCounter(ctx context.Context, key string) (store.Counter, types.Version, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: countersTable, Key: counterKey(key)})
	if err != nil {
		return store.Counter{}, nil, err
	}
	if res.Value == nil {
		return store.Counter{}, nil, nil
	}
	r := nosqlclient.ReadRow(res.Value)
	c := store.Counter{Count: r.Int("event_count"), ExpireTime: r.Time("expire_time")}
	if r.Err() != nil {
		return store.Counter{}, nil, r.Err()
	}
	return c, res.Version, nil
}

// putCounter writes c as key's counter, put-if-version at version (or
// put-if-absent when version is nil), with the row TTL ttl, and reports
// whether the condition held.
func (s *Store) putCounter(ctx context.Context, key string, c store.Counter, version types.Version, ttl *types.TimeToLive) (bool, error) {
	req := &nosqldb.PutRequest{
		TableName: countersTable,
		Value: types.NewMapValue(map[string]any{
			"counter_key": key,
			"event_count": c.Count,
			"expire_time": c.ExpireTime.UnixNano(),
		}),
		PutOption: types.PutIfAbsent,
		TTL:       ttl,
	}
	if version != nil {
		req.PutOption, req.MatchVersion = types.PutIfVersion, version
	}
	res, err := s.c.Put(ctx, req)
	if err != nil {
		return false, err
	}
	return res.Success(), nil
}

func counterKey(key string) *types.MapValue {
	return types.NewMapValue(map[string]any{"counter_key": key})
}

// rowTTL returns the time to live of a counter's row written at now for a
// window that ends at expire: the time left, rounded up to whole hours (the
// unit of Oracle NoSQL's TTLs), and at least an hour (a TTL of zero would
// mean never). The service rounds the row's expiry up to an hour boundary
// too, so the row outlives its window by less than two hours.
func rowTTL(expire, now time.Time) *types.TimeToLive {
	left := expire.Sub(now)
	hours := int64(left / time.Hour)
	if left%time.Hour > 0 {
		hours++
	}
	return &types.TimeToLive{Value: max(hours, 1), Unit: types.Hours}
}

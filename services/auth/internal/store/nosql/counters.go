package nosql

import (
	"context"
	"fmt"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/auth/internal/store"
)

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

// DecrementCounter takes one from key's count, put-if-version, if its
// window still ends at expire and its count is above zero.
func (s *Store) DecrementCounter(ctx context.Context, key string, expire time.Time) error {
	for {
		cur, version, err := s.getCounter(ctx, key)
		if err != nil {
			return fmt.Errorf("nosql: decrement counter: %w", err)
		}
		if version == nil || cur.ExpireTime.UnixNano() != expire.UnixNano() || cur.Count <= 0 {
			return nil
		}
		cur.Count--
		// Without a TTL the put keeps the row's own.
		ok, err := s.putCounter(ctx, key, cur, version, nil)
		if err != nil {
			return fmt.Errorf("nosql: decrement counter: %w", err)
		}
		if ok {
			return nil
		}
	}
}

// DeleteCounter deletes key's row.
func (s *Store) DeleteCounter(ctx context.Context, key string) error {
	if _, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: countersTable, Key: counterKey(key)}); err != nil {
		return fmt.Errorf("nosql: delete counter: %w", err)
	}
	return nil
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
// put-if-absent when version is nil), with the row TTL ttl (none keeps the
// row's), and reports whether the condition held.
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

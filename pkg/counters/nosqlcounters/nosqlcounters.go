// Package nosqlcounters is the Oracle NoSQL Database adapter of the
// counters port (pkg/counters), reached through pkg/nosqlclient: one table
// per service, one row per key (counter_key, at most 64 bytes), with
// event_count (INTEGER) and expire_time, the end of its window (LONG UTC
// nanoseconds). No row grows: a counter is one number.
//
// Each row is written with a time to live from the end of its window,
// rounded up to whole hours and at least one, so that it goes by itself
// within two hours after; until then IncrementCounter treats a row whose
// expire_time has passed as no window. Increments and decrements read the
// row with its version and write it put-if-version (put-if-absent when
// there is no row), reading again after a lost race; a decrement keeps the
// row's time to live.
package nosqlcounters

import (
	"context"
	"fmt"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/counters"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
)

var _ counters.Reversible = (*Counters)(nil)

// Schema returns the DDL statement of a counters table named table (a
// constant of the caller's, never user input), for the caller's schema
// list and its package doc.
func Schema(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + table +
		" (counter_key STRING, event_count INTEGER NOT NULL, expire_time LONG NOT NULL, PRIMARY KEY (counter_key))"
}

// Counters are counters.Reversible in one table of Oracle NoSQL Database.
type Counters struct {
	c     *nosqlclient.Client
	table string
}

// New returns the counters in table through c, a table that Schema(table)
// created.
func New(c *nosqlclient.Client, table string) *Counters {
	return &Counters{c: c, table: table}
}

// IncrementCounter counts an event for key: read the row and its version,
// write the next count put-if-version (put-if-absent without a row), and
// read again after a lost race.
func (c *Counters) IncrementCounter(ctx context.Context, key string, now time.Time, window time.Duration) (counters.Counter, error) {
	for {
		cur, version, err := c.get(ctx, key)
		if err != nil {
			return counters.Counter{}, fmt.Errorf("nosql: increment counter: %w", err)
		}
		next := counters.Counter{Count: 1, ExpireTime: now.Add(window).UTC()}
		if version != nil && now.Before(cur.ExpireTime) {
			next = counters.Counter{Count: cur.Count + 1, ExpireTime: cur.ExpireTime}
		}
		ok, err := c.put(ctx, key, next, version, rowTTL(next.ExpireTime, now))
		if err != nil {
			return counters.Counter{}, fmt.Errorf("nosql: increment counter: %w", err)
		}
		if ok {
			return next, nil
		}
	}
}

// DecrementCounter takes one from key's count, put-if-version, if its
// window still ends at expire and its count is above zero.
func (c *Counters) DecrementCounter(ctx context.Context, key string, expire time.Time) error {
	for {
		cur, version, err := c.get(ctx, key)
		if err != nil {
			return fmt.Errorf("nosql: decrement counter: %w", err)
		}
		if version == nil || cur.ExpireTime.UnixNano() != expire.UnixNano() || cur.Count <= 0 {
			return nil
		}
		cur.Count--
		// Without a TTL the put keeps the row's own.
		ok, err := c.put(ctx, key, cur, version, nil)
		if err != nil {
			return fmt.Errorf("nosql: decrement counter: %w", err)
		}
		if ok {
			return nil
		}
	}
}

// DeleteCounter deletes key's row.
func (c *Counters) DeleteCounter(ctx context.Context, key string) error {
	if _, err := c.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: c.table, Key: primaryKey(key)}); err != nil {
		return fmt.Errorf("nosql: delete counter: %w", err)
	}
	return nil
}

// get reads key's counter and the version of its row; a nil version when
// there is no row.
func (c *Counters) get(ctx context.Context, key string) (counters.Counter, types.Version, error) {
	res, err := c.c.Get(ctx, &nosqldb.GetRequest{TableName: c.table, Key: primaryKey(key)})
	if err != nil {
		return counters.Counter{}, nil, err
	}
	if res.Value == nil {
		return counters.Counter{}, nil, nil
	}
	r := nosqlclient.ReadRow(res.Value)
	got := counters.Counter{Count: r.Int("event_count"), ExpireTime: r.Time("expire_time")}
	if r.Err() != nil {
		return counters.Counter{}, nil, r.Err()
	}
	return got, res.Version, nil
}

// put writes cnt as key's counter, put-if-version at version (or
// put-if-absent when version is nil), with the row TTL ttl (none keeps the
// row's), and reports whether the condition held.
func (c *Counters) put(ctx context.Context, key string, cnt counters.Counter, version types.Version, ttl *types.TimeToLive) (bool, error) {
	req := &nosqldb.PutRequest{
		TableName: c.table,
		Value: types.NewMapValue(map[string]any{
			"counter_key": key,
			"event_count": cnt.Count,
			"expire_time": cnt.ExpireTime.UnixNano(),
		}),
		PutOption: types.PutIfAbsent,
		TTL:       ttl,
	}
	if version != nil {
		req.PutOption, req.MatchVersion = types.PutIfVersion, version
	}
	res, err := c.c.Put(ctx, req)
	if err != nil {
		return false, err
	}
	return res.Success(), nil
}

// primaryKey returns the primary key of key's row.
func primaryKey(key string) *types.MapValue {
	return types.NewMapValue(map[string]any{"counter_key": key})
}

// rowTTL returns the time to live of a counter's row written at now for a
// window that ends at expire: the time left, rounded up to whole hours (the
// unit of Oracle NoSQL's TTLs), and at least an hour (a TTL of zero would
// mean never).
func rowTTL(expire, now time.Time) *types.TimeToLive {
	left := expire.Sub(now)
	hours := int64(left / time.Hour)
	if left%time.Hour > 0 {
		hours++
	}
	return &types.TimeToLive{Value: max(hours, 1), Unit: types.Hours}
}

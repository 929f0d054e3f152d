// Package nosqlactivity is the Oracle NoSQL Database adapter of the
// activity-log port (pkg/activity), reached through pkg/nosqlclient: one
// table per service, one row per event, with the primary key event_id (a
// STRING, the shard key), event_ts (LONG UTC nanoseconds), kind (INTEGER),
// actor_id, recipient_id, image_id, comment_id and event_text (STRINGs, empty
// when the event has none) and retracted (BOOLEAN). No row grows: an event
// is written once and its text is at most activity.MaxTextLen characters.
//
// The secondary index event_ts_idx on (event_ts, event_id) is the log's
// order: ListEventsAfter is one query in its order, strictly after the
// cursor, oldest first. Event ids are at most 26 bytes, the length of
// activity.NewID's, and AppendEvents refuses longer ones, so that the
// primary key is at most 26 bytes and the index key 8 + 26 = 34, under the
// service's 64-byte limit.
//
// Events are on different shards, so AppendEvents cannot write them in
// one WriteMultiple: it puts each one if absent, a few at a time, so that
// an event already there (a retry) is left as it is. An append that fails
// part way may have written some of its events; its retry writes the rest.
//
// The secondary indexes actor_idx and recipient_idx find a person's
// events when their account is deleted (DeleteEventsOf).
//
// # Retention
//
// Each row is written with a time to live of activity.Retention from the
// event's time, rounded up to whole days (the unit of Oracle NoSQL's TTLs)
// and at least one, so that it goes by itself within two days after. An
// event already older than the retention, by the clock at the call, is not
// written, and ListEventsAfter leaves out the rows older than it that have
// not gone yet.
package nosqlactivity

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/unixnano"
)

var _ activity.Log = (*Log)(nil)

// maxIDLen is the longest event id the log takes, that of activity.NewID,
// which keeps the keys under 64 bytes.
const maxIDLen = 26

// parallelWrites is how many puts one AppendEvents keeps in flight.
const parallelWrites = 4

// day is the unit of the rows' time to live.
const day = 24 * time.Hour

// Schema returns the DDL statements of an activity table named table (a
// constant of the caller's, never user input), the table and then its
// index, for the caller's schema list and its package doc.
func Schema(table string) []string {
	return []string{
		"CREATE TABLE IF NOT EXISTS " + table + " (event_id STRING, event_ts LONG NOT NULL, kind INTEGER NOT NULL, " +
			"actor_id STRING NOT NULL, recipient_id STRING NOT NULL, image_id STRING NOT NULL, " +
			"comment_id STRING NOT NULL, event_text STRING NOT NULL, retracted BOOLEAN NOT NULL, PRIMARY KEY (event_id))",
		"CREATE INDEX IF NOT EXISTS event_ts_idx ON " + table + " (event_ts, event_id)",
		"CREATE INDEX IF NOT EXISTS actor_idx ON " + table + " (actor_id)",
		"CREATE INDEX IF NOT EXISTS recipient_idx ON " + table + " (recipient_id)",
	}
}

// Log is an activity.Log in one table of Oracle NoSQL Database.
type Log struct {
	c     *nosqlclient.Client
	table string
	// list reads the events strictly after $event_ts and $event_id, in the
	// order of event_ts_idx.
	list string
	// ofActor and ofRecipient read the ids of a page of a person's events,
	// through actor_idx and recipient_idx.
	ofActor, ofRecipient string
}

// New returns the log in table through c, a table that Schema(table)
// created.
func New(c *nosqlclient.Client, table string) *Log {
	return &Log{
		c:     c,
		table: table,
		list: "DECLARE $event_ts LONG; $event_id STRING; $limit INTEGER; " +
			"SELECT event_id, event_ts, kind, actor_id, recipient_id, image_id, comment_id, event_text, retracted FROM " + table +
			" WHERE event_ts > $event_ts OR (event_ts = $event_ts AND event_id > $event_id)" +
			" ORDER BY event_ts, event_id LIMIT $limit",
		ofActor:     "DECLARE $user_id STRING; $limit INTEGER; SELECT event_id FROM " + table + " WHERE actor_id = $user_id LIMIT $limit",
		ofRecipient: "DECLARE $user_id STRING; $limit INTEGER; SELECT event_id FROM " + table + " WHERE recipient_id = $user_id LIMIT $limit",
	}
}

// deletePage is how many of a person's events DeleteEventsOf reads and
// deletes at a time.
const deletePage = 100

// DeleteEventsOf reads a page of the ids of userID's events, as actor and
// then as recipient, deletes each, and goes on until a read finds none.
// The events are on different shards, so each is a delete of its own; a
// call cut short has deleted some, and its retry finds the others.
func (l *Log) DeleteEventsOf(ctx context.Context, userID string) error {
	for _, query := range []string{l.ofActor, l.ofRecipient} {
		for {
			rows, err := l.c.Query(ctx, query, map[string]any{"$user_id": userID, "$limit": deletePage})
			if err != nil {
				return fmt.Errorf("nosql: find events of %s: %w", userID, err)
			}
			if len(rows) == 0 {
				break
			}
			for _, row := range rows {
				r := nosqlclient.ReadRow(row)
				id := r.String("event_id")
				if err := r.Err(); err != nil {
					return fmt.Errorf("nosql: read event id: %w", err)
				}
				_, err := l.c.Delete(ctx, &nosqldb.DeleteRequest{
					TableName: l.table,
					Key:       types.NewMapValue(map[string]any{"event_id": id}),
				})
				if err != nil {
					return fmt.Errorf("nosql: delete event %s: %w", id, err)
				}
			}
		}
	}
	return nil
}

// AppendEvents puts each event if absent, parallelWrites at a time, with
// a time to live of the retention from its time; it skips the events
// already older than the retention, and all but the first of those that
// share an id.
func (l *Log) AppendEvents(ctx context.Context, events ...activity.Event) error {
	for _, ev := range events {
		if len(ev.ID) == 0 || len(ev.ID) > maxIDLen {
			return fmt.Errorf("nosql: append events: event id %q is not 1 to %d bytes", ev.ID, maxIDLen)
		}
	}
	now := time.Now()
	var (
		wg    sync.WaitGroup
		slots = make(chan struct{}, parallelWrites)
		errs  = make(chan error, len(events))
		seen  = make(map[string]bool, len(events))
	)
	for _, ev := range events {
		left := ev.Time.Add(activity.Retention).Sub(now)
		if left < 0 || seen[ev.ID] {
			continue
		}
		seen[ev.ID] = true
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := l.put(ctx, ev, rowTTL(left)); err != nil {
				errs <- fmt.Errorf("nosql: append event %s: %w", ev.ID, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// put writes ev put-if-absent with the row TTL ttl; an event whose id is
// there already is left as it is.
func (l *Log) put(ctx context.Context, ev activity.Event, ttl *types.TimeToLive) error {
	_, err := l.c.Put(ctx, &nosqldb.PutRequest{
		TableName: l.table,
		Value: types.NewMapValue(map[string]any{
			"event_id":     ev.ID,
			"event_ts":     unixnano.FromTime(ev.Time),
			"kind":         int(ev.Kind),
			"actor_id":     ev.ActorID,
			"recipient_id": ev.RecipientID,
			"image_id":     ev.ImageID,
			"comment_id":   ev.CommentID,
			"event_text":   ev.Text,
			"retracted":    ev.Retracted,
		}),
		PutOption: types.PutIfAbsent,
		TTL:       ttl,
	})
	return err
}

// ListEventsAfter returns up to limit events strictly after the cursor,
// oldest first, leaving out those older than the retention.
func (l *Log) ListEventsAfter(ctx context.Context, after activity.Cursor, limit int) ([]activity.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	ts, id := start(after, time.Now())
	rows, err := l.c.Query(ctx, l.list, map[string]any{"$event_ts": ts, "$event_id": id, "$limit": limit})
	if err != nil {
		return nil, fmt.Errorf("nosql: list events: %w", err)
	}
	events := make([]activity.Event, 0, len(rows))
	for _, row := range rows {
		r := nosqlclient.ReadRow(row)
		ev := activity.Event{
			ID:          r.String("event_id"),
			Time:        r.Time("event_ts"),
			Kind:        activity.Kind(r.Int("kind")),
			ActorID:     r.String("actor_id"),
			RecipientID: r.String("recipient_id"),
			ImageID:     r.String("image_id"),
			CommentID:   r.String("comment_id"),
			Text:        r.String("event_text"),
			Retracted:   r.Bool("retracted"),
		}
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("nosql: read event: %w", err)
		}
		events = append(events, ev)
	}
	return events, nil
}

// start returns the position a listing at now reads strictly after: the
// cursor, or, when the cursor is older than the retention, the oldest time
// kept with the empty id, which every event's id follows.
func start(after activity.Cursor, now time.Time) (int64, string) {
	ts, oldest := unixnano.FromTime(after.Time), unixnano.FromTime(now.Add(-activity.Retention))
	if ts < oldest {
		return oldest, ""
	}
	return ts, after.ID
}

// rowTTL returns the time to live of an event's row with left of its
// retention to go: rounded up to whole days, and at least one (a TTL of
// zero would mean never).
func rowTTL(left time.Duration) *types.TimeToLive {
	days := int64(left / day)
	if left%day > 0 {
		days++
	}
	return &types.TimeToLive{Value: max(days, 1), Unit: types.Days}
}

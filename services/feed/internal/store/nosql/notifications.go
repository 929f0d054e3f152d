package nosql

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// maxIDBytes is the longest recipient or notification id the store keeps:
// with both in the primary key and event_ts between them in
// notification_time_idx, a key stays within Oracle NoSQL's 64 bytes.
const maxIDBytes = 26

// readMarkID is the notification_id of a recipient's read-mark row among
// their notifications. The feed's notification ids are lower-case base32,
// which has no '#'.
const readMarkID = "#read"

// day is the unit of the notifications' row TTLs.
const day = 24 * time.Hour

// activityCursorName is the key of source's activity cursor in
// feedStateTable.
func activityCursorName(source string) string { return "activity_cursor/" + source }

// checkNotification refuses a notification whose key the table cannot
// hold, or that would land on its recipient's read-mark row.
func checkNotification(n store.Notification) error {
	switch {
	case len(n.RecipientID) > maxIDBytes:
		return fmt.Errorf("recipient id of %d bytes, at most %d", len(n.RecipientID), maxIDBytes)
	case len(n.ID) > maxIDBytes:
		return fmt.Errorf("notification id of %d bytes, at most %d", len(n.ID), maxIDBytes)
	case n.ID == readMarkID:
		return fmt.Errorf("notification id %q is reserved", n.ID)
	}
	return nil
}

func notificationKey(recipientID, id string) *types.MapValue {
	return types.NewMapValue(map[string]any{"recipient_id": recipientID, "notification_id": id})
}

func notificationRow(n store.Notification) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"recipient_id":      n.RecipientID,
		"notification_id":   n.ID,
		"kind":              int(n.Kind),
		"actor_id":          n.ActorID,
		"image_id":          n.ImageID,
		"comment_id":        n.CommentID,
		"notification_text": n.Text,
		"event_ts":          unixnano.FromTime(n.EventTime),
		"event_id":          n.EventID,
		"retracted":         n.Retracted,
	})
}

// decodeNotification reads a notification row of recipientID.
func decodeNotification(recipientID string, m *types.MapValue) (store.Notification, error) {
	r := nosqlclient.ReadRow(m)
	n := store.Notification{
		RecipientID: recipientID,
		ID:          r.String("notification_id"),
		Kind:        activity.Kind(r.Int("kind")),
		ActorID:     r.String("actor_id"),
		ImageID:     r.String("image_id"),
		CommentID:   r.String("comment_id"),
		Text:        r.String("notification_text"),
		EventTime:   r.Time("event_ts"),
		EventID:     r.String("event_id"),
		Retracted:   r.Bool("retracted"),
	}
	return n, r.Err()
}

// notificationTTL is the time to live of n's row written at now: until its
// event is past its retention (store.TombstoneRetention for a tombstone,
// store.NotificationRetention otherwise), rounded up to whole days, and at
// least a day (a TTL of zero would mean never).
func notificationTTL(n store.Notification, now time.Time) *types.TimeToLive {
	keep := store.NotificationRetention
	if n.Retracted {
		keep = store.TombstoneRetention
	}
	left := n.EventTime.Add(keep).Sub(now)
	days := int64(left / day)
	if left%day > 0 {
		days++
	}
	return &types.TimeToLive{Value: max(days, 1), Unit: types.Days}
}

// newer reports whether the event or position (ts, id) comes after
// (otherTS, otherID).
func newer(ts int64, id string, otherTS int64, otherID string) bool {
	return cmp.Or(cmp.Compare(ts, otherTS), cmp.Compare(id, otherID)) > 0
}

// ApplyNotifications checks every notification's key, then applies each,
// parallelWrites at a time: read the row and its version, leave it if it is
// as new or newer by (event_ts, event_id), else write the notification
// put-if-version (put-if-absent without a row), with its TTL, reading again
// after a lost race.
func (s *Store) ApplyNotifications(ctx context.Context, ns []store.Notification) error {
	for _, n := range ns {
		if err := checkNotification(n); err != nil {
			return fmt.Errorf("nosql: apply notifications: %w", err)
		}
	}
	err := s.inParallel(ctx, len(ns), func(ctx context.Context, i int) error {
		return s.applyNotification(ctx, ns[i])
	})
	if err != nil {
		return fmt.Errorf("nosql: apply notifications: %w", err)
	}
	return nil
}

// applyNotification writes n unless its row is as new or newer. The TTL
// replaces the row's: a tombstone over a live row lives as a tombstone.
func (s *Store) applyNotification(ctx context.Context, n store.Notification) error {
	key := notificationKey(n.RecipientID, n.ID)
	ts := unixnano.FromTime(n.EventTime)
	for {
		res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: notificationsTable, Key: key})
		if err != nil {
			return err
		}
		put := &nosqldb.PutRequest{
			TableName: notificationsTable, Value: notificationRow(n), PutOption: types.PutIfAbsent,
			TTL: notificationTTL(n, time.Now()),
		}
		if res.Value != nil {
			cur, err := decodeNotification(n.RecipientID, res.Value)
			if err != nil {
				return err
			}
			if !newer(ts, n.EventID, unixnano.FromTime(cur.EventTime), cur.EventID) {
				return nil
			}
			put.PutOption, put.MatchVersion = types.PutIfVersion, res.Version
		}
		written, err := s.c.Put(ctx, put)
		if err != nil {
			return err
		}
		if written.Success() {
			return nil
		}
	}
}

// listNotifications reads a page of an inbox with one query of
// notification_time_idx in the recipient's shard, newest first: live rows
// whose event is after a cutoff, strictly before a cursor unless
// fromNewest. The read-mark row has no event_ts nor retracted, so that
// every condition on them is unknown for it and the query never returns
// it.
func listNotifications(fromNewest bool) string {
	decl, before := "DECLARE $recipient STRING; $since_ts LONG; $n LONG; ", ""
	if !fromNewest {
		decl = "DECLARE $recipient STRING; $since_ts LONG; $before_ts LONG; $before_id STRING; $n LONG; "
		before = " AND (event_ts < $before_ts OR (event_ts = $before_ts AND notification_id < $before_id))"
	}
	return decl + "SELECT notification_id, kind, actor_id, image_id, comment_id, notification_text, event_ts, event_id, retracted" +
		" FROM " + notificationsTable +
		" WHERE recipient_id = $recipient AND retracted = false AND event_ts > $since_ts" + before +
		" ORDER BY recipient_id DESC, event_ts DESC, notification_id DESC LIMIT $n"
}

// ListNotifications reads a page of recipientID's live notifications with
// one query.
func (s *Store) ListNotifications(ctx context.Context, recipientID string, before store.NotificationCursor, limit int) ([]store.Notification, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("nosql: list notifications: limit %d", limit)
	}
	fromNewest := before == store.NotificationCursor{}
	binds := map[string]any{
		"$recipient": recipientID,
		"$since_ts":  unixnano.FromTime(time.Now().Add(-store.NotificationRetention)),
		"$n":         int64(limit),
	}
	if !fromNewest {
		binds["$before_ts"], binds["$before_id"] = unixnano.FromTime(before.EventTime), before.ID
	}
	rows, err := s.c.Query(ctx, listNotifications(fromNewest), binds)
	if err != nil {
		return nil, fmt.Errorf("nosql: list notifications: %w", err)
	}
	ns := make([]store.Notification, 0, len(rows))
	for _, m := range rows {
		n, err := decodeNotification(recipientID, m)
		if err != nil {
			return nil, fmt.Errorf("nosql: list notifications: %w", err)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// DeleteNotifications deletes the rows of ids by key, in WriteMultiple
// requests of up to maxWriteMultiple deletes in the recipient's shard,
// parallelWrites at a time. An id that cannot be a notification's (too
// long, or the read mark's) is no row to delete, nor is a repeat.
func (s *Store) DeleteNotifications(ctx context.Context, recipientID string, ids []string) error {
	if len(recipientID) > maxIDBytes {
		return nil
	}
	seen := make(map[string]bool, len(ids))
	var keys []string
	for _, id := range ids {
		if !seen[id] && len(id) <= maxIDBytes && id != readMarkID {
			seen[id] = true
			keys = append(keys, id)
		}
	}
	batches := (len(keys) + maxWriteMultiple - 1) / maxWriteMultiple
	err := s.inParallel(ctx, batches, func(ctx context.Context, i int) error {
		req := &nosqldb.WriteMultipleRequest{TableName: notificationsTable}
		for _, id := range keys[i*maxWriteMultiple : min((i+1)*maxWriteMultiple, len(keys))] {
			if err := req.AddDeleteRequest(&nosqldb.DeleteRequest{TableName: notificationsTable, Key: notificationKey(recipientID, id)}, false); err != nil {
				return err
			}
		}
		_, err := s.c.WriteMultiple(ctx, req)
		return err
	})
	if err != nil {
		return fmt.Errorf("nosql: delete notifications: %w", err)
	}
	return nil
}

// readMark returns recipientID's read mark and the version of its row:
// the zero time and a nil version when there is none.
func (s *Store) readMark(ctx context.Context, recipientID string) (time.Time, types.Version, error) {
	if len(recipientID) > maxIDBytes {
		return time.Time{}, nil, nil
	}
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: notificationsTable, Key: notificationKey(recipientID, readMarkID)})
	if err != nil {
		return time.Time{}, nil, err
	}
	if res.Value == nil {
		return time.Time{}, nil, nil
	}
	r := nosqlclient.ReadRow(res.Value)
	t := r.Time("read_ts")
	return t, res.Version, r.Err()
}

// ReadMark reads recipientID's read-mark row.
func (s *Store) ReadMark(ctx context.Context, recipientID string) (time.Time, error) {
	t, _, err := s.readMark(ctx, recipientID)
	if err != nil {
		return time.Time{}, fmt.Errorf("nosql: read mark: %w", err)
	}
	return t, nil
}

// AdvanceReadMark reads the read-mark row and its version and, when t is
// after the mark, writes t put-if-version (put-if-absent without a row),
// reading again after a lost race, so that the mark never moves back. The
// row has no TTL: one small row per recipient.
func (s *Store) AdvanceReadMark(ctx context.Context, recipientID string, t time.Time) (time.Time, error) {
	if len(recipientID) > maxIDBytes {
		return time.Time{}, fmt.Errorf("nosql: advance read mark: recipient id of %d bytes, at most %d", len(recipientID), maxIDBytes)
	}
	if t.After(time.Time{}) {
		// As stored: nanoseconds in the int64 range, in UTC.
		t = unixnano.ToTime(unixnano.FromTime(t))
	}
	for {
		cur, version, err := s.readMark(ctx, recipientID)
		if err != nil {
			return time.Time{}, fmt.Errorf("nosql: advance read mark: %w", err)
		}
		if !t.After(cur) {
			return cur, nil
		}
		put := &nosqldb.PutRequest{
			TableName: notificationsTable,
			Value: types.NewMapValue(map[string]any{
				"recipient_id": recipientID, "notification_id": readMarkID, "read_ts": unixnano.FromTime(t),
			}),
			PutOption: types.PutIfAbsent,
		}
		if version != nil {
			put.PutOption, put.MatchVersion = types.PutIfVersion, version
		}
		res, err := s.c.Put(ctx, put)
		if err != nil {
			return time.Time{}, fmt.Errorf("nosql: advance read mark: %w", err)
		}
		if res.Success() {
			return t, nil
		}
	}
}

// activityCursor returns source's cursor and the version of its row, or
// store.ErrNotFound.
func (s *Store) activityCursor(ctx context.Context, source string) (activity.Cursor, types.Version, error) {
	p, version, err := s.getCursor(ctx, activityCursorName(source))
	return activity.Cursor{Time: p.CreatedAt, ID: p.ImageID}, version, err
}

// ActivityCursor reads source's row of the feed state.
func (s *Store) ActivityCursor(ctx context.Context, source string) (activity.Cursor, error) {
	c, _, err := s.activityCursor(ctx, source)
	if err != nil {
		return activity.Cursor{}, fmt.Errorf("nosql: activity cursor of %s: %w", source, err)
	}
	return c, nil
}

// AdvanceActivityCursor reads source's cursor and its version and, when c
// is after it, writes c put-if-version (put-if-absent without a row),
// reading again after a lost race, so that the cursor never moves back.
func (s *Store) AdvanceActivityCursor(ctx context.Context, source string, c activity.Cursor) error {
	ts := unixnano.FromTime(c.Time)
	for {
		cur, version, err := s.activityCursor(ctx, source)
		found := !errors.Is(err, store.ErrNotFound)
		if found && err != nil {
			return fmt.Errorf("nosql: advance activity cursor of %s: %w", source, err)
		}
		if found && !newer(ts, c.ID, unixnano.FromTime(cur.Time), cur.ID) {
			return nil
		}
		put := &nosqldb.PutRequest{
			TableName: feedStateTable, Value: cursorRow(activityCursorName(source), c.Time, c.ID), PutOption: types.PutIfAbsent,
		}
		if found {
			put.PutOption, put.MatchVersion = types.PutIfVersion, version
		}
		res, err := s.c.Put(ctx, put)
		if err != nil {
			return fmt.Errorf("nosql: advance activity cursor of %s: %w", source, err)
		}
		if res.Success() {
			return nil
		}
	}
}

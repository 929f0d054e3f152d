package nosql

import (
	"context"
	"fmt"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
)

// The queries of the deletion of an account, each reading the primary keys
// of up to $n of its rows.
const (
	// readerRows reads a reader's rows in their shard, in key order: the
	// state row, at the bottom of posting order, comes first.
	readerRows = "DECLARE $reader STRING; $n LONG; SELECT reader_id, created_ts, image_id FROM " + timelinesTable +
		" WHERE reader_id = $reader ORDER BY reader_id, created_ts, image_id LIMIT $n"
	// ownerEntries reads the entries of an owner's photos in every
	// timeline, through timeline_owner_idx. State rows have no owner_id.
	ownerEntries = "DECLARE $owner STRING; $n LONG; SELECT reader_id, created_ts, image_id FROM " + timelinesTable +
		" WHERE owner_id = $owner LIMIT $n"
	// recipientRows reads a recipient's rows in their shard: notifications,
	// tombstones and the read mark.
	recipientRows = "DECLARE $recipient STRING; $n LONG; SELECT recipient_id, notification_id FROM " + notificationsTable +
		" WHERE recipient_id = $recipient LIMIT $n"
	// actorNotifications reads the notifications of an actor in every
	// inbox, through notification_actor_idx. The read-mark rows have no
	// actor_id.
	actorNotifications = "DECLARE $actor STRING; $n LONG; SELECT recipient_id, notification_id FROM " + notificationsTable +
		" WHERE actor_id = $actor LIMIT $n"
)

// rowKey is the primary key of a row found for deletion, with the value of
// its shard key.
type rowKey struct {
	shard string
	key   *types.MapValue
}

// timelineKey decodes the primary key of a row of timelinesTable.
func timelineKey(m *types.MapValue) (rowKey, error) {
	r := nosqlclient.ReadRow(m)
	reader, ts, image := r.String("reader_id"), r.Long("created_ts"), r.String("image_id")
	key := types.NewMapValue(map[string]any{"reader_id": reader, "created_ts": ts, "image_id": image})
	return rowKey{shard: reader, key: key}, r.Err()
}

// notificationRowKey decodes the primary key of a row of
// notificationsTable.
func notificationRowKey(m *types.MapValue) (rowKey, error) {
	r := nosqlclient.ReadRow(m)
	recipient, id := r.String("recipient_id"), r.String("notification_id")
	return rowKey{shard: recipient, key: notificationKey(recipient, id)}, r.Err()
}

// DeleteTimeline reads the keys of up to limit of the reader's rows, the
// state row first, and deletes them: the first WriteMultiple, which holds
// the state row, before the others, so that the timeline stops taking
// entries before they go.
func (s *Store) DeleteTimeline(ctx context.Context, readerID string, limit int) (int, error) {
	keys, err := s.findKeys(ctx, readerRows, map[string]any{"$reader": readerID}, limit, timelineKey)
	if err == nil {
		first := min(len(keys), maxWriteMultiple)
		err = s.deleteKeys(ctx, timelinesTable, keys[:first])
		if err == nil {
			err = s.deleteKeys(ctx, timelinesTable, keys[first:])
		}
	}
	if err != nil {
		return 0, fmt.Errorf("nosql: delete timeline of %s: %w", readerID, err)
	}
	return len(keys), nil
}

// DeleteOwnerEntries reads the keys of up to limit entries of the owner's
// photos through timeline_owner_idx and deletes them, grouped by reader.
// The readers' state rows are left as they are: DeleteEntries rewrites a
// reader's state with each deletion so that a concurrent Backfill starts
// over with every entry, but these photos are gone, and a timeline without
// them is as complete as it claims.
func (s *Store) DeleteOwnerEntries(ctx context.Context, ownerID string, limit int) (int, error) {
	keys, err := s.findKeys(ctx, ownerEntries, map[string]any{"$owner": ownerID}, limit, timelineKey)
	if err == nil {
		err = s.deleteKeys(ctx, timelinesTable, keys)
	}
	if err != nil {
		return 0, fmt.Errorf("nosql: delete entries of the photos of %s: %w", ownerID, err)
	}
	return len(keys), nil
}

// DeleteCelebrity deletes the owner's row of the celebrities; a missing row
// is no failure.
func (s *Store) DeleteCelebrity(ctx context.Context, ownerID string) error {
	_, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{
		TableName: celebritiesTable, Key: types.NewMapValue(map[string]any{"owner_id": ownerID}),
	})
	if err != nil {
		return fmt.Errorf("nosql: delete celebrity mark of %s: %w", ownerID, err)
	}
	return nil
}

// DeleteInbox reads the keys of up to limit of the recipient's rows, read
// mark included, and deletes them.
func (s *Store) DeleteInbox(ctx context.Context, recipientID string, limit int) (int, error) {
	keys, err := s.findKeys(ctx, recipientRows, map[string]any{"$recipient": recipientID}, limit, notificationRowKey)
	if err == nil {
		err = s.deleteKeys(ctx, notificationsTable, keys)
	}
	if err != nil {
		return 0, fmt.Errorf("nosql: delete inbox of %s: %w", recipientID, err)
	}
	return len(keys), nil
}

// DeleteActorNotifications reads the keys of up to limit notifications of
// the actor through notification_actor_idx and deletes them, grouped by
// recipient.
func (s *Store) DeleteActorNotifications(ctx context.Context, actorID string, limit int) (int, error) {
	keys, err := s.findKeys(ctx, actorNotifications, map[string]any{"$actor": actorID}, limit, notificationRowKey)
	if err == nil {
		err = s.deleteKeys(ctx, notificationsTable, keys)
	}
	if err != nil {
		return 0, fmt.Errorf("nosql: delete notifications by %s: %w", actorID, err)
	}
	return len(keys), nil
}

// findKeys runs query, which reads the primary keys of up to $n rows, with
// binds and $n = limit, and decodes each row's key.
func (s *Store) findKeys(ctx context.Context, query string, binds map[string]any, limit int, decode func(*types.MapValue) (rowKey, error)) ([]rowKey, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("limit %d", limit)
	}
	binds["$n"] = int64(limit)
	rows, err := s.c.Query(ctx, query, binds)
	if err != nil {
		return nil, err
	}
	keys := make([]rowKey, len(rows))
	for i, m := range rows {
		if keys[i], err = decode(m); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// deleteKeys deletes the rows of keys from table, grouped by shard: in
// WriteMultiple requests of up to maxWriteMultiple deletes within one
// shard, parallelWrites at a time. A row already gone is no failure.
func (s *Store) deleteKeys(ctx context.Context, table string, keys []rowKey) error {
	byShard := make(map[string][]*types.MapValue)
	var shards []string
	for _, k := range keys {
		if _, ok := byShard[k.shard]; !ok {
			shards = append(shards, k.shard)
		}
		byShard[k.shard] = append(byShard[k.shard], k.key)
	}
	var batches [][]*types.MapValue
	for _, shard := range shards {
		for start := 0; start < len(byShard[shard]); start += maxWriteMultiple {
			batches = append(batches, byShard[shard][start:min(start+maxWriteMultiple, len(byShard[shard]))])
		}
	}
	return s.inParallel(ctx, len(batches), func(ctx context.Context, i int) error {
		req := &nosqldb.WriteMultipleRequest{TableName: table}
		for _, key := range batches[i] {
			if err := req.AddDeleteRequest(&nosqldb.DeleteRequest{TableName: table, Key: key}, false); err != nil {
				return err
			}
		}
		_, err := s.c.WriteMultiple(ctx, req)
		return err
	})
}

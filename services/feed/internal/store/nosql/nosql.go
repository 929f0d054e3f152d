package nosql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// The tables of the feed service.
const (
	timelinesTable     = "fotogal_ntable_timelines"
	feedStateTable     = "fotogal_ntable_feedstate"
	celebritiesTable   = "fotogal_ntable_celebrities"
	notificationsTable = "fotogal_ntable_notifications"
)

// schema is the DDL Open sends, in order; the package doc shows it as is.
var schema = []string{
	"CREATE TABLE IF NOT EXISTS " + timelinesTable + " (reader_id STRING, created_ts LONG, image_id STRING, owner_id STRING, follows_synced_ts LONG, floor_ts LONG, floor_image_id STRING, version LONG, PRIMARY KEY (SHARD(reader_id), created_ts, image_id))",
	"CREATE INDEX IF NOT EXISTS timeline_owner_idx ON " + timelinesTable + " (owner_id)",
	"CREATE TABLE IF NOT EXISTS " + feedStateTable + " (name STRING, cursor_ts LONG NOT NULL, cursor_image_id STRING NOT NULL, PRIMARY KEY (name))",
	"CREATE TABLE IF NOT EXISTS " + celebritiesTable + " (owner_id STRING, marked_ts LONG NOT NULL, PRIMARY KEY (owner_id))",
	"CREATE TABLE IF NOT EXISTS " + notificationsTable + " (recipient_id STRING, notification_id STRING, kind INTEGER, actor_id STRING, image_id STRING, comment_id STRING, notification_text STRING, event_ts LONG, event_id STRING, retracted BOOLEAN, read_ts LONG, PRIMARY KEY (SHARD(recipient_id), notification_id))",
	"CREATE INDEX IF NOT EXISTS notification_time_idx ON " + notificationsTable + " (recipient_id, event_ts, notification_id)",
	"CREATE INDEX IF NOT EXISTS notification_actor_idx ON " + notificationsTable + " (actor_id)",
}

// tailCursorName is the key of the tail cursor's row in feedStateTable.
const tailCursorName = "tail_cursor"

// Store is a store.Store on Oracle NoSQL Database.
type Store struct {
	c *nosqlclient.Client
}

var _ store.Store = (*Store)(nil)

// Open creates the tables when the client is configured to (CreateTables) and returns the store.
func Open(ctx context.Context, c *nosqlclient.Client) (*Store, error) {
	if err := c.CreateTables(ctx, schema...); err != nil {
		return nil, fmt.Errorf("create feed tables: %w", err)
	}
	return &Store{c: c}, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// The key of a reader's state row within the reader's timeline: the
// position store.Bottom, which no photo occupies.
const (
	stateTS      = math.MinInt64
	stateImageID = ""
)

// isStateKey reports whether p is stored at the key of the state row.
func isStateKey(p store.Position) bool {
	return unixnano.FromTime(p.CreatedAt) == stateTS && p.ImageID == stateImageID
}

// stateKey is the primary key of readerID's state row.
func stateKey(readerID string) *types.MapValue {
	return types.NewMapValue(map[string]any{"reader_id": readerID, "created_ts": int64(stateTS), "image_id": stateImageID})
}

// stateRow is the row of r's state.
func stateRow(r store.Reader) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"reader_id":         r.ID,
		"created_ts":        int64(stateTS),
		"image_id":          stateImageID,
		"follows_synced_ts": unixnano.FromTime(r.FollowsSyncedAt),
		"floor_ts":          unixnano.FromTime(r.Floor.CreatedAt),
		"floor_image_id":    r.Floor.ImageID,
		"version":           r.Version,
	})
}

func decodeReader(m *types.MapValue) (store.Reader, error) {
	r := nosqlclient.ReadRow(m)
	reader := store.Reader{
		ID:              r.String("reader_id"),
		FollowsSyncedAt: r.Time("follows_synced_ts"),
		Floor:           store.Position{CreatedAt: r.Time("floor_ts"), ImageID: r.String("floor_image_id")},
		Version:         r.Long("version"),
	}
	return reader, r.Err()
}

// getReader returns the state of readerID's timeline and the version of
// its row, or store.ErrNotFound.
func (s *Store) getReader(ctx context.Context, readerID string) (store.Reader, types.Version, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: timelinesTable, Key: stateKey(readerID)})
	if err != nil {
		return store.Reader{}, nil, err
	}
	if res.Value == nil {
		return store.Reader{}, nil, store.ErrNotFound
	}
	r, err := decodeReader(res.Value)
	return r, res.Version, err
}

// GetReader reads the state row of readerID.
func (s *Store) GetReader(ctx context.Context, readerID string) (store.Reader, error) {
	r, _, err := s.getReader(ctx, readerID)
	return r, err
}

// CreateReader writes r's state row put-if-absent and returns the row that
// stands afterwards: r, or the existing one the failed put returned.
func (s *Store) CreateReader(ctx context.Context, r store.Reader) (store.Reader, error) {
	r.Version = 1
	for {
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName: timelinesTable, Value: stateRow(r), PutOption: types.PutIfAbsent, ReturnRow: true,
		})
		if err != nil {
			return store.Reader{}, err
		}
		if res.Success() {
			return r, nil
		}
		if res.ExistingValue != nil {
			return decodeReader(res.ExistingValue)
		}
		// The put found a row but returned none: read it.
		got, _, err := s.getReader(ctx, r.ID)
		if !errors.Is(err, store.ErrNotFound) {
			return got, err
		}
	}
}

// FilterReaders reads the state rows of ids by primary key, in batches of
// lookupBatch keys, one IN query each.
func (s *Store) FilterReaders(ctx context.Context, ids []string) ([]string, error) {
	var found []string
	for start := 0; start < len(ids); start += lookupBatch {
		batch := ids[start:min(start+lookupBatch, len(ids))]
		binds := map[string]any{"$state_ts": int64(stateTS), "$state_image_id": stateImageID}
		for i := range lookupBatch {
			// A short batch repeats its last id, so that one prepared
			// statement serves every batch.
			binds["$id"+strconv.Itoa(i)] = batch[min(i, len(batch)-1)]
		}
		rows, err := s.c.Query(ctx, readersByID, binds)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			r := nosqlclient.ReadRow(m)
			id := r.String("reader_id")
			if r.Err() != nil {
				return nil, r.Err()
			}
			found = append(found, id)
		}
	}
	return found, nil
}

// lookupBatch is the number of reader ids one FilterReaders query binds.
const lookupBatch = 50

// readersByID reads the state rows of lookupBatch readers by primary key.
var readersByID = func() string {
	names := make([]string, lookupBatch)
	var decl strings.Builder
	decl.WriteString("DECLARE $state_ts LONG; $state_image_id STRING; ")
	for i := range names {
		names[i] = "$id" + strconv.Itoa(i)
		decl.WriteString(names[i] + " STRING; ")
	}
	return decl.String() + "SELECT reader_id FROM " + timelinesTable + " WHERE reader_id IN (" + strings.Join(names, ", ") +
		") AND created_ts = $state_ts AND image_id = $state_image_id"
}()

// cursorKey is the primary key of the cursor called name in feedStateTable.
func cursorKey(name string) *types.MapValue {
	return types.NewMapValue(map[string]any{"name": name})
}

// cursorRow is the row of the cursor called name at (t, id).
func cursorRow(name string, t time.Time, id string) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"name": name, "cursor_ts": unixnano.FromTime(t), "cursor_image_id": id,
	})
}

func decodeCursor(m *types.MapValue) (store.Position, error) {
	r := nosqlclient.ReadRow(m)
	p := store.Position{CreatedAt: r.Time("cursor_ts"), ImageID: r.String("cursor_image_id")}
	return p, r.Err()
}

// getCursor returns the cursor called name, as a Position, and the version
// of its row, or store.ErrNotFound.
func (s *Store) getCursor(ctx context.Context, name string) (store.Position, types.Version, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: feedStateTable, Key: cursorKey(name)})
	if err != nil {
		return store.Position{}, nil, err
	}
	if res.Value == nil {
		return store.Position{}, nil, store.ErrNotFound
	}
	p, err := decodeCursor(res.Value)
	return p, res.Version, err
}

// tailCursor returns the tail cursor and the version of its row, or
// store.ErrNotFound.
func (s *Store) tailCursor(ctx context.Context) (store.Position, types.Version, error) {
	return s.getCursor(ctx, tailCursorName)
}

// TailCursor reads the tail cursor's row.
func (s *Store) TailCursor(ctx context.Context) (store.Position, error) {
	p, _, err := s.tailCursor(ctx)
	return p, err
}

// InitTailCursor writes the tail cursor's row put-if-absent and returns the
// cursor that stands afterwards: p, or the existing one the failed put
// returned.
func (s *Store) InitTailCursor(ctx context.Context, p store.Position) (store.Position, error) {
	res, err := s.c.Put(ctx, &nosqldb.PutRequest{
		TableName: feedStateTable, Value: cursorRow(tailCursorName, p.CreatedAt, p.ImageID), PutOption: types.PutIfAbsent, ReturnRow: true,
	})
	if err != nil {
		return store.Position{}, err
	}
	if res.Success() {
		return fromNanosPosition(p), nil
	}
	if res.ExistingValue != nil {
		return decodeCursor(res.ExistingValue)
	}
	// The row is never deleted: the failed put found it, so it is there.
	got, _, err := s.tailCursor(ctx)
	return got, err
}

// fromNanosPosition returns p as stored: its time clamped to the int64
// range of nanoseconds, in UTC.
func fromNanosPosition(p store.Position) store.Position {
	return store.Position{CreatedAt: unixnano.ToTime(unixnano.FromTime(p.CreatedAt)), ImageID: p.ImageID}
}

// AdvanceTailCursor reads the tail cursor and its version and, when p is
// after it, writes p put-if-version, reading again after a lost race. The
// cursor therefore never moves back, whatever the order of concurrent
// calls.
func (s *Store) AdvanceTailCursor(ctx context.Context, p store.Position) error {
	p = fromNanosPosition(p)
	for {
		cur, version, err := s.tailCursor(ctx)
		if err != nil {
			return err
		}
		if !p.After(cur) {
			return nil
		}
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName: feedStateTable, Value: cursorRow(tailCursorName, p.CreatedAt, p.ImageID), PutOption: types.PutIfVersion, MatchVersion: version,
		})
		if err != nil {
			return err
		}
		if res.Success() {
			return nil
		}
	}
}

// MarkCelebrity writes the celebrity's row put-if-absent: a mark already
// there fails the condition and stands.
func (s *Store) MarkCelebrity(ctx context.Context, ownerID string, at time.Time) error {
	_, err := s.c.Put(ctx, &nosqldb.PutRequest{
		TableName: celebritiesTable,
		Value:     types.NewMapValue(map[string]any{"owner_id": ownerID, "marked_ts": unixnano.FromTime(at)}),
		PutOption: types.PutIfAbsent,
	})
	return err
}

// listCelebrities reads every row of the celebrities table.
const listCelebrities = "SELECT owner_id FROM " + celebritiesTable

// ListCelebrities reads the whole celebrities table with one query, at
// absolute consistency.
func (s *Store) ListCelebrities(ctx context.Context) ([]string, error) {
	rows, err := s.c.Query(ctx, listCelebrities, nil)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(rows))
	for _, m := range rows {
		r := nosqlclient.ReadRow(m)
		id := r.String("owner_id")
		if r.Err() != nil {
			return nil, r.Err()
		}
		ids = append(ids, id)
	}
	return ids, nil
}

package nosql

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// maxWriteMultiple is the most operations Oracle NoSQL takes in one
// WriteMultiple request.
const maxWriteMultiple = 50

// rowsPerStateBatch is the most timeline entries a WriteMultiple that
// also writes the reader's state row holds (Backfill's last, each of
// DeleteEntries'): the state row takes one operation.
const rowsPerStateBatch = maxWriteMultiple - 1

// parallelWrites is how many WriteMultiple requests AddEntries keeps in
// flight at once.
const parallelWrites = 8

func entryKey(readerID string, p store.Position) *types.MapValue {
	return types.NewMapValue(map[string]any{"reader_id": readerID, "created_ts": unixnano.FromTime(p.CreatedAt), "image_id": p.ImageID})
}

func entryRow(e store.Entry) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"reader_id":  e.ReaderID,
		"created_ts": unixnano.FromTime(e.CreatedAt),
		"image_id":   e.ImageID,
		"owner_id":   e.OwnerID,
	})
}

// positionKey identifies a position as stored: its time in nanoseconds and
// its image id.
type positionKey struct {
	ts int64
	id string
}

func keyOf(p store.Position) positionKey {
	return positionKey{unixnano.FromTime(p.CreatedAt), p.ImageID}
}

// checkEntry refuses an entry that would land on its reader's state row.
func checkEntry(e store.Entry) error {
	if isStateKey(e.Position) {
		return fmt.Errorf("nosql: an entry of %s at the bottom of posting order, where no photo is", e.ReaderID)
	}
	return nil
}

// uniqueEntries returns entries without the repeats of a position, the
// first of each kept, as a second insert of the same key leaves the first.
func uniqueEntries(entries []store.Entry) []store.Entry {
	seen := make(map[positionKey]bool, len(entries))
	out := make([]store.Entry, 0, len(entries))
	for _, e := range entries {
		if k := keyOf(e.Position); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// putEntryIfAbsent adds to req a put-if-absent of e that does not abort the
// request when the entry is already there.
func putEntryIfAbsent(req *nosqldb.WriteMultipleRequest, e store.Entry) error {
	return req.AddPutRequest(&nosqldb.PutRequest{
		TableName: timelinesTable, Value: entryRow(e), PutOption: types.PutIfAbsent,
	}, false)
}

// putStateIfVersion adds to req a put-if-version of r's state row at
// version that aborts the whole request when the row has changed.
func putStateIfVersion(req *nosqldb.WriteMultipleRequest, r store.Reader, version types.Version) error {
	return req.AddPutRequest(&nosqldb.PutRequest{
		TableName: timelinesTable, Value: stateRow(r), PutOption: types.PutIfVersion, MatchVersion: version,
	}, true)
}

// Backfill reads the reader's state row and its version, applies update,
// and writes the entries put-if-absent, all in the reader's shard. The last
// WriteMultiple holds up to rowsPerStateBatch of them and the new state
// put-if-version at the version read, aborting if the row changed since;
// the entries that do not fit go first, in requests of their own. When the
// last request aborts, Backfill starts again from the read, update
// included, writing every entry again (those already there are left as
// they are).
func (s *Store) Backfill(ctx context.Context, readerID string, entries []store.Entry, update func(*store.Reader)) (store.Reader, error) {
	for _, e := range entries {
		if e.ReaderID != readerID {
			return store.Reader{}, fmt.Errorf("nosql: backfill of %s with an entry of %s", readerID, e.ReaderID)
		}
		if err := checkEntry(e); err != nil {
			return store.Reader{}, err
		}
	}
	entries = uniqueEntries(entries)
	split := max(0, len(entries)-rowsPerStateBatch)
	early, withState := chunks(entries[:split], maxWriteMultiple), entries[split:]
	for {
		cur, version, err := s.getReader(ctx, readerID)
		if err != nil {
			return store.Reader{}, err
		}
		next := cur
		update(&next)
		next.ID, next.Version = readerID, cur.Version+1
		// Returned as stored, as GetReader would read it.
		next.FollowsSyncedAt = unixnano.ToTime(unixnano.FromTime(next.FollowsSyncedAt))
		next.Floor = fromNanosPosition(next.Floor)
		// The early entries are written after the read, so that a deletion
		// that removes one of them changes the state row before the last
		// request and makes it abort.
		if err := s.putEntries(ctx, early); err != nil {
			return store.Reader{}, err
		}
		req := &nosqldb.WriteMultipleRequest{TableName: timelinesTable}
		for _, e := range withState {
			if err := putEntryIfAbsent(req, e); err != nil {
				return store.Reader{}, err
			}
		}
		if err := putStateIfVersion(req, next, version); err != nil {
			return store.Reader{}, err
		}
		res, err := s.c.WriteMultiple(ctx, req)
		if err != nil {
			return store.Reader{}, err
		}
		if res.IsSuccess() {
			return next, nil
		}
	}
}

// chunks cuts entries into slices of at most size.
func chunks(entries []store.Entry, size int) [][]store.Entry {
	var out [][]store.Entry
	for start := 0; start < len(entries); start += size {
		out = append(out, entries[start:min(start+size, len(entries))])
	}
	return out
}

// putEntries writes each batch, entries of one reader and at most
// maxWriteMultiple, put-if-absent in one WriteMultiple, parallelWrites
// requests at a time. No condition aborts a request, so writing again adds
// only what is missing.
func (s *Store) putEntries(ctx context.Context, batches [][]store.Entry) error {
	return s.inParallel(ctx, len(batches), func(ctx context.Context, i int) error {
		req := &nosqldb.WriteMultipleRequest{TableName: timelinesTable}
		for _, e := range batches[i] {
			if err := putEntryIfAbsent(req, e); err != nil {
				return err
			}
		}
		_, err := s.c.WriteMultiple(ctx, req)
		return err
	})
}

// entriesQuery reads a stretch of a timeline with one range scan of the
// primary key in the reader's shard, newest first: the entries strictly
// older than a position, or at it too when inclusive, and at a floor or
// newer, or strictly newer when aboveFloor. The state row, at the bottom,
// is below every floor but the bottom, where aboveFloor leaves it out.
func entriesQuery(inclusive, aboveFloor bool) string {
	upper, lower := "<", ">="
	if inclusive {
		upper = "<="
	}
	if aboveFloor {
		lower = ">"
	}
	return "DECLARE $reader STRING; $before_ts LONG; $before_id STRING; $floor_ts LONG; $floor_id STRING; $n LONG; " +
		"SELECT created_ts, image_id, owner_id FROM " + timelinesTable + " WHERE reader_id = $reader" +
		" AND (created_ts < $before_ts OR (created_ts = $before_ts AND image_id " + upper + " $before_id))" +
		" AND (created_ts > $floor_ts OR (created_ts = $floor_ts AND image_id " + lower + " $floor_id))" +
		" ORDER BY reader_id DESC, created_ts DESC, image_id DESC LIMIT $n"
}

// ListEntries reads a stretch of a timeline with one query.
func (s *Store) ListEntries(ctx context.Context, q store.EntryQuery) ([]store.Entry, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("nosql: limit %d", q.Limit)
	}
	rows, err := s.c.Query(ctx, entriesQuery(q.IncludeBefore, isStateKey(q.Floor)), map[string]any{
		"$reader":    q.ReaderID,
		"$before_ts": unixnano.FromTime(q.Before.CreatedAt),
		"$before_id": q.Before.ImageID,
		"$floor_ts":  unixnano.FromTime(q.Floor.CreatedAt),
		"$floor_id":  q.Floor.ImageID,
		"$n":         int64(q.Limit),
	})
	if err != nil {
		return nil, err
	}
	entries := make([]store.Entry, 0, len(rows))
	for _, m := range rows {
		r := nosqlclient.ReadRow(m)
		e := store.Entry{
			ReaderID: q.ReaderID,
			Position: store.Position{CreatedAt: r.Time("created_ts"), ImageID: r.String("image_id")},
			OwnerID:  r.String("owner_id"),
		}
		if r.Err() != nil {
			return nil, r.Err()
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// DeleteEntries reads the reader's state row and its version and, while
// the reader's Version is still version, deletes the entries in
// WriteMultiple requests of at most rowsPerStateBatch deletes each, all in
// the reader's shard. Every request also rewrites the state row unchanged,
// put-if-version, aborting if the row changed since the request before:
// so a Backfill that read the state before a deletion request fails its
// last request and writes its entries again, and a deletion that finds
// the row changed reads it again and goes on only if the Version has not
// moved. It reports true when every request was written.
func (s *Store) DeleteEntries(ctx context.Context, readerID string, positions []store.Position, version int64) (bool, error) {
	seen := make(map[positionKey]bool, len(positions))
	var keys []store.Position
	for _, p := range positions {
		if k := keyOf(p); !seen[k] && !isStateKey(p) {
			seen[k] = true
			keys = append(keys, p)
		}
	}
	for start := 0; ; {
		cur, rowVersion, err := s.getReader(ctx, readerID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if cur.Version != version {
			return false, nil
		}
		for written := true; written && start < len(keys); {
			end := min(start+rowsPerStateBatch, len(keys))
			if rowVersion, written, err = s.deleteBatch(ctx, cur, rowVersion, keys[start:end]); err != nil {
				return false, err
			}
			if written {
				start = end
			}
		}
		if start == len(keys) {
			return true, nil
		}
	}
}

// deleteBatch deletes r's entries at positions in one WriteMultiple that
// rewrites r's state row unchanged at version, and returns the row's new
// version, or false when the row had changed and nothing was deleted.
func (s *Store) deleteBatch(ctx context.Context, r store.Reader, version types.Version, positions []store.Position) (types.Version, bool, error) {
	req := &nosqldb.WriteMultipleRequest{TableName: timelinesTable}
	if err := putStateIfVersion(req, r, version); err != nil {
		return nil, false, err
	}
	for _, p := range positions {
		if err := req.AddDeleteRequest(&nosqldb.DeleteRequest{TableName: timelinesTable, Key: entryKey(r.ID, p)}, false); err != nil {
			return nil, false, err
		}
	}
	res, err := s.c.WriteMultiple(ctx, req)
	if err != nil || !res.IsSuccess() {
		return nil, false, err
	}
	return res.ResultSet[0].Version, true, nil
}

// AddEntries writes the entries put-if-absent, grouped by reader: one
// WriteMultiple per reader and up to maxWriteMultiple entries, in the
// reader's shard, parallelWrites requests at a time.
func (s *Store) AddEntries(ctx context.Context, entries []store.Entry) error {
	byReader := make(map[string][]store.Entry)
	var readers []string
	for _, e := range entries {
		if err := checkEntry(e); err != nil {
			return err
		}
		if _, ok := byReader[e.ReaderID]; !ok {
			readers = append(readers, e.ReaderID)
		}
		byReader[e.ReaderID] = append(byReader[e.ReaderID], e)
	}
	var batches [][]store.Entry
	for _, r := range readers {
		batches = append(batches, chunks(uniqueEntries(byReader[r]), maxWriteMultiple)...)
	}
	return s.putEntries(ctx, batches)
}

// inParallel runs fn for 0 ... n-1, parallelWrites at a time. On an error
// it starts no more and returns the first error.
func (s *Store) inParallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan int)
	go func() {
		defer close(work)
		for i := range n {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range min(parallelWrites, n) {
		wg.Go(func() {
			for i := range work {
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

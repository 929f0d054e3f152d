package nosql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"
)

// The helpers of the tables whose shard key is image_id (reactions and
// comments): each keeps a photo's rows and its fixed-size summary row in
// one shard, written together by conditional WriteMultiple requests.

// maxWriteAttempts bounds how many times a change of a photo's summary row
// (its reaction counts, its comment state) is tried while others change
// it too.
const maxWriteAttempts = 100

// maxBackoff is the longest wait before such a change is tried again.
const maxBackoff = 50 * time.Millisecond

// maxInList is the most image ids one query of summary rows asks for: more
// than a page holds (100), so that a page needs one query.
const maxInList = 128

// conditionalPut puts row into table if it is absent (version nil) or if
// its version is still version.
func conditionalPut(table string, row *types.MapValue, version types.Version) *nosqldb.PutRequest {
	req := &nosqldb.PutRequest{TableName: table, Value: row, PutOption: types.PutIfAbsent}
	if version != nil {
		req.PutOption, req.MatchVersion = types.PutIfVersion, version
	}
	return req
}

// deleteShard deletes every row of the image in table, its summary row
// included: one shard key, in as many MultiDelete calls as the service
// needs.
func (s *Store) deleteShard(ctx context.Context, table, imageID string) error {
	req := &nosqldb.MultiDeleteRequest{TableName: table, Key: types.ToMapValue("image_id", imageID)}
	for {
		res, err := s.c.MultiDelete(ctx, req)
		if err != nil {
			return fmt.Errorf("nosql: delete the rows of image %s in %s: %w", imageID, table, err)
		}
		if len(res.ContinuationKey) == 0 {
			return nil
		}
		req.ContinuationKey = res.ContinuationKey
	}
}

// inListQueries returns the statements of one query on 1, 2, 4 ...
// maxInList image ids, so that few statements are prepared: declare (the
// declarations besides the ids, each ending in ';'), then selectFrom (the
// SELECT up to its WHERE), "image_id IN ($id0, $id1 ...)", and and (the
// rest of the WHERE clause).
func inListQueries(declare, selectFrom, and string) []string {
	var queries []string
	for n := 1; n <= maxInList; n *= 2 {
		var b strings.Builder
		b.WriteString("DECLARE " + declare)
		for i := range n {
			fmt.Fprintf(&b, " $id%d STRING;", i)
		}
		b.WriteString(" " + selectFrom + " WHERE image_id IN (")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$id%d", i)
		}
		b.WriteString(") " + and)
		queries = append(queries, b.String())
	}
	return queries
}

// queryImageIDs runs a query of inListQueries on ids, maxInList at a time
// and a few queries at once, each the statement of the smallest size that
// holds its ids (repeating the last id to fill it), with binds besides the
// ids, and returns the rows of all of them.
func (s *Store) queryImageIDs(ctx context.Context, queries []string, ids []string, binds map[string]any) ([]*types.MapValue, error) {
	chunks := make([][]*types.MapValue, (len(ids)+maxInList-1)/maxInList)
	err := forEach(ctx, len(chunks), func(ctx context.Context, i int) error {
		chunk := ids[i*maxInList : min((i+1)*maxInList, len(ids))]
		k, n := 0, 1
		for n < len(chunk) {
			k, n = k+1, 2*n
		}
		all := make(map[string]any, len(binds)+n)
		for name, v := range binds {
			all[name] = v
		}
		for j := range n {
			all[fmt.Sprintf("$id%d", j)] = chunk[min(j, len(chunk)-1)]
		}
		var err error
		chunks[i], err = s.c.Query(ctx, queries[k], all)
		return err
	})
	if err != nil {
		return nil, err
	}
	var rows []*types.MapValue
	for _, c := range chunks {
		rows = append(rows, c...)
	}
	return rows, nil
}

// backoff waits a random time, up to one that doubles with each attempt
// until maxBackoff, so that the writers of one image's summary row take
// turns.
func backoff(ctx context.Context, attempt int) error {
	t := time.NewTimer(rand.N(min(time.Millisecond<<min(attempt, 10), maxBackoff)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

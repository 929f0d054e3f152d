package nosql

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// countsUser is the user_id of an image's counts row among its reaction
// rows. FotoGal's user ids are lower-case base32, which has no '#'.
const countsUser = "#counts"

// maxReactAttempts bounds how many times a reaction change is tried while
// others change the same image's counts.
const maxReactAttempts = 100

// maxBackoff is the longest wait before a reaction change is tried again.
const maxBackoff = 50 * time.Millisecond

// maxInList is the most image ids one reactions query asks for: more than
// a page holds (100), so that a page needs one query.
const maxInList = 128

// reactionsQueries[k] reads the counts rows and the viewer's rows of 2^k
// images: the statements for 1, 2, 4 ... maxInList ids, so that few
// statements are prepared. $id0, $id1 ... are the image ids.
var reactionsQueries = func() []string {
	var queries []string
	for n := 1; n <= maxInList; n *= 2 {
		var b strings.Builder
		b.WriteString("DECLARE $counts STRING; $viewer STRING;")
		for i := range n {
			fmt.Fprintf(&b, " $id%d STRING;", i)
		}
		b.WriteString(" SELECT image_id, user_id, kind, likes, dislikes FROM " + reactionsTable + " WHERE image_id IN (")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$id%d", i)
		}
		b.WriteString(") AND user_id IN ($counts, $viewer)")
		queries = append(queries, b.String())
	}
	return queries
}()

// React sets userID's reaction to kind, replacing the other one. After a
// write it checks that the image still exists: if a DeleteImage removed
// the image and its reactions after React's first check, React removes
// what it wrote and answers store.ErrNotFound.
func (s *Store) React(ctx context.Context, imageID, userID string, kind store.Kind) error {
	if kind != store.Like && kind != store.Dislike {
		return fmt.Errorf("nosql: react: unknown reaction %d", kind)
	}
	if err := checkID("user", userID); err != nil {
		return err
	}
	if userID == countsUser {
		return fmt.Errorf("nosql: react: user id %q is reserved", userID)
	}
	if _, err := s.GetImage(ctx, imageID); err != nil {
		return err
	}
	wrote, err := s.changeReaction(ctx, imageID, userID, func(store.Kind) store.Kind { return kind })
	if err != nil || !wrote {
		return err
	}
	_, err = s.GetImage(ctx, imageID)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.deleteReactions(ctx, imageID); err != nil {
			return err
		}
	}
	return err
}

// Unreact removes userID's reaction if it is kind.
func (s *Store) Unreact(ctx context.Context, imageID, userID string, kind store.Kind) error {
	if len(imageID) > maxIDBytes || len(userID) > maxIDBytes || userID == countsUser {
		return nil
	}
	_, err := s.changeReaction(ctx, imageID, userID, func(old store.Kind) store.Kind {
		if old == kind {
			return store.None
		}
		return old
	})
	return err
}

// reactionRow is one row of the reactions table as read: a person's
// reaction (kind) or an image's counts (likes and dislikes), with its
// version (nil when absent).
type reactionRow struct {
	imageID, userID string
	kind            store.Kind
	likes, dislikes int64
	version         types.Version
}

// changeReaction sets userID's reaction to the image to next(their
// current one), adjusting the counts row in the same WriteMultiple. Both
// writes are conditional on the versions read, so that a concurrent change
// of either row makes the whole write fail; it is then read and tried
// again. It reports whether it wrote anything.
func (s *Store) changeReaction(ctx context.Context, imageID, userID string, next func(store.Kind) store.Kind) (bool, error) {
	for attempt := range maxReactAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return false, err
			}
		}
		mine, err := s.getReaction(ctx, imageID, userID)
		if err != nil {
			return false, err
		}
		counts, err := s.getReaction(ctx, imageID, countsUser)
		if err != nil {
			return false, err
		}
		old := mine.kind
		kind := next(old)
		if kind == old {
			return false, nil
		}
		req := &nosqldb.WriteMultipleRequest{TableName: reactionsTable}
		if kind == store.None {
			err = req.AddDeleteRequest(&nosqldb.DeleteRequest{
				TableName:    reactionsTable,
				Key:          reactionKey(imageID, userID),
				MatchVersion: mine.version,
			}, true)
		} else {
			err = req.AddPutRequest(conditionalPut(types.NewMapValue(map[string]any{
				"image_id":   imageID,
				"user_id":    userID,
				"kind":       int(kind),
				"created_ts": time.Now().UnixNano(),
			}), mine.version), true)
		}
		if err != nil {
			return false, fmt.Errorf("nosql: change reaction: %w", err)
		}
		// Without a counts row, a person's row can only be a leftover of
		// an interrupted DeleteImage: removing it needs no count.
		if counts.version != nil || kind != store.None {
			delta := map[store.Kind]int64{kind: 1, old: -1}
			err := req.AddPutRequest(conditionalPut(types.NewMapValue(map[string]any{
				"image_id": imageID,
				"user_id":  countsUser,
				"likes":    counts.likes + delta[store.Like],
				"dislikes": counts.dislikes + delta[store.Dislike],
			}), counts.version), true)
			if err != nil {
				return false, fmt.Errorf("nosql: change reaction: %w", err)
			}
		}
		res, err := s.c.WriteMultiple(ctx, req)
		if err != nil {
			return false, fmt.Errorf("nosql: change reaction: %w", err)
		}
		if res.IsSuccess() {
			return true, nil
		}
	}
	return false, fmt.Errorf("nosql: change reaction to %s: %d lost races: %w", imageID, maxReactAttempts, store.ErrConflict)
}

// getReaction reads the reaction row of userID (or countsUser) for the
// image.
func (s *Store) getReaction(ctx context.Context, imageID, userID string) (reactionRow, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: reactionsTable, Key: reactionKey(imageID, userID)})
	if err != nil {
		return reactionRow{}, fmt.Errorf("nosql: get reaction: %w", err)
	}
	if res.Value == nil {
		return reactionRow{}, nil
	}
	row, err := decodeReaction(res.Value)
	if err != nil {
		return reactionRow{}, fmt.Errorf("nosql: get reaction: %w", err)
	}
	row.version = res.Version
	return row, nil
}

// conditionalPut puts row if it is absent (version nil) or if its version
// is still version.
func conditionalPut(row *types.MapValue, version types.Version) *nosqldb.PutRequest {
	req := &nosqldb.PutRequest{TableName: reactionsTable, Value: row, PutOption: types.PutIfAbsent}
	if version != nil {
		req.PutOption, req.MatchVersion = types.PutIfVersion, version
	}
	return req
}

// deleteReactions deletes every reaction row of the image, counts row
// included: one shard key, in as many MultiDelete calls as the service
// needs.
func (s *Store) deleteReactions(ctx context.Context, imageID string) error {
	req := &nosqldb.MultiDeleteRequest{TableName: reactionsTable, Key: types.ToMapValue("image_id", imageID)}
	for {
		res, err := s.c.MultiDelete(ctx, req)
		if err != nil {
			return fmt.Errorf("nosql: delete reactions: %w", err)
		}
		if len(res.ContinuationKey) == 0 {
			return nil
		}
		req.ContinuationKey = res.ContinuationKey
	}
}

// Reactions reads the counts rows and viewerID's rows of imageIDs: one
// query per maxInList images.
func (s *Store) Reactions(ctx context.Context, imageIDs []string, viewerID string) (map[string]store.Reactions, error) {
	out := make(map[string]store.Reactions, len(imageIDs))
	for _, id := range imageIDs {
		out[id] = store.Reactions{}
	}
	ids := unique(imageIDs)
	chunks := make([][]*types.MapValue, (len(ids)+maxInList-1)/maxInList)
	err := forEach(ctx, len(chunks), func(ctx context.Context, i int) error {
		chunk := ids[i*maxInList : min((i+1)*maxInList, len(ids))]
		var err error
		chunks[i], err = s.queryReactions(ctx, chunk, viewerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, rows := range chunks {
		for _, row := range rows {
			reaction, err := decodeReaction(row)
			if err != nil {
				return nil, fmt.Errorf("nosql: read reactions: %w", err)
			}
			got := out[reaction.imageID]
			if reaction.userID == countsUser {
				got.Likes, got.Dislikes = reaction.likes, reaction.dislikes
			} else {
				got.Mine = reaction.kind
			}
			out[reaction.imageID] = got
		}
	}
	return out, nil
}

// queryReactions runs the reactions query of the smallest size that holds
// ids, repeating the last id to fill it.
func (s *Store) queryReactions(ctx context.Context, ids []string, viewerID string) ([]*types.MapValue, error) {
	k, n := 0, 1
	for n < len(ids) {
		k, n = k+1, 2*n
	}
	binds := map[string]any{"$counts": countsUser, "$viewer": viewerID}
	for i := range n {
		binds[fmt.Sprintf("$id%d", i)] = ids[min(i, len(ids)-1)]
	}
	rows, err := s.c.Query(ctx, reactionsQueries[k], binds)
	if err != nil {
		return nil, fmt.Errorf("nosql: read reactions: %w", err)
	}
	return rows, nil
}

// decodeReaction reads a reaction row: kind in a person's row, likes and
// dislikes in a counts row (the other columns are NULL).
func decodeReaction(row *types.MapValue) (reactionRow, error) {
	r := nosqlclient.ReadRow(row)
	reaction := reactionRow{imageID: r.String("image_id"), userID: r.String("user_id")}
	if reaction.userID == countsUser {
		reaction.likes, reaction.dislikes = r.Long("likes"), r.Long("dislikes")
	} else {
		reaction.kind = store.Kind(r.Int("kind"))
	}
	return reaction, r.Err()
}

// reactionKey is the primary key of userID's reaction row for the image.
func reactionKey(imageID, userID string) *types.MapValue {
	return types.NewMapValue(map[string]any{"image_id": imageID, "user_id": userID})
}

// backoff waits a random time, up to one that doubles with each attempt
// until maxBackoff, so that the writers of one image's counts take turns.
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

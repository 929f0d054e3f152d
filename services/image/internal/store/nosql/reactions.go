package nosql

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// countsUser is the user_id of an image's counts row among its reaction
// rows. FotoGal's user ids are lower-case base32, which has no '#'.
const countsUser = "#counts"

// reactionsQueries[k] reads the counts rows and the viewer's rows of 2^k
// images (inListQueries).
var reactionsQueries = inListQueries("$counts STRING; $viewer STRING;",
	"SELECT image_id, user_id, kind, likes, dislikes FROM "+reactionsTable,
	"AND user_id IN ($counts, $viewer)")

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
		if err := s.deleteShard(ctx, reactionsTable, imageID); err != nil {
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
	for attempt := range maxWriteAttempts {
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
			err = req.AddPutRequest(conditionalPut(reactionsTable, types.NewMapValue(map[string]any{
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
			err := req.AddPutRequest(conditionalPut(reactionsTable, types.NewMapValue(map[string]any{
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
	return false, fmt.Errorf("nosql: change reaction to %s: %d lost races: %w", imageID, maxWriteAttempts, store.ErrConflict)
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

// Reactions reads the counts rows and viewerID's rows of imageIDs: one
// query per maxInList images.
func (s *Store) Reactions(ctx context.Context, imageIDs []string, viewerID string) (map[string]store.Reactions, error) {
	out := make(map[string]store.Reactions, len(imageIDs))
	for _, id := range imageIDs {
		out[id] = store.Reactions{}
	}
	rows, err := s.queryImageIDs(ctx, reactionsQueries, unique(imageIDs), map[string]any{"$counts": countsUser, "$viewer": viewerID})
	if err != nil {
		return nil, fmt.Errorf("nosql: read reactions: %w", err)
	}
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
	return out, nil
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

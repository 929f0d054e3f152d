package nosql

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// afterQuery reads the posting log: the keys of every owner's photos
// strictly after a position, oldest first, in the order of created_ts_idx.
// The avatars it meets on the way are left out.
const afterQuery = "DECLARE $created_ts LONG; $image_id STRING; $limit INTEGER; " +
	"SELECT user_id, created_ts, image_id FROM " + imagesTable + " WHERE is_profile = false" +
	" AND (created_ts > $created_ts OR (created_ts = $created_ts AND image_id > $image_id))" +
	" ORDER BY created_ts, image_id LIMIT $limit"

// ListImagesAfter returns the keys of up to limit photos strictly after
// the cursor, oldest first.
func (s *Store) ListImagesAfter(ctx context.Context, after store.Cursor, limit int) ([]store.Key, error) {
	if limit <= 0 {
		return nil, nil
	}
	ts := int64(math.MinInt64)
	if !after.IsZero() {
		ts = clampedNanos(after.CreateTime)
	}
	rows, err := s.c.Query(ctx, afterQuery, map[string]any{"$created_ts": ts, "$image_id": after.ID, "$limit": limit})
	if err != nil {
		return nil, fmt.Errorf("nosql: list images after: %w", err)
	}
	return decodeKeys(rows)
}

// clampedNanos returns t in nanoseconds since 1970, clamped to what an
// int64 holds (the years 1678 to 2262).
func clampedNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

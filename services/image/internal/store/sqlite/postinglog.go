package sqlite

import (
	"context"
	"math"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// afterQuery reads the posting log: the keys of the photos after a
// position, oldest first, by a range seek on images_by_time, which covers
// the columns read. Arguments: the position's created_ts and image_id, the
// limit.
const afterQuery = `SELECT user_id, created_ts, image_id FROM fotogal_ntable_images
	WHERE is_profile = 0 AND (created_ts, image_id) > (?, ?)
	ORDER BY created_ts, image_id LIMIT ?`

// ListImagesAfter returns the keys of up to limit photos strictly after
// the cursor, oldest first.
func (s *Store) ListImagesAfter(ctx context.Context, after store.Cursor, limit int) ([]store.Key, error) {
	ts := int64(math.MinInt64)
	if !after.IsZero() {
		ts = clampedNanos(after.CreateTime)
	}
	return queryKeys(ctx, s.after, ts, after.ID, limit)
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

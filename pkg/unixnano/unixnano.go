// Package unixnano converts between times and the int64 counts of
// nanoseconds since 1970 that FotoGal's tables store them as, on SQLite and
// Oracle NoSQL alike.
package unixnano

import (
	"math"
	"time"
)

// The times an int64 count of nanoseconds since 1970 can hold.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// FromTime returns t in nanoseconds since 1970, clamped to the int64 range,
// so that times beyond it (such as the ends of a keyset range) compare with
// the stored ones as the range's ends.
func FromTime(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// ToTime returns the UTC time ns nanoseconds after 1970.
func ToTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

package unixnano

import (
	"math"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Time
		want int64
	}{
		{"an ordinary time", time.Date(2026, 12, 1, 21, 0, 0, 123456789, time.UTC), 1796158800123456789},
		{"before the range", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64},
		{"after the range", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{"the epoch", time.Unix(0, 0), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := FromTime(tc.in); got != tc.want {
				t.Errorf("FromTime(%v) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
	local := time.Date(2026, 12, 1, 21, 0, 0, 5, time.FixedZone("BRT", -3*3600))
	got := ToTime(FromTime(local))
	if !got.Equal(local) || got.Location() != time.UTC {
		t.Errorf("ToTime(FromTime(%v)) = %v, want the same instant in UTC", local, got)
	}
}

package ocifake

import (
	"math"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/ocifake/internal/statement"
)

// TestKeyOrder checks that encoded key parts sort as their values, for
// every key type, so that the stored order of rows is primary-key order.
func TestKeyOrder(t *testing.T) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		typ    statement.Type
		values []any // ascending
	}{
		{statement.String, []any{"", "a", "a\x00", "a\x00b", "ab", "b", "é"}},
		{statement.Integer, []any{int32(math.MinInt32), int32(-1), int32(0), int32(1), int32(math.MaxInt32)}},
		{statement.Long, []any{int64(math.MinInt64), int64(-300), int64(0), int64(300), int64(math.MaxInt64)}},
		{statement.Double, []any{math.Inf(-1), -2.5, -0.5, 0.0, 0.5, 2.5, math.Inf(1)}},
		{statement.Boolean, []any{false, true}},
		{statement.Timestamp, []any{base.Add(-time.Hour), base, base.Add(time.Nanosecond), base.Add(time.Second)}},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String(), func(t *testing.T) {
			var prev string
			for i, v := range tc.values {
				b, err := appendKeyPart(nil, tc.typ, v)
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 && !(prev < string(b)) {
					t.Errorf("%v does not sort after %v", v, tc.values[i-1])
				}
				prev = string(b)
			}
		})
	}
	t.Run("a key prefix encodes as a prefix", func(t *testing.T) {
		one, _ := appendKeyPart(nil, statement.String, "u1")
		two, _ := appendKeyPart(append([]byte(nil), one...), statement.Long, int64(7))
		if string(two[:len(one)]) != string(one) {
			t.Errorf("% x is not a prefix of % x", one, two)
		}
		other, _ := appendKeyPart(nil, statement.String, "u10")
		if string(other[:len(one)]) == string(one) {
			t.Error("the key u10 has the key u1 as a prefix")
		}
	})
	t.Run("a JSON value is not a key", func(t *testing.T) {
		if _, err := appendKeyPart(nil, statement.JSON, map[string]any{}); err == nil {
			t.Error("got no error")
		}
	})
}

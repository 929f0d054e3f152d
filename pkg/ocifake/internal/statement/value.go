package statement

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"strings"
	"time"
)

// Compare orders two non-NULL values of the same type, or two numbers of any
// numeric types (compared exactly, INTEGER and LONG against DOUBLE included). It
// returns -1, 0 or +1, and false when the values do not compare: a NULL, values
// of different types, maps and arrays. Strings compare by their UTF-8 bytes,
// false sorts before true, timestamps by instant, JSON null equals JSON null.
// A NaN equals NaN and is greater than every other number.
func Compare(a, b any) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	if x, ok := asNumber(a); ok {
		y, ok := asNumber(b)
		if !ok {
			return 0, false
		}
		return compareNumbers(x, y), true
	}
	switch x := a.(type) {
	case string:
		return compareAs(x, b, strings.Compare)
	case bool:
		return compareAs(x, b, compareBools)
	case []byte:
		return compareAs(x, b, bytes.Compare)
	case time.Time:
		return compareAs(x, b, time.Time.Compare)
	case JSONNull:
		_, ok := b.(JSONNull)
		return 0, ok
	}
	return 0, false
}

// compareAs compares x with b when b has the type of x.
func compareAs[T any](x T, b any, compare func(T, T) int) (int, bool) {
	y, ok := b.(T)
	if !ok {
		return 0, false
	}
	return compare(x, y), true
}

func compareBools(x, y bool) int {
	switch {
	case x == y:
		return 0
	case y:
		return -1
	default:
		return 1
	}
}

// number is an integer or a floating-point value.
type number struct {
	i       int64
	f       float64
	isFloat bool
}

func asNumber(v any) (number, bool) {
	switch x := v.(type) {
	case int:
		return number{i: int64(x)}, true
	case int32:
		return number{i: int64(x)}, true
	case int64:
		return number{i: x}, true
	case float32:
		return number{f: float64(x), isFloat: true}, true
	case float64:
		return number{f: x, isFloat: true}, true
	}
	return number{}, false
}

func compareNumbers(x, y number) int {
	switch {
	case !x.isFloat && !y.isFloat:
		return cmp.Compare(x.i, y.i)
	case x.isFloat && y.isFloat:
		return compareFloats(x.f, y.f)
	case x.isFloat:
		return -compareIntFloat(y.i, x.f)
	default:
		return compareIntFloat(x.i, y.f)
	}
}

// compareFloats is cmp.Compare with NaN above every number instead of below.
func compareFloats(x, y float64) int {
	switch xNaN, yNaN := math.IsNaN(x), math.IsNaN(y); {
	case xNaN || yNaN:
		return compareBools(xNaN, yNaN)
	default:
		return cmp.Compare(x, y)
	}
}

// twoTo63 is the least float above every int64.
const twoTo63 = float64(1 << 63)

// compareIntFloat compares an integer with a float without losing precision.
func compareIntFloat(i int64, f float64) int {
	switch {
	case math.IsNaN(f):
		return -1
	case f >= twoTo63:
		return -1
	case f < -twoTo63:
		return 1
	}
	whole := math.Trunc(f)
	if c := cmp.Compare(i, int64(whole)); c != 0 {
		return c
	}
	return cmp.Compare(whole, f)
}

// sortCompare is the total order of ORDER BY: Compare where it applies, NULL
// after every value, and values that do not compare ordered by their kind.
func sortCompare(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if c, ok := Compare(a, b); ok {
		return c
	}
	return cmp.Compare(kindRank(a), kindRank(b))
}

// kindRank groups values for sortCompare.
func kindRank(v any) int {
	if _, ok := asNumber(v); ok {
		return 0
	}
	switch v.(type) {
	case string:
		return 1
	case bool:
		return 2
	case time.Time:
		return 3
	case []byte:
		return 4
	case JSONNull:
		return 5
	default:
		return 6
	}
}

// toInt64 returns an integer value as int64.
func toInt64(v any) int64 {
	n, _ := asNumber(v)
	return n.i
}

// normalizeInt gives a Go int the type the NoSQL SDK sends it as: INTEGER when it
// fits, LONG otherwise.
func normalizeInt(v any) any {
	if i, ok := v.(int); ok {
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return int32(i)
		}
		return int64(i)
	}
	return v
}

// Coerce converts v to the type of column c, as the service does for a value
// written to the column: an INTEGER widens to LONG, DOUBLE and NUMBER, a LONG
// narrows to INTEGER when it fits, a string in RFC 3339 (with or without a zone,
// UTC when none) or a date becomes a TIMESTAMP, and timestamps are put in UTC and
// rounded to the column's precision. A NULL is refused for a NOT NULL column.
// Errors wrap ErrValue and name the column and the type wanted.
func Coerce(c Column, v any) (any, error) {
	if v == nil {
		if c.NotNull {
			return nil, fmt.Errorf("%w: column %s is NOT NULL", ErrValue, c.Name)
		}
		return nil, nil
	}
	v = normalizeInt(v)
	if c.Type == Integer {
		if x, ok := v.(int64); ok && x >= math.MinInt32 && x <= math.MaxInt32 {
			return int32(x), nil
		}
	}
	if c.Type == Timestamp {
		if s, ok := v.(string); ok {
			parsed, err := parseTimestamp(s)
			if err != nil {
				return nil, fmt.Errorf("%w: column %s wants a TIMESTAMP: %v", ErrValue, c.Name, err)
			}
			v = parsed
		}
	}
	out, err := convert(c.Type, v)
	if err != nil {
		return nil, fmt.Errorf("%w: column %s: %v", ErrValue, c.Name, err)
	}
	if ts, ok := out.(time.Time); ok {
		out = ts.Round(time.Duration(math.Pow10(9 - c.Precision)))
	}
	return out, nil
}

// timestampLayouts are the string forms that Coerce reads as a TIMESTAMP.
var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseTimestamp(s string) (time.Time, error) {
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
}

// bindValue converts a bound value to the declared type of its variable: a
// LONG takes an INTEGER, a DOUBLE or a NUMBER any number, other types only
// their own values.
func bindValue(typ Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	return convert(typ, normalizeInt(v))
}

// convert checks that v is a value of typ, widening numbers and putting
// timestamps in UTC.
func convert(typ Type, v any) (any, error) {
	ok := false
	switch typ {
	case String:
		_, ok = v.(string)
	case Integer:
		_, ok = v.(int32)
	case Long:
		switch x := v.(type) {
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		}
	case Double, Number:
		if n, isNumber := asNumber(v); isNumber {
			if n.isFloat {
				return n.f, nil
			}
			return float64(n.i), nil
		}
	case Boolean:
		_, ok = v.(bool)
	case Binary:
		_, ok = v.([]byte)
	case Timestamp:
		if t, isTime := v.(time.Time); isTime {
			return t.UTC(), nil
		}
	case JSON:
		return jsonValue(v)
	}
	if !ok {
		return nil, fmt.Errorf("want %s, got %s", typ, describeValue(v))
	}
	return v, nil
}

// jsonValue checks that v is a JSON value, normalising Go ints and turning nil
// inside maps and arrays into JSON null.
func jsonValue(v any) (any, error) {
	switch x := normalizeInt(v).(type) {
	case nil, JSONNull:
		return JSONNull{}, nil
	case string, int32, int64, bool:
		return x, nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			converted, err := jsonValue(e)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", k, err)
			}
			out[k] = converted
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			converted, err := jsonValue(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = converted
		}
		return out, nil
	default:
		return nil, fmt.Errorf("want JSON, got %s", describeValue(x))
	}
}

// describeValue names the type of a value in the words of the service.
func describeValue(v any) string {
	switch v.(type) {
	case string:
		return "STRING"
	case int32:
		return "INTEGER"
	case int64:
		return "LONG"
	case float32, float64:
		return "DOUBLE"
	case bool:
		return "BOOLEAN"
	case []byte:
		return "BINARY"
	case time.Time:
		return "TIMESTAMP"
	case map[string]any, []any, JSONNull:
		return "JSON"
	default:
		return fmt.Sprintf("a value of Go type %T", v)
	}
}

// CoerceRow checks a row written to table t and returns it complete: every
// column of t keyed by its declared name, missing columns given their DEFAULT
// (or NULL), each value converted by Coerce. Row keys are compared
// case-insensitively. Errors wrap ErrUnknownColumn for a key that is not a
// column, and ErrValue for a duplicate key, a missing primary-key column or a
// value that does not fit.
func (t *Table) CoerceRow(row map[string]any) (map[string]any, error) {
	byKey := make(map[string]any, len(row))
	for name, v := range row {
		if _, ok := t.Column(name); !ok {
			return nil, fmt.Errorf("%w: table %s has no column %s", ErrUnknownColumn, t.Name, name)
		}
		key := strings.ToLower(name)
		if _, dup := byKey[key]; dup {
			return nil, fmt.Errorf("%w: column %s is given twice", ErrValue, name)
		}
		byKey[key] = v
	}
	out := make(map[string]any, len(t.Columns))
	for _, c := range t.Columns {
		v, present := byKey[strings.ToLower(c.Name)]
		if !present {
			v = c.Default
		}
		if v == nil && t.IsPrimaryKey(c.Name) {
			return nil, fmt.Errorf("%w: primary key column %s has no value", ErrValue, c.Name)
		}
		converted, err := Coerce(c, v)
		if err != nil {
			return nil, err
		}
		out[c.Name] = converted
	}
	return out, nil
}

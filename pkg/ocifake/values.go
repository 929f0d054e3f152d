package ocifake

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/fotogal/fotogal/pkg/ocifake/internal/statement"
)

// The service's size limits.
const (
	maxKeyBytes = 64         // a primary key, and an index key
	maxRowBytes = 512 * 1024 // a row
)

// fromWire turns a decoded wire value into the statement package's form:
// maps become map[string]any, NUMBER a float64, JSON null JSONNull.
func fromWire(v any) (any, error) {
	switch v := v.(type) {
	case object:
		m := make(map[string]any, len(v))
		for _, f := range v {
			x, err := fromWire(f.value)
			if err != nil {
				return nil, err
			}
			m[f.name] = x
		}
		return m, nil
	case []any:
		arr := make([]any, len(v))
		for i, e := range v {
			x, err := fromWire(e)
			if err != nil {
				return nil, err
			}
			arr[i] = x
		}
		return arr, nil
	case number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", string(v), err)
		}
		return f, nil
	case jsonNull:
		return statement.JSONNull{}, nil
	case empty:
		return nil, fmt.Errorf("the EMPTY value is not a column value")
	default:
		return v, nil
	}
}

// wireValue gives the encoder the wire form of the statement package's
// values that the codec does not know.
func wireValue(v any) (any, bool) {
	switch v.(type) {
	case statement.JSONNull:
		return jsonNull{}, true
	}
	return nil, false
}

// columnWire is the wire form of a column's value: NUMBER goes out as a
// NUMBER, everything else as it is held.
func columnWire(c statement.Column, v any) any {
	if f, ok := v.(float64); ok && c.Type == statement.Number {
		return numberText(f)
	}
	return v
}

// appendKeyPart appends v, a primary-key value of column type t, so that
// the byte order of encoded keys is the order of their values.
func appendKeyPart(buf []byte, t statement.Type, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		for i := 0; i < len(x); i++ {
			if x[i] == 0 {
				buf = append(buf, 0, 0xFF)
			} else {
				buf = append(buf, x[i])
			}
		}
		return append(buf, 0, 1), nil
	case int32:
		return binary.BigEndian.AppendUint64(buf, uint64(int64(x))^(1<<63)), nil
	case int64:
		return binary.BigEndian.AppendUint64(buf, uint64(x)^(1<<63)), nil
	case float64:
		bits := math.Float64bits(x)
		if bits&(1<<63) != 0 {
			bits = ^bits
		} else {
			bits |= 1 << 63
		}
		return binary.BigEndian.AppendUint64(buf, bits), nil
	case bool:
		if x {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case time.Time:
		sec := uint64(x.Unix()) ^ (1 << 63)
		buf = binary.BigEndian.AppendUint64(buf, sec)
		return binary.BigEndian.AppendUint32(buf, uint32(x.Nanosecond())), nil
	default:
		return nil, fmt.Errorf("a %s value (%T) cannot be part of a primary key", t, v)
	}
}

// keyPartSize is what a key value counts towards the 64-byte limits: a
// string its UTF-8 bytes, INTEGER 4, LONG, DOUBLE and NUMBER 8, BOOLEAN 1,
// TIMESTAMP 4 plus one byte per two digits of fraction it keeps.
func keyPartSize(c statement.Column, v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return len(x)
	case int32:
		return 4
	case int64, float64:
		return 8
	case bool:
		return 1
	case time.Time:
		return 4 + (c.Precision+1)/2
	default:
		return valueSize(v)
	}
}

// valueSize is what a value counts towards the 512 KB row limit: the bytes
// of its content (strings and binaries their length, JSON its text).
func valueSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return len(x)
	case []byte:
		return len(x)
	case int32:
		return 4
	case int64, float64:
		return 8
	case bool:
		return 1
	case time.Time:
		return 9
	case statement.JSONNull:
		return 4
	default:
		b, err := json.Marshal(jsonable(v))
		if err != nil {
			return 0
		}
		return len(b)
	}
}

// jsonable replaces the values encoding/json cannot write as the service
// would show them in JSON.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = jsonable(e)
		}
		return m
	case []any:
		arr := make([]any, len(x))
		for i, e := range x {
			arr[i] = jsonable(e)
		}
		return arr
	case statement.JSONNull:
		return nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	default:
		return v
	}
}

// rowSize is the size of a row: the sum of its values' sizes.
func rowSize(values map[string]any) int {
	n := 0
	for _, v := range values {
		n += valueSize(v)
	}
	return n
}

// kb is the read or write cost of n bytes in the service's 1 KB units,
// never less than one.
func kb(n int) int {
	return max(1, (n+1023)/1024)
}

// cloneValue returns a copy of v that shares no memory with it.
func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		arr := make([]any, len(x))
		for i, e := range x {
			arr[i] = cloneValue(e)
		}
		return arr
	case []byte:
		return slices.Clone(x)
	default:
		return v
	}
}

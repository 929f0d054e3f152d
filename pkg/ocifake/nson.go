package ocifake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The NSON type tags, as the Oracle NoSQL binary protocol numbers them. Every
// value on the wire starts with one.
const (
	tagArray     byte = 0
	tagBinary    byte = 1
	tagBoolean   byte = 2
	tagDouble    byte = 3
	tagInteger   byte = 4
	tagLong      byte = 5
	tagMap       byte = 6
	tagString    byte = 7
	tagTimestamp byte = 8
	tagNumber    byte = 9
	tagJSONNull  byte = 10
	tagNull      byte = 11
	tagEmpty     byte = 12
)

// maxNesting bounds how deep maps and arrays may nest in one request, so
// that a hostile body cannot exhaust the stack.
const maxNesting = 256

// field is one named entry of an NSON map.
type field struct {
	name  string
	value any
}

// object is an NSON map with its entries in wire order. Requests and
// answers are objects; field names are the protocol's short keys.
type object []field

// get returns the value of the entry called name.
func (o object) get(name string) (any, bool) {
	for _, f := range o {
		if f.name == name {
			return f.value, true
		}
	}
	return nil, false
}

// number is an NSON NUMBER: a decimal in its text form.
type number string

// jsonNull is the JSON null of the wire, distinct from SQL NULL (nil).
type jsonNull struct{}

// empty is the wire's EMPTY value, which the fake only ever receives.
type empty struct{}

// errMalformed is wrapped by every decoding error: the body is not NSON.
var errMalformed = errors.New("malformed NSON")

// decoder reads NSON values from a byte slice.
type decoder struct {
	buf []byte
	off int
}

func (d *decoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errMalformed, d.off, fmt.Sprintf(format, args...))
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || len(d.buf)-d.off < n {
		return nil, d.fail("need %d bytes, %d left", n, len(d.buf)-d.off)
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b, nil
}

func (d *decoder) byte() (byte, error) {
	b, err := d.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// int32 reads a fixed four-byte big-endian integer (lengths and counts).
func (d *decoder) int32() (int, error) {
	b, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return int(int32(binary.BigEndian.Uint32(b))), nil
}

// packed reads a packed integer: one byte for small values, otherwise a
// length byte and the big-endian bytes of the offset value.
func (d *decoder) packed() (int64, error) {
	first, err := d.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case first > 0xF7:
		b, err := d.take(int(first - 0xF7))
		if err != nil {
			return 0, err
		}
		var v uint64
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
		return int64(v) + 121, nil
	case first < 0x08:
		b, err := d.take(int(0x08 - first))
		if err != nil {
			return 0, err
		}
		v := int64(-1)
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v - 119, nil
	default:
		return int64(first) - 127, nil
	}
}

// packedInt reads a packed integer that must fit 32 bits.
func (d *decoder) packedInt() (int, error) {
	v, err := d.packed()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, d.fail("packed integer %d out of 32-bit range", v)
	}
	return int(v), nil
}

// bytes reads a packed length and that many bytes; length -1 is nil.
func (d *decoder) bytes() ([]byte, error) {
	n, err := d.packedInt()
	if err != nil {
		return nil, err
	}
	if n == -1 {
		return nil, nil
	}
	b, err := d.take(n)
	if err != nil {
		return nil, err
	}
	return slices.Clone(b), nil
}

// string reads a packed length and that many bytes of UTF-8. The null
// string (length -1) is returned as ok == false.
func (d *decoder) string() (s string, ok bool, err error) {
	n, err := d.packedInt()
	if err != nil || n == -1 {
		return "", false, err
	}
	b, err := d.take(n)
	if err != nil {
		return "", false, err
	}
	if !utf8.Valid(b) {
		return "", false, d.fail("string is not UTF-8")
	}
	return string(b), true, nil
}

// value reads one tagged value. Maps become objects, arrays []any, SQL NULL
// nil; integers keep their width (int32 for INTEGER, int64 for LONG).
func (d *decoder) value(depth int) (any, error) {
	if depth > maxNesting {
		return nil, d.fail("nested deeper than %d", maxNesting)
	}
	tag, err := d.byte()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagArray:
		n, err := d.header()
		if err != nil {
			return nil, err
		}
		arr := make([]any, 0, min(n, 1024))
		for range n {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case tagMap:
		n, err := d.header()
		if err != nil {
			return nil, err
		}
		obj := make(object, 0, min(n, 1024))
		for range n {
			name, ok, err := d.string()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, d.fail("map key is the null string")
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			obj = append(obj, field{name, v})
		}
		return obj, nil
	case tagBinary:
		return d.bytes()
	case tagBoolean:
		b, err := d.byte()
		return b != 0, err
	case tagDouble:
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case tagInteger:
		v, err := d.packedInt()
		return int32(v), err
	case tagLong:
		return d.packed()
	case tagString:
		s, ok, err := d.string()
		if err != nil || !ok {
			return nil, err
		}
		return s, nil
	case tagTimestamp:
		s, ok, err := d.string()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, d.fail("timestamp is the null string")
		}
		t, err := parseTimestamp(s)
		if err != nil {
			return nil, d.fail("%v", err)
		}
		return t, nil
	case tagNumber:
		s, ok, err := d.string()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, d.fail("number is the null string")
		}
		return number(s), nil
	case tagJSONNull:
		return jsonNull{}, nil
	case tagNull:
		return nil, nil
	case tagEmpty:
		return empty{}, nil
	default:
		return nil, d.fail("unknown type tag %d", tag)
	}
}

// header reads the byte length and element count that start a map or an
// array, and checks them against what is left.
func (d *decoder) header() (int, error) {
	size, err := d.int32()
	if err != nil {
		return 0, err
	}
	if size < 4 || size > len(d.buf)-d.off {
		return 0, d.fail("container of %d bytes, %d left", size, len(d.buf)-d.off)
	}
	n, err := d.int32()
	if err != nil {
		return 0, err
	}
	if n < 0 || n > size {
		return 0, d.fail("container claims %d elements in %d bytes", n, size)
	}
	return n, nil
}

// decodeObject decodes b, which must hold exactly one NSON map.
func decodeObject(b []byte) (object, error) {
	d := &decoder{buf: b}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(object)
	if !ok {
		return nil, fmt.Errorf("%w: the body is a %T, not a map", errMalformed, v)
	}
	if d.off != len(b) {
		return nil, d.fail("%d bytes after the end of the map", len(b)-d.off)
	}
	return obj, nil
}

// timestampLayouts are the forms of a TIMESTAMP on the wire: RFC 3339 with
// a zone, or without one (then UTC).
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseTimestamp(s string) (time.Time, error) {
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not in ISO 8601 form", s)
}

// encoder appends NSON values to a byte slice.
type encoder struct {
	buf []byte
}

// packed appends v as a packed integer.
func appendPacked(buf []byte, v int64) []byte {
	switch {
	case v > 120:
		u := uint64(v - 121)
		n := 1
		for n < 8 && u>>(8*n) != 0 {
			n++
		}
		buf = append(buf, byte(0xF7+n))
		for i := n - 1; i >= 0; i-- {
			buf = append(buf, byte(u>>(8*i)))
		}
		return buf
	case v < -119:
		u := v + 119
		n := 1
		for n < 8 && u>>(8*n) != -1 {
			n++
		}
		buf = append(buf, byte(0x08-n))
		for i := n - 1; i >= 0; i-- {
			buf = append(buf, byte(u>>(8*i)))
		}
		return buf
	default:
		return append(buf, byte(v+127))
	}
}

func appendString(buf []byte, s string) []byte {
	buf = appendPacked(buf, int64(len(s)))
	return append(buf, s...)
}

// value appends v with its type tag. It accepts what decoder.value returns,
// plain Go maps with string keys (written in key order), int and the
// statement package's values (through wireValue).
func (e *encoder) value(v any) error {
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, tagNull)
	case jsonNull:
		e.buf = append(e.buf, tagJSONNull)
	case empty:
		e.buf = append(e.buf, tagEmpty)
	case bool:
		b := byte(0)
		if v {
			b = 1
		}
		e.buf = append(e.buf, tagBoolean, b)
	case int:
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			e.buf = appendPacked(append(e.buf, tagInteger), int64(v))
		} else {
			e.buf = appendPacked(append(e.buf, tagLong), int64(v))
		}
	case int32:
		e.buf = appendPacked(append(e.buf, tagInteger), int64(v))
	case int64:
		e.buf = appendPacked(append(e.buf, tagLong), v)
	case float64:
		e.buf = binary.BigEndian.AppendUint64(append(e.buf, tagDouble), math.Float64bits(v))
	case string:
		e.buf = appendString(append(e.buf, tagString), v)
	case number:
		e.buf = appendString(append(e.buf, tagNumber), string(v))
	case time.Time:
		e.buf = appendString(append(e.buf, tagTimestamp), v.UTC().Format(time.RFC3339Nano))
	case []byte:
		e.buf = append(e.buf, tagBinary)
		if v == nil {
			e.buf = appendPacked(e.buf, -1)
		} else {
			e.buf = append(appendPacked(e.buf, int64(len(v))), v...)
		}
	case []any:
		start := e.open(tagArray)
		for _, x := range v {
			if err := e.value(x); err != nil {
				return err
			}
		}
		e.close(start, len(v))
	case object:
		start := e.open(tagMap)
		for _, f := range v {
			e.buf = appendString(e.buf, f.name)
			if err := e.value(f.value); err != nil {
				return err
			}
		}
		e.close(start, len(v))
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		start := e.open(tagMap)
		for _, k := range keys {
			e.buf = appendString(e.buf, k)
			if err := e.value(v[k]); err != nil {
				return err
			}
		}
		e.close(start, len(v))
	default:
		w, ok := wireValue(v)
		if !ok {
			return fmt.Errorf("cannot encode a %T as NSON", v)
		}
		return e.value(w)
	}
	return nil
}

// open starts a map or an array and returns where its length goes.
func (e *encoder) open(tag byte) int {
	e.buf = append(e.buf, tag)
	start := len(e.buf)
	e.buf = append(e.buf, 0, 0, 0, 0, 0, 0, 0, 0)
	return start
}

// close fills in the byte length (everything after the length itself) and
// the element count of the container opened at start.
func (e *encoder) close(start, n int) {
	binary.BigEndian.PutUint32(e.buf[start:], uint32(len(e.buf)-start-4))
	binary.BigEndian.PutUint32(e.buf[start+4:], uint32(n))
}

// encode returns v in NSON.
func encode(v any) ([]byte, error) {
	e := &encoder{}
	if err := e.value(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// numberText is the text of a NUMBER held as a float64.
func numberText(f float64) number {
	return number(strconv.FormatFloat(f, 'g', -1, 64))
}

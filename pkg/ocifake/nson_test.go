package ocifake

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestPackedIntegers(t *testing.T) {
	tests := []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0x7F}},
		{120, []byte{0xF7}},
		{121, []byte{0xF8, 0x00}},
		{376, []byte{0xF8, 0xFF}},
		{377, []byte{0xF9, 0x01, 0x00}},
		{-119, []byte{0x08}},
		{-120, []byte{0x07, 0xFF}},
		{-375, []byte{0x07, 0x00}},
		{-376, []byte{0x06, 0xFE, 0xFF}},
	}
	for _, tc := range tests {
		if got := appendPacked(nil, tc.v); !bytes.Equal(got, tc.want) {
			t.Errorf("encode %d: got % x, want % x", tc.v, got, tc.want)
		}
	}
	for _, v := range []int64{0, 1, -1, 120, 121, -119, -120, 1 << 20, -1 << 20, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		d := &decoder{buf: appendPacked(nil, v)}
		got, err := d.packed()
		if err != nil || got != v || d.off != len(d.buf) {
			t.Errorf("round trip %d: got %d, %v after %d of %d bytes", v, got, err, d.off, len(d.buf))
		}
	}
}

func TestValuesRoundTrip(t *testing.T) {
	ts := time.Date(2024, 2, 3, 4, 5, 6, 7, time.UTC)
	in := object{
		{"i", int32(-5)}, {"l", int64(math.MaxInt64)}, {"d", 1.5}, {"s", "ünï"}, {"b", true},
		{"bin", []byte{1, 2}}, {"nilbin", []byte(nil)}, {"ts", ts}, {"n", number("1.25")}, {"jn", jsonNull{}},
		{"null", nil}, {"arr", []any{int32(1), "x", object{{"k", false}}}}, {"empty", object{}},
	}
	b, err := encode(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeObject(b)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(in)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestMalformed(t *testing.T) {
	good, err := encode(object{{"k", []any{"v"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":               {},
		"not a map":           {tagString, 0x80, 'x'},
		"cut short":           good[:len(good)-1],
		"trailing bytes":      append(append([]byte(nil), good...), 0),
		"unknown tag":         {tagMap, 0, 0, 0, 9, 0, 0, 0, 1, 0x80, 'k', 99},
		"huge count":          {tagMap, 0, 0, 0, 4, 0x7F, 0xFF, 0xFF, 0xFF},
		"negative length":     {tagMap, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0},
		"string past the end": {tagMap, 0, 0, 0, 6, 0, 0, 0, 1, 0xF8, 0x10},
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeObject(b); !errors.Is(err, errMalformed) {
				t.Errorf("got %v, want a malformed-NSON error", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := encode(object{{"h", object{{"v", int32(4)}}}, {"p", []any{"x", int64(1), 2.5}}})
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := decodeObject(b)
		if err != nil {
			return
		}
		if _, err := encode(obj); err != nil {
			t.Errorf("a decoded map does not encode: %v", err)
		}
	})
}

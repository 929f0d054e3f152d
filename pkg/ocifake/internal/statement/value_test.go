package statement

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		a, b   any
		want   int
		wantOK bool
	}{
		{"INTEGER and LONG", int32(2), int64(3), -1, true},
		{"LONG and INTEGER equal", int64(3), int32(3), 0, true},
		{"Go ints", 4, 3, 1, true},
		{"LONG and DOUBLE", int64(3), 2.5, 1, true},
		{"DOUBLE and LONG", 2.5, int64(3), -1, true},
		{"INTEGER and DOUBLE equal", int32(2), 2.0, 0, true},
		{"negative fraction", int64(-3), -2.5, -1, true},
		{"large LONG and nearby DOUBLE", int64(1<<53 + 1), float64(1 << 53), 1, true},
		{"LONG and DOUBLE above every LONG", int64(math.MaxInt64), 9.3e18, -1, true},
		{"LONG and DOUBLE below every LONG", int64(math.MinInt64), -9.3e18, 1, true},
		{"LONG and NaN", int64(1), math.NaN(), -1, true},
		{"NaN and NaN", math.NaN(), math.NaN(), 0, true},
		{"NaN and DOUBLE", math.NaN(), 1.0, 1, true},
		{"float32 and DOUBLE", float32(0.5), 0.25, 1, true},
		{"DOUBLEs", 0.5, 0.75, -1, true},
		{"strings by bytes", "Z", "a", -1, true},
		{"strings equal", "é", "é", 0, true},
		{"booleans", false, true, -1, true},
		{"booleans reversed", true, false, 1, true},
		{"booleans equal", true, true, 0, true},
		{"binary", []byte{1, 2}, []byte{1, 3}, -1, true},
		{"timestamps", day(2), day(1), 1, true},
		{"JSON nulls", JSONNull{}, JSONNull{}, 0, true},
		{"NULL", nil, "x", 0, false},
		{"NULL right", int32(1), nil, 0, false},
		{"string and number", "1", int32(1), 0, false},
		{"number and string", int32(1), "1", 0, false},
		{"boolean and string", true, "true", 0, false},
		{"timestamp and string", day(1), "2024-01-01", 0, false},
		{"JSON null and NULL-like", JSONNull{}, false, 0, false},
		{"maps", map[string]any{}, map[string]any{}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Compare(tc.a, tc.b)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("Compare(%v, %v) = %d, %v; want %d, %v", tc.a, tc.b, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestSortCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b any
		want int
	}{
		{"NULLs equal", nil, nil, 0},
		{"NULL after a value", nil, "a", 1},
		{"value before NULL", int32(1), nil, -1},
		{"comparable", "a", "b", -1},
		{"numbers before strings", "a", int32(1), 1},
		{"strings before booleans", "a", true, -1},
		{"booleans before timestamps", true, day(1), -1},
		{"timestamps before binary", day(1), []byte{}, -1},
		{"binary before JSON null", []byte{}, JSONNull{}, -1},
		{"JSON null before maps", JSONNull{}, map[string]any{}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := sortCompare(tc.a, tc.b); got != tc.want {
				t.Errorf("sortCompare(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestCoerce(t *testing.T) {
	t.Parallel()
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name    string
		column  Column
		value   any
		want    any
		wantErr string
	}{
		{"NULL", Column{Name: "c", Type: String}, nil, nil, ""},
		{"NULL into NOT NULL", Column{Name: "c", Type: String, NotNull: true}, nil, nil, "column c is NOT NULL"},
		{"STRING", Column{Name: "c", Type: String}, "x", "x", ""},
		{"STRING from number", Column{Name: "c", Type: String}, int32(1), nil, "column c: want STRING, got INTEGER"},
		{"INTEGER", Column{Name: "c", Type: Integer}, int32(1), int32(1), ""},
		{"INTEGER from Go int", Column{Name: "c", Type: Integer}, -2, int32(-2), ""},
		{"INTEGER from LONG that fits", Column{Name: "c", Type: Integer}, int64(3), int32(3), ""},
		{"INTEGER from LONG too large", Column{Name: "c", Type: Integer}, int64(1 << 40), nil, "want INTEGER, got LONG"},
		{"INTEGER from DOUBLE", Column{Name: "c", Type: Integer}, 1.0, nil, "want INTEGER, got DOUBLE"},
		{"LONG from INTEGER", Column{Name: "c", Type: Long}, int32(5), int64(5), ""},
		{"LONG from Go int", Column{Name: "c", Type: Long}, 1 << 40, int64(1 << 40), ""},
		{"LONG from STRING", Column{Name: "c", Type: Long}, "5", nil, "want LONG, got STRING"},
		{"DOUBLE from LONG", Column{Name: "c", Type: Double}, int64(5), 5.0, ""},
		{"DOUBLE from float32", Column{Name: "c", Type: Double}, float32(0.5), 0.5, ""},
		{"NUMBER from INTEGER", Column{Name: "c", Type: Number}, int32(5), 5.0, ""},
		{"NUMBER from BOOLEAN", Column{Name: "c", Type: Number}, true, nil, "want NUMBER, got BOOLEAN"},
		{"BOOLEAN", Column{Name: "c", Type: Boolean}, false, false, ""},
		{"BINARY", Column{Name: "c", Type: Binary}, []byte("x"), []byte("x"), ""},
		{"BINARY from STRING", Column{Name: "c", Type: Binary}, "x", nil, "want BINARY, got STRING"},
		{"TIMESTAMP in UTC, rounded", Column{Name: "c", Type: Timestamp, Precision: 3},
			time.Date(2024, 1, 1, 1, 0, 0, 123456789, cet), time.Date(2024, 1, 1, 0, 0, 0, 123000000, time.UTC), ""},
		{"TIMESTAMP(0) rounds up", Column{Name: "c", Type: Timestamp},
			time.Date(2024, 1, 1, 0, 0, 0, 600000000, time.UTC), time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC), ""},
		{"TIMESTAMP(9) keeps nanoseconds", Column{Name: "c", Type: Timestamp, Precision: 9},
			time.Date(2024, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 1, time.UTC), ""},
		{"TIMESTAMP from RFC 3339", Column{Name: "c", Type: Timestamp, Precision: 9},
			"2024-01-01T01:00:00.5+01:00", time.Date(2024, 1, 1, 0, 0, 0, 500000000, time.UTC), ""},
		{"TIMESTAMP from string without zone", Column{Name: "c", Type: Timestamp, Precision: 3},
			"2024-01-01T10:11:12.123", time.Date(2024, 1, 1, 10, 11, 12, 123000000, time.UTC), ""},
		{"TIMESTAMP from date", Column{Name: "c", Type: Timestamp, Precision: 3}, "2024-01-02", day(2), ""},
		{"TIMESTAMP from bad string", Column{Name: "c", Type: Timestamp}, "yesterday", nil, "not an RFC 3339 timestamp"},
		{"TIMESTAMP from LONG", Column{Name: "c", Type: Timestamp}, int64(0), nil, "want TIMESTAMP, got LONG"},
		{"JSON document", Column{Name: "c", Type: JSON},
			map[string]any{"a": []any{1, 2.5, float32(0.5), "x", true, nil, JSONNull{}, int64(1 << 40)}},
			map[string]any{"a": []any{int32(1), 2.5, 0.5, "x", true, JSONNull{}, JSONNull{}, int64(1 << 40)}}, ""},
		{"JSON scalar", Column{Name: "c", Type: JSON}, "x", "x", ""},
		{"JSON null", Column{Name: "c", Type: JSON}, JSONNull{}, JSONNull{}, ""},
		{"JSON with binary", Column{Name: "c", Type: JSON}, map[string]any{"b": []byte{1}}, nil, `field "b": want JSON, got BINARY`},
		{"JSON with timestamp", Column{Name: "c", Type: JSON}, []any{day(1)}, nil, "element 0: want JSON, got TIMESTAMP"},
		{"JSON with Go struct", Column{Name: "c", Type: JSON}, struct{}{}, nil, "Go type struct {}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Coerce(tc.column, tc.value)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Coerce = %v, %v; want an ErrValue error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Coerce: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Coerce = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestCoerceRow(t *testing.T) {
	t.Parallel()
	table := mustTable(t, `CREATE TABLE Users (id STRING, Name STRING NOT NULL DEFAULT 'anon',
		followers LONG DEFAULT 0, bio STRING, joined TIMESTAMP(3), PRIMARY KEY (id))`)
	tests := []struct {
		name    string
		row     map[string]any
		want    map[string]any
		wantErr error
	}{
		{
			name: "defaults and NULLs filled in, keys in declared spelling",
			row:  map[string]any{"ID": "u1", "JOINED": "2024-01-02T00:00:00Z"},
			want: map[string]any{"id": "u1", "Name": "anon", "followers": int64(0), "bio": nil, "joined": day(2)},
		},
		{
			name: "values converted",
			row:  map[string]any{"id": "u1", "name": "Ann", "followers": int32(3), "bio": "hi"},
			want: map[string]any{"id": "u1", "Name": "Ann", "followers": int64(3), "bio": "hi", "joined": nil},
		},
		{"unknown column", map[string]any{"id": "u1", "age": int32(3)}, nil, ErrUnknownColumn},
		{"duplicate key", map[string]any{"id": "u1", "ID": "u2"}, nil, ErrValue},
		{"missing primary key", map[string]any{"name": "Ann"}, nil, ErrValue},
		{"NULL primary key", map[string]any{"id": nil}, nil, ErrValue},
		{"explicit NULL into NOT NULL", map[string]any{"id": "u1", "name": nil}, nil, ErrValue},
		{"wrong type", map[string]any{"id": "u1", "followers": "many"}, nil, ErrValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := table.CoerceRow(tc.row)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CoerceRow = %v, %v; want error %v", got, err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CoerceRow = %#v, want %#v", got, tc.want)
			}
		})
	}
}

package ocifake_test

import (
	"bytes"
	"math/big"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

const allTypesDDL = `CREATE TABLE everything (
	id STRING, seq INTEGER, s STRING, i INTEGER, l LONG, d DOUBLE, n NUMBER, b BOOLEAN,
	bin BINARY, j JSON, ts TIMESTAMP(3), def STRING DEFAULT 'x',
	PRIMARY KEY (SHARD(id), seq))`

func TestRoundTripEveryType(t *testing.T) {
	_, c := start(t)
	ddl(t, c, allTypesDDL)
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	value := map[string]any{
		"id": "a", "seq": 1, "s": "héllo", "i": 42, "l": int64(1) << 40, "d": 2.5, "n": 7,
		"b": true, "bin": []byte{0, 1, 2, 255}, "j": map[string]any{"tags": []any{"x", 1}, "nested": map[string]any{"k": "v"}},
		"ts": ts,
	}
	put(t, c, "everything", value)
	res := get(t, c, "everything", map[string]any{"id": "a", "seq": 1})
	if res.Value == nil {
		t.Fatal("got no row")
	}
	got := res.Value.Map()
	want := map[string]any{
		"id": "a", "seq": 1, "s": "héllo", "i": 42, "l": int64(1) << 40, "d": 2.5,
		"n": big.NewRat(7, 1), "b": true, "bin": []byte{0, 1, 2, 255}, "ts": ts, "def": "x",
	}
	for name, w := range want {
		g := got[name]
		if r, ok := w.(*big.Rat); ok {
			if gr, ok := g.(*big.Rat); !ok || gr.Cmp(r) != 0 {
				t.Errorf("column %s: got %v (%T), want %v", name, g, g, w)
			}
			continue
		}
		if tw, ok := w.(time.Time); ok {
			if tg, ok := g.(time.Time); !ok || !tg.Equal(tw) {
				t.Errorf("column %s: got %v (%T), want %v", name, g, g, w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("column %s: got %#v (%T), want %#v (%T)", name, g, g, w, w)
		}
	}
	j, ok := got["j"].(*types.MapValue)
	if !ok {
		t.Fatalf("column j: got %T, want a map", got["j"])
	}
	nested, _ := j.Get("nested")
	if m, ok := nested.(*types.MapValue); !ok {
		t.Errorf("j.nested: got %T, want a map", nested)
	} else if v, _ := m.GetString("k"); v != "v" {
		t.Errorf("j.nested.k: got %q, want %q", v, "v")
	}
	if res.ModificationTime == 0 || res.Version == nil {
		t.Errorf("got modification time %d and version %v, want both set", res.ModificationTime, res.Version)
	}
	if !res.ExpirationTime.IsZero() {
		t.Errorf("got expiration %v, want none", res.ExpirationTime)
	}

	t.Run("a missing row", func(t *testing.T) {
		if res := get(t, c, "everything", map[string]any{"id": "a", "seq": 2}); res.Value != nil {
			t.Errorf("got %v, want no row", res.Value)
		}
	})
	t.Run("NULL columns", func(t *testing.T) {
		put(t, c, "everything", map[string]any{"id": "a", "seq": 3})
		got := get(t, c, "everything", map[string]any{"id": "a", "seq": 3}).Value.Map()
		if _, ok := got["s"].(*types.NullValue); !ok {
			t.Errorf("column s: got %#v, want NULL", got["s"])
		}
		if got["def"] != "x" {
			t.Errorf("column def: got %#v, want the default", got["def"])
		}
	})
}

func TestPutConditionsAndVersions(t *testing.T) {
	_, c := start(t)
	ddl(t, c, usersDDL)
	const table = "fotogal_ntable_users"
	key := types.NewMapValue(map[string]any{"id": "u1"})
	row := func(email string) *types.MapValue {
		return types.NewMapValue(map[string]any{"id": "u1", "email": email})
	}

	v1 := put(t, c, table, map[string]any{"id": "u1", "email": "one@example.com"})

	t.Run("put if absent fails on a present row and returns it", func(t *testing.T) {
		res, err := c.Put(&nosqldb.PutRequest{TableName: table, Value: row("two@example.com"), PutOption: types.PutIfAbsent, ReturnRow: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Success() {
			t.Fatal("got success, want a failed condition")
		}
		if got, _ := res.ExistingValue.GetString("email"); got != "one@example.com" {
			t.Errorf("existing email: got %q, want one@example.com", got)
		}
		if !bytes.Equal(res.ExistingVersion, v1) || res.ExistingModificationTime == 0 {
			t.Errorf("existing version %v mod time %d, want %v and a time", res.ExistingVersion, res.ExistingModificationTime, v1)
		}
	})
	t.Run("put if absent without return row says nothing more", func(t *testing.T) {
		res, err := c.Put(&nosqldb.PutRequest{TableName: table, Value: row("two@example.com"), PutOption: types.PutIfAbsent})
		if err != nil {
			t.Fatal(err)
		}
		if res.Success() || res.ExistingValue != nil {
			t.Errorf("got success %v existing %v, want a bare failure", res.Success(), res.ExistingValue)
		}
	})
	var v2 types.Version
	t.Run("put if version with the right version", func(t *testing.T) {
		res, err := c.Put(&nosqldb.PutRequest{TableName: table, Value: row("two@example.com"), PutOption: types.PutIfVersion, MatchVersion: v1})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Success() {
			t.Fatal("got a failure, want success")
		}
		v2 = res.Version
		if bytes.Equal(v1, v2) {
			t.Errorf("got the same version %v after a write", v2)
		}
	})
	t.Run("put if version with a stale version returns the row", func(t *testing.T) {
		res, err := c.Put(&nosqldb.PutRequest{TableName: table, Value: row("three@example.com"), PutOption: types.PutIfVersion, MatchVersion: v1, ReturnRow: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Success() {
			t.Fatal("got success with a stale version")
		}
		if !bytes.Equal(res.ExistingVersion, v2) {
			t.Errorf("existing version: got %v, want %v", res.ExistingVersion, v2)
		}
	})
	t.Run("put if present", func(t *testing.T) {
		res, err := c.Put(&nosqldb.PutRequest{TableName: table, Value: types.NewMapValue(map[string]any{"id": "u9", "email": "x"}), PutOption: types.PutIfPresent})
		if err != nil {
			t.Fatal(err)
		}
		if res.Success() {
			t.Error("put if present succeeded on a missing row")
		}
		res, err = c.Put(&nosqldb.PutRequest{TableName: table, Value: row("four@example.com"), PutOption: types.PutIfPresent, ReturnRow: true})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Success() {
			t.Fatal("put if present failed on a present row")
		}
		if got, _ := res.ExistingValue.GetString("email"); got != "two@example.com" {
			t.Errorf("replaced email: got %q, want two@example.com", got)
		}
	})
	t.Run("delete if version and delete", func(t *testing.T) {
		cur := get(t, c, table, map[string]any{"id": "u1"})
		res, err := c.Delete(&nosqldb.DeleteRequest{TableName: table, Key: key, MatchVersion: v1, ReturnRow: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Success || !bytes.Equal(res.ExistingVersion, cur.Version) {
			t.Errorf("stale delete: got success %v existing version %v, want failure and %v", res.Success, res.ExistingVersion, cur.Version)
		}
		res, err = c.Delete(&nosqldb.DeleteRequest{TableName: table, Key: key, MatchVersion: cur.Version})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Success {
			t.Error("delete with the current version failed")
		}
		res, err = c.Delete(&nosqldb.DeleteRequest{TableName: table, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		if res.Success {
			t.Error("delete of a missing row succeeded")
		}
	})
	t.Run("plain delete returns the deleted row", func(t *testing.T) {
		put(t, c, table, map[string]any{"id": "u1", "email": "five@example.com"})
		res, err := c.Delete(&nosqldb.DeleteRequest{TableName: table, Key: key, ReturnRow: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := res.ExistingValue.GetString("email"); !res.Success || got != "five@example.com" {
			t.Errorf("got success %v existing email %q", res.Success, got)
		}
	})
}

func TestConcurrentPutIfAbsentHasOneWinner(t *testing.T) {
	_, c := start(t)
	ddl(t, c, usersDDL)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 20 {
		wg.Go(func() {
			res, err := c.Put(&nosqldb.PutRequest{
				TableName: "fotogal_ntable_users",
				Value:     types.NewMapValue(map[string]any{"id": "same", "email": strings.Repeat("x", i+1)}),
				PutOption: types.PutIfAbsent,
			})
			if err != nil {
				t.Error(err)
				return
			}
			if res.Success() {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("got %d winners, want 1", wins)
	}
}

// clock is a settable clock for TTL tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestTTL(t *testing.T) {
	clk := &clock{now: time.Date(2024, 1, 1, 10, 30, 0, 0, time.UTC)}
	f, err := ocifake.NewNoSQL(ocifake.NoSQLOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	ddl(t, c, `CREATE TABLE sessions (id STRING, PRIMARY KEY (id)) USING TTL 2 HOURS`)
	ddl(t, c, `CREATE TABLE notes (id STRING, PRIMARY KEY (id))`)

	if _, err := c.Put(&nosqldb.PutRequest{TableName: "notes", Value: types.NewMapValue(map[string]any{"id": "hour"}),
		TTL: &types.TimeToLive{Value: 1, Unit: types.Hours}}); err != nil {
		t.Fatal(err)
	}
	put(t, c, "notes", map[string]any{"id": "forever"})
	put(t, c, "sessions", map[string]any{"id": "s1"})

	t.Run("expiry is rounded up to the unit", func(t *testing.T) {
		got := get(t, c, "notes", map[string]any{"id": "hour"}).ExpirationTime
		if want := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("got expiration %v, want %v", got, want)
		}
		got = get(t, c, "sessions", map[string]any{"id": "s1"}).ExpirationTime
		if want := time.Date(2024, 1, 1, 13, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("table default: got expiration %v, want %v", got, want)
		}
	})
	t.Run("an update keeps the expiry unless asked", func(t *testing.T) {
		put(t, c, "notes", map[string]any{"id": "hour"})
		if got := get(t, c, "notes", map[string]any{"id": "hour"}).ExpirationTime; got.IsZero() {
			t.Error("a put without TTL cleared the expiry")
		}
	})
	clk.advance(90 * time.Minute) // 12:00: the note has just expired.
	t.Run("expired rows are gone for reads and queries", func(t *testing.T) {
		if res := get(t, c, "notes", map[string]any{"id": "hour"}); res.Value != nil {
			t.Errorf("got expired row %v", res.Value)
		}
		rows, _ := query(t, c, "SELECT id FROM notes", nil, 0)
		if len(rows) != 1 {
			t.Errorf("got %d rows, want only the one without TTL", len(rows))
		}
		if got := f.Rows("notes"); len(got) != 1 || got[0]["id"] != "forever" {
			t.Errorf("Rows: got %v", got)
		}
		if res := get(t, c, "sessions", map[string]any{"id": "s1"}); res.Value == nil {
			t.Error("the session expired early")
		}
	})
	t.Run("an expired row can be put if absent", func(t *testing.T) {
		res, err := c.Put(&nosqldb.PutRequest{TableName: "notes", Value: types.NewMapValue(map[string]any{"id": "hour"}), PutOption: types.PutIfAbsent})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Success() {
			t.Error("put if absent over an expired row failed")
		}
	})
	clk.advance(time.Hour)
	t.Run("the table default expires", func(t *testing.T) {
		if res := get(t, c, "sessions", map[string]any{"id": "s1"}); res.Value != nil {
			t.Errorf("got expired session %v", res.Value)
		}
	})
}

func TestRefusals(t *testing.T) {
	_, c := start(t)
	ddl(t, c, `CREATE TABLE kv (id STRING, owner STRING, body STRING, n INTEGER NOT NULL DEFAULT 0, blob BINARY, PRIMARY KEY (id))`)
	ddl(t, c, `CREATE INDEX idx_owner ON kv (owner)`)
	ddl(t, c, `CREATE TABLE pair (a STRING, b STRING, PRIMARY KEY (SHARD(a), b))`)
	tests := []struct {
		name  string
		table string
		value map[string]any
		want  nosqlerr.ErrorCode
	}{
		{"key of exactly 64 bytes", "kv", map[string]any{"id": strings.Repeat("k", 64)}, nosqlerr.NoError},
		{"key of 65 bytes", "kv", map[string]any{"id": strings.Repeat("k", 65)}, nosqlerr.KeySizeLimitExceeded},
		{"key counts UTF-8 bytes", "kv", map[string]any{"id": strings.Repeat("é", 33)}, nosqlerr.KeySizeLimitExceeded},
		{"two-part key of 64 bytes", "pair", map[string]any{"a": strings.Repeat("a", 62), "b": "bb"}, nosqlerr.NoError},
		{"two-part key of 65 bytes", "pair", map[string]any{"a": strings.Repeat("a", 62), "b": "bbb"}, nosqlerr.KeySizeLimitExceeded},
		{"index key of 64 bytes", "kv", map[string]any{"id": "i1", "owner": strings.Repeat("o", 64)}, nosqlerr.NoError},
		{"index key of 65 bytes", "kv", map[string]any{"id": "i2", "owner": strings.Repeat("o", 65)}, nosqlerr.KeySizeLimitExceeded},
		{"row of 512 KB", "kv", map[string]any{"id": "r", "body": strings.Repeat("b", 512*1024-1-4)}, nosqlerr.NoError},
		{"row over 512 KB", "kv", map[string]any{"id": "r", "blob": make([]byte, 512*1024)}, nosqlerr.RowSizeLimitExceeded},
		{"unknown table", "nope", map[string]any{"id": "x"}, nosqlerr.TableNotFound},
		{"unknown column", "kv", map[string]any{"id": "x", "colour": "red"}, nosqlerr.IllegalArgument},
		{"wrong column type", "kv", map[string]any{"id": "x", "n": "seven"}, nosqlerr.IllegalArgument},
		{"wrong key type", "kv", map[string]any{"id": 7}, nosqlerr.IllegalArgument},
		{"missing primary key", "kv", map[string]any{"owner": "o"}, nosqlerr.IllegalArgument},
		{"NULL into NOT NULL", "kv", map[string]any{"id": "x", "n": types.NullValueInstance}, nosqlerr.IllegalArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Put(&nosqldb.PutRequest{TableName: tc.table, Value: types.NewMapValue(tc.value)})
			if tc.want == nosqlerr.NoError {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			wantCode(t, err, tc.want)
		})
	}
	t.Run("get with an unknown key column", func(t *testing.T) {
		_, err := c.Get(&nosqldb.GetRequest{TableName: "kv", Key: types.NewMapValue(map[string]any{"owner": "o"})})
		wantCode(t, err, nosqlerr.IllegalArgument)
	})
}

package ocifake_test

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

// startDir starts a fake on dir; stop ends its server without closing the
// fake, as if its process had been killed.
func startDir(t *testing.T, dir string, now func() time.Time) (f *ocifake.NoSQL, c *nosqldb.Client, stop func()) {
	t.Helper()
	f, err := ocifake.NewNoSQL(ocifake.NoSQLOptions{Dir: dir, Now: now})
	if err != nil {
		t.Fatalf("start on %s: %v", dir, err)
	}
	srv := httptest.NewServer(f)
	return f, newClient(t, srv.URL), srv.Close
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{now: time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)}
	f, c, stop := startDir(t, dir, clk.Now)
	ddl(t, c, allTypesDDL)
	ddl(t, c, followsDDL)
	ddl(t, c, `CREATE INDEX idx_s ON everything (s)`)
	ddl(t, c, `CREATE TABLE gone (id STRING, PRIMARY KEY (id))`)
	ddl(t, c, `DROP TABLE gone`)
	ts := time.Date(2024, 5, 6, 7, 8, 9, 120_000_000, time.UTC)
	v := put(t, c, "everything", map[string]any{
		"id": "a", "seq": 1, "s": "s", "i": 1, "l": int64(2), "d": 0.5, "n": 3, "b": false,
		"bin": []byte{9}, "j": map[string]any{"k": []any{1, "two", nil}}, "ts": ts,
	})
	put(t, c, "everything", map[string]any{"id": "a", "seq": 2})
	if _, err := c.Delete(&nosqldb.DeleteRequest{TableName: "everything", Key: types.NewMapValue(map[string]any{"id": "a", "seq": 2})}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(&nosqldb.PutRequest{TableName: "everything", Value: types.NewMapValue(map[string]any{"id": "ttl", "seq": 1}),
		TTL: &types.TimeToLive{Value: 1, Unit: types.Days}}); err != nil {
		t.Fatal(err)
	}
	wm := &nosqldb.WriteMultipleRequest{}
	wm.AddPutRequest(followPut("u1", "out", "a", 0), true)
	wm.AddPutRequest(followPut("u1", "out", "b", 0), true)
	if _, err := c.WriteMultiple(wm); err != nil {
		t.Fatal(err)
	}
	wantEverything, wantFollows := f.Rows("everything"), f.Rows("follows")
	stop()

	t.Run("a restart without Close keeps every answered write", func(t *testing.T) {
		f2, c2, stop2 := startDir(t, dir, clk.Now)
		defer stop2()
		if got := f2.Rows("everything"); !reflect.DeepEqual(got, wantEverything) {
			t.Errorf("everything: got %v, want %v", got, wantEverything)
		}
		if got := f2.Rows("follows"); !reflect.DeepEqual(got, wantFollows) {
			t.Errorf("follows: got %v, want %v", got, wantFollows)
		}
		res := get(t, c2, "everything", map[string]any{"id": "a", "seq": 1})
		if !bytes.Equal(res.Version, v) {
			t.Errorf("got version %v, want %v", res.Version, v)
		}
		if res := get(t, c2, "everything", map[string]any{"id": "ttl", "seq": 1}); res.ExpirationTime.IsZero() {
			t.Error("the TTL was lost")
		}
		if v2 := put(t, c2, "everything", map[string]any{"id": "a", "seq": 3}); bytes.Equal(v2, v) {
			t.Error("a version was reused after the restart")
		}
		if _, err := c2.GetTable(&nosqldb.GetTableRequest{TableName: "gone"}); err == nil {
			t.Error("a dropped table came back")
		}
		rows, _ := query(t, c2, "SELECT id FROM everything ORDER BY s", nil, 0)
		if len(rows) != 3 {
			t.Errorf("query on the index after restart: got %d rows, want 3", len(rows))
		}
		if err := f2.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	t.Run("a torn last record is dropped", func(t *testing.T) {
		log, err := os.OpenFile(filepath.Join(dir, "nosql.log"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		log.Write([]byte{0, 0, 1, 0, 1, 2, 3})
		log.Close()
		clk.advance(48 * time.Hour)
		f3, c3, stop3 := startDir(t, dir, clk.Now)
		defer stop3()
		if got := len(f3.Rows("everything")); got != 2 {
			t.Errorf("got %d rows, want 2 (one expired)", got)
		}
		put(t, c3, "everything", map[string]any{"id": "after", "seq": 1})
		if err := f3.Close(); err != nil {
			t.Fatal(err)
		}
		f4, _, stop4 := startDir(t, dir, clk.Now)
		defer stop4()
		defer f4.Close()
		if got := len(f4.Rows("everything")); got != 3 {
			t.Errorf("after a write past the torn record: got %d rows, want 3", got)
		}
	})
}

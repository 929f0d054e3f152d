package ocifake_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"
)

const imagesDDL = `CREATE TABLE fotogal_ntable_images (
	owner STRING, id STRING, created_ts TIMESTAMP(3), title STRING, likes LONG,
	PRIMARY KEY (SHARD(owner), id))`

// seedImages writes n images of owner "o1" and one of "o2".
func seedImages(t *testing.T, c *nosqldb.Client, n int) {
	t.Helper()
	ddl(t, c, imagesDDL)
	ddl(t, c, `CREATE INDEX idx_created ON fotogal_ntable_images (created_ts, id)`)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		put(t, c, "fotogal_ntable_images", map[string]any{
			"owner": "o1", "id": fmt.Sprintf("img%04d", i),
			// Creation order is the reverse of id order.
			"created_ts": base.Add(time.Duration(n-i) * time.Minute),
			"title":      fmt.Sprintf("title %d", i), "likes": int64(i % 5),
		})
	}
	put(t, c, "fotogal_ntable_images", map[string]any{"owner": "o2", "id": "other", "created_ts": base, "likes": int64(0)})
}

func ids(rows []*types.MapValue) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _ = r.GetString("id")
	}
	return out
}

func TestQueries(t *testing.T) {
	_, c := start(t)
	seedImages(t, c, 20)

	t.Run("bind variables and key order", func(t *testing.T) {
		rows, _ := query(t, c, `DECLARE $owner STRING; $min LONG;
			SELECT id, likes FROM fotogal_ntable_images WHERE owner = $owner AND likes >= $min ORDER BY owner, id`,
			map[string]any{"$owner": "o1", "$min": 4}, 0)
		want := []string{"img0004", "img0009", "img0014", "img0019"}
		if got := ids(rows); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if len(rows) > 0 {
			if got := rows[0].Len(); got != 2 {
				t.Errorf("got %d fields, want 2", got)
			}
		}
	})
	t.Run("order by an index, descending, with a limit", func(t *testing.T) {
		rows, _ := query(t, c, `DECLARE $owner STRING; $n INTEGER;
			SELECT * FROM fotogal_ntable_images i WHERE i.owner = $owner ORDER BY created_ts DESC, id DESC LIMIT $n`,
			map[string]any{"$owner": "o1", "$n": 3}, 0)
		want := []string{"img0000", "img0001", "img0002"}
		if got := ids(rows); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if len(rows) > 0 {
			if ts, ok := rows[0].Get("created_ts"); !ok {
				t.Error("SELECT * lacks created_ts")
			} else if _, ok := ts.(time.Time); !ok {
				t.Errorf("created_ts is a %T, want time.Time", ts)
			}
		}
	})
	t.Run("count", func(t *testing.T) {
		rows, _ := query(t, c, `DECLARE $owner STRING; SELECT count(*) FROM fotogal_ntable_images WHERE owner = $owner`,
			map[string]any{"$owner": "o1"}, 0)
		if len(rows) != 1 {
			t.Fatalf("got %d rows, want 1", len(rows))
		}
		if got, _ := rows[0].GetInt64("Column_1"); got != 20 {
			t.Errorf("got count %d, want 20", got)
		}
	})
	t.Run("an unprepared statement", func(t *testing.T) {
		req := &nosqldb.QueryRequest{Statement: `SELECT id FROM fotogal_ntable_images WHERE owner = 'o2'`}
		var got []string
		for {
			res, err := c.Query(req)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := res.GetResults()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(rows)...)
			if req.IsDone() {
				break
			}
		}
		if !slices.Equal(got, []string{"other"}) {
			t.Errorf("got %v, want [other]", got)
		}
	})

	refusals := []struct {
		name  string
		stmt  string
		binds map[string]any
		want  nosqlerr.ErrorCode
	}{
		{"unknown table", `SELECT * FROM nope`, nil, nosqlerr.TableNotFound},
		{"unknown column", `SELECT colour FROM fotogal_ntable_images`, nil, nosqlerr.IllegalArgument},
		{"wrong bind type", `DECLARE $owner STRING; SELECT * FROM fotogal_ntable_images WHERE owner = $owner`, map[string]any{"$owner": 7}, nosqlerr.IllegalArgument},
		{"undeclared variable", `SELECT * FROM fotogal_ntable_images WHERE owner = $owner`, map[string]any{"$owner": "o1"}, nosqlerr.IllegalArgument},
		{"order no index serves", `SELECT * FROM fotogal_ntable_images ORDER BY title`, nil, nosqlerr.IllegalArgument},
		{"outside the subset", `SELECT owner, sum(likes) FROM fotogal_ntable_images GROUP BY owner`, nil, nosqlerr.IllegalArgument},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tryQuery(c, tc.stmt, tc.binds, 0, nil)
			wantCode(t, err, tc.want)
		})
	}
}

func TestQueryContinuation(t *testing.T) {
	_, c := start(t)
	seedImages(t, c, 1000)
	inserted := 0
	between := func() {
		// Rows written between batches belong to no batch of this query.
		inserted++
		put(t, c, "fotogal_ntable_images", map[string]any{"owner": "o1", "id": fmt.Sprintf("img%04d+", inserted), "likes": int64(0)})
		put(t, c, "fotogal_ntable_images", map[string]any{"owner": "o1", "id": fmt.Sprintf("a%04d", inserted), "likes": int64(0)})
	}
	rows, batches, err := tryQuery(c, `DECLARE $owner STRING; SELECT id FROM fotogal_ntable_images WHERE owner = $owner ORDER BY owner, id`,
		map[string]any{"$owner": "o1"}, 7, between)
	if err != nil {
		t.Fatal(err)
	}
	if want := (1000 + 6) / 7; batches != want {
		t.Errorf("got %d batches, want %d", batches, want)
	}
	got := ids(rows)
	want := make([]string, 1000)
	for i := range want {
		want[i] = fmt.Sprintf("img%04d", i)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d rows, want the 1000 of the first request in order, each once (first difference at %d)", len(got), firstDiff(got, want))
	}

	t.Run("max read KB also ends a batch", func(t *testing.T) {
		prep, err := c.Prepare(&nosqldb.PrepareRequest{Statement: `SELECT id FROM fotogal_ntable_images`})
		if err != nil {
			t.Fatal(err)
		}
		req := &nosqldb.QueryRequest{PreparedStatement: &prep.PreparedStatement, MaxReadKB: 10}
		res, err := c.Query(req)
		if err != nil {
			t.Fatal(err)
		}
		first, _ := res.GetResults()
		if len(first) != 10 || req.IsDone() {
			t.Errorf("got %d rows and done %v, want 10 and more to come", len(first), req.IsDone())
		}
	})
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestConcurrentClients(t *testing.T) {
	f, c := start(t)
	ddl(t, c, followsDDL)
	var wg sync.WaitGroup
	for w := range 50 {
		wg.Go(func() {
			user := fmt.Sprintf("u%02d", w%10)
			for i := range 10 {
				other := fmt.Sprintf("w%02d-%d", w, i)
				if _, err := c.Put(followPut(user, "out", other, types.PutIfAbsent)); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := tryQuery(c, `DECLARE $u STRING; SELECT * FROM follows WHERE user_id = $u`, map[string]any{"$u": user}, 3, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := len(f.Rows("follows")); got != 500 {
		t.Errorf("got %d rows, want 500", got)
	}
}

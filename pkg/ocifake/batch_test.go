package ocifake_test

import (
	"fmt"
	"testing"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

const followsDDL = `CREATE TABLE follows (user_id STRING, kind STRING, other_id STRING, n INTEGER, PRIMARY KEY (SHARD(user_id), kind, other_id))`

func followPut(user, kind, other string, option types.PutOption) *nosqldb.PutRequest {
	return &nosqldb.PutRequest{
		TableName: "follows",
		Value:     types.NewMapValue(map[string]any{"user_id": user, "kind": kind, "other_id": other, "n": 1}),
		PutOption: option,
		ReturnRow: true,
	}
}

func TestWriteMultiple(t *testing.T) {
	f, c := start(t)
	ddl(t, c, followsDDL)
	put(t, c, "follows", map[string]any{"user_id": "u1", "kind": "out", "other_id": "taken", "n": 0})

	t.Run("all applied, with a result each", func(t *testing.T) {
		req := &nosqldb.WriteMultipleRequest{}
		req.AddPutRequest(followPut("u1", "out", "a", 0), true)
		req.AddPutRequest(followPut("u1", "in", "b", types.PutIfAbsent), true)
		req.AddPutRequest(followPut("u1", "out", "taken", types.PutIfAbsent), false)
		req.AddDeleteRequest(&nosqldb.DeleteRequest{TableName: "follows", Key: types.NewMapValue(map[string]any{"user_id": "u1", "kind": "x", "other_id": "none"})}, false)
		res, err := c.WriteMultiple(req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.IsSuccess() || res.FailedOperationIndex != -1 {
			t.Fatalf("got success %v failed index %d", res.IsSuccess(), res.FailedOperationIndex)
		}
		want := []bool{true, true, false, false}
		if len(res.ResultSet) != len(want) {
			t.Fatalf("got %d results, want %d", len(res.ResultSet), len(want))
		}
		for i, w := range want {
			if got := res.ResultSet[i].Success; got != w {
				t.Errorf("result %d: got success %v, want %v", i, got, w)
			}
		}
		if res.ResultSet[0].Version == nil {
			t.Error("result 0 has no version")
		}
		if got, _ := res.ResultSet[2].ExistingValue.GetInt("n"); got != 0 {
			t.Errorf("result 2: got existing n %d, want 0", got)
		}
		if n := len(f.Rows("follows")); n != 3 {
			t.Errorf("got %d rows, want 3", n)
		}
	})
	t.Run("a failing condition with abort applies nothing", func(t *testing.T) {
		req := &nosqldb.WriteMultipleRequest{}
		req.AddPutRequest(followPut("u1", "out", "c", 0), true)
		req.AddPutRequest(followPut("u1", "out", "taken", types.PutIfAbsent), true)
		req.AddPutRequest(followPut("u1", "out", "d", 0), true)
		res, err := c.WriteMultiple(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.IsSuccess() || res.FailedOperationIndex != 1 {
			t.Fatalf("got success %v failed index %d, want failure at 1", res.IsSuccess(), res.FailedOperationIndex)
		}
		if r := res.GetFailedOperationResult(); r == nil || r.ExistingValue == nil {
			t.Errorf("got failed result %+v, want the existing row", r)
		}
		if n := len(f.Rows("follows")); n != 3 {
			t.Errorf("got %d rows, want the 3 from before", n)
		}
	})

	refusals := []struct {
		name string
		ops  func(req *nosqldb.WriteMultipleRequest)
		want nosqlerr.ErrorCode
	}{
		{"51 operations", func(req *nosqldb.WriteMultipleRequest) {
			for i := range 51 {
				req.AddPutRequest(followPut("u2", "out", fmt.Sprint(i), 0), true)
			}
		}, nosqlerr.BatchOpNumberLimitExceeded},
		{"two shard keys", func(req *nosqldb.WriteMultipleRequest) {
			req.AddPutRequest(followPut("u2", "out", "a", 0), true)
			req.AddPutRequest(followPut("u3", "out", "a", 0), true)
		}, nosqlerr.IllegalArgument},
		{"one key twice", func(req *nosqldb.WriteMultipleRequest) {
			req.AddPutRequest(followPut("u2", "out", "a", 0), true)
			req.AddPutRequest(followPut("u2", "out", "a", 0), true)
		}, nosqlerr.IllegalArgument},
		{"an invalid operation", func(req *nosqldb.WriteMultipleRequest) {
			req.AddPutRequest(followPut("u2", "out", "a", 0), true)
			bad := followPut("u2", "out", "b", 0)
			bad.Value.Put("n", "not a number")
			req.AddPutRequest(bad, true)
		}, nosqlerr.IllegalArgument},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			req := &nosqldb.WriteMultipleRequest{}
			tc.ops(req)
			_, err := c.WriteMultiple(req)
			wantCode(t, err, tc.want)
			for _, r := range f.Rows("follows") {
				if r["user_id"] != "u1" {
					t.Fatalf("a refused request wrote %v", r)
				}
			}
		})
	}
	t.Run("50 operations", func(t *testing.T) {
		req := &nosqldb.WriteMultipleRequest{}
		for i := range 50 {
			req.AddPutRequest(followPut("u4", "out", fmt.Sprint(i), 0), true)
		}
		res, err := c.WriteMultiple(req)
		if err != nil || !res.IsSuccess() {
			t.Fatalf("got %v, %v", res, err)
		}
		if got := f.OpCount(ocifake.OpWriteMultiple, "follows"); got != 7 {
			t.Errorf("got %d write-multiple requests counted, want 7", got)
		}
	})
}

func TestMultiDelete(t *testing.T) {
	f, c := start(t)
	ddl(t, c, followsDDL)
	for _, kind := range []string{"in", "out"} {
		for i := range 10 {
			put(t, c, "follows", map[string]any{"user_id": "u1", "kind": kind, "other_id": fmt.Sprintf("o%02d", i), "n": i})
		}
	}
	put(t, c, "follows", map[string]any{"user_id": "u2", "kind": "out", "other_id": "o00", "n": 0})
	count := func(user string) int {
		n := 0
		for _, r := range f.Rows("follows") {
			if r["user_id"] == user {
				n++
			}
		}
		return n
	}

	t.Run("a range of the next key column", func(t *testing.T) {
		res, err := c.MultiDelete(&nosqldb.MultiDeleteRequest{
			TableName:  "follows",
			Key:        types.NewMapValue(map[string]any{"user_id": "u1", "kind": "out"}),
			FieldRange: &types.FieldRange{FieldPath: "other_id", Start: "o02", StartInclusive: true, End: "o05", EndInclusive: false},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.NumDeleted != 3 || count("u1") != 17 {
			t.Errorf("got %d deleted, %d left; want 3 and 17", res.NumDeleted, count("u1"))
		}
	})
	t.Run("a shard key through continuations", func(t *testing.T) {
		req := &nosqldb.MultiDeleteRequest{TableName: "follows", Key: types.NewMapValue(map[string]any{"user_id": "u1"}), MaxWriteKB: 5}
		total, calls := 0, 0
		for {
			res, err := c.MultiDelete(req)
			if err != nil {
				t.Fatal(err)
			}
			total += res.NumDeleted
			calls++
			if res.ContinuationKey == nil {
				break
			}
			req.ContinuationKey = res.ContinuationKey
		}
		if total != 17 || calls != 4 || count("u1") != 0 {
			t.Errorf("got %d deleted in %d calls, %d left; want 17 in 4, none left", total, calls, count("u1"))
		}
		if count("u2") != 1 {
			t.Error("another shard key lost its row")
		}
	})
	t.Run("a key without the shard key", func(t *testing.T) {
		_, err := c.MultiDelete(&nosqldb.MultiDeleteRequest{TableName: "follows", Key: types.NewMapValue(map[string]any{"kind": "out"})})
		wantCode(t, err, nosqlerr.IllegalArgument)
	})
	t.Run("a range on a column that is not next", func(t *testing.T) {
		_, err := c.MultiDelete(&nosqldb.MultiDeleteRequest{
			TableName:  "follows",
			Key:        types.NewMapValue(map[string]any{"user_id": "u2"}),
			FieldRange: &types.FieldRange{FieldPath: "other_id", Start: "a", StartInclusive: true},
		})
		wantCode(t, err, nosqlerr.IllegalArgument)
	})
}

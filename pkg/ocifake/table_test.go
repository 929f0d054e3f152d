package ocifake_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

const usersDDL = `CREATE TABLE IF NOT EXISTS fotogal_ntable_users (
	id STRING, email STRING NOT NULL, created_ts TIMESTAMP(3), followers LONG DEFAULT 0,
	PRIMARY KEY (SHARD(id)))`

func TestTableLifecycle(t *testing.T) {
	f, c := start(t)

	res, err := c.DoTableRequest(&nosqldb.TableRequest{
		Statement:   usersDDL,
		TableLimits: &nosqldb.TableLimits{ReadUnits: 50, WriteUnits: 20, StorageGB: 2},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Run("create is in progress until polled", func(t *testing.T) {
		if got, want := res.State, types.Creating; got != want {
			t.Errorf("state after the request: got %v, want %v", got, want)
		}
		poll := func() types.TableState {
			got, err := c.GetTable(&nosqldb.GetTableRequest{TableName: "fotogal_ntable_users", OperationID: res.OperationID})
			if err != nil {
				t.Fatalf("get table: %v", err)
			}
			return got.State
		}
		if got, want := poll(), types.Creating; got != want {
			t.Errorf("first poll: got %v, want %v", got, want)
		}
		if got, want := poll(), types.Active; got != want {
			t.Errorf("second poll: got %v, want %v", got, want)
		}
	})
	t.Run("get table describes it", func(t *testing.T) {
		got, err := c.GetTable(&nosqldb.GetTableRequest{TableName: "FOTOGAL_NTABLE_USERS"})
		if err != nil {
			t.Fatalf("get table: %v", err)
		}
		if got.TableName != "fotogal_ntable_users" || got.DDL != usersDDL {
			t.Errorf("got name %q ddl %q, want the declared ones", got.TableName, got.DDL)
		}
		wantLimits := nosqldb.TableLimits{ReadUnits: 50, WriteUnits: 20, StorageGB: 2, CapacityMode: types.Provisioned}
		if got.Limits != wantLimits {
			t.Errorf("limits: got %+v, want %+v", got.Limits, wantLimits)
		}
		for _, want := range []string{`"primaryKey":["id"]`, `"name":"email"`, `TIMESTAMP(3)`} {
			if !strings.Contains(got.Schema, want) {
				t.Errorf("schema %s lacks %s", got.Schema, want)
			}
		}
	})
	t.Run("create if not exists again changes nothing", func(t *testing.T) {
		got := ddl(t, c, usersDDL)
		if got.State != types.Active {
			t.Errorf("got state %v, want %v", got.State, types.Active)
		}
	})
	t.Run("create without if not exists is refused", func(t *testing.T) {
		_, err := c.DoTableRequest(&nosqldb.TableRequest{Statement: strings.Replace(usersDDL, " IF NOT EXISTS", "", 1)})
		wantCode(t, err, nosqlerr.TableExists)
	})
	t.Run("index", func(t *testing.T) {
		res, err := c.DoTableRequest(&nosqldb.TableRequest{Statement: "CREATE INDEX IF NOT EXISTS idx_email ON fotogal_ntable_users (email)"})
		if err != nil {
			t.Fatalf("create index: %v", err)
		}
		if res.State == types.Active {
			t.Errorf("got state %v right after CREATE INDEX, want a transient one", res.State)
		}
		if _, err := res.WaitForCompletion(c, 5*time.Second, 10*time.Millisecond); err != nil {
			t.Fatalf("wait for index: %v", err)
		}
		ddl(t, c, "CREATE INDEX IF NOT EXISTS idx_email ON fotogal_ntable_users (email)")
		_, err = c.DoTableRequest(&nosqldb.TableRequest{Statement: "CREATE INDEX idx_email ON fotogal_ntable_users (email)"})
		wantCode(t, err, nosqlerr.IndexExists)
		_, err = c.DoTableRequest(&nosqldb.TableRequest{Statement: "CREATE INDEX idx_x ON fotogal_ntable_users (nope)"})
		wantCode(t, err, nosqlerr.IllegalArgument)
		_, err = c.DoTableRequest(&nosqldb.TableRequest{Statement: "CREATE INDEX idx_x ON nope (email)"})
		wantCode(t, err, nosqlerr.TableNotFound)
	})
	t.Run("limits alone change the limits", func(t *testing.T) {
		_, err := c.DoTableRequest(&nosqldb.TableRequest{
			TableName:   "fotogal_ntable_users",
			TableLimits: &nosqldb.TableLimits{StorageGB: 5, CapacityMode: types.OnDemand},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetTable(&nosqldb.GetTableRequest{TableName: "fotogal_ntable_users"})
		if err != nil {
			t.Fatal(err)
		}
		if want := (nosqldb.TableLimits{StorageGB: 5, CapacityMode: types.OnDemand}); got.Limits != want {
			t.Errorf("got limits %+v, want %+v", got.Limits, want)
		}
	})
	t.Run("statement outside the subset", func(t *testing.T) {
		_, err := c.DoTableRequest(&nosqldb.TableRequest{Statement: "ALTER TABLE fotogal_ntable_users (ADD age INTEGER)"})
		wantCode(t, err, nosqlerr.IllegalArgument)
	})
	t.Run("drop", func(t *testing.T) {
		put(t, c, "fotogal_ntable_users", map[string]any{"id": "u1", "email": "a@example.com"})
		res, err := c.DoTableRequest(&nosqldb.TableRequest{Statement: "DROP TABLE fotogal_ntable_users"})
		if err != nil {
			t.Fatal(err)
		}
		if res.State != types.Dropping {
			t.Errorf("got state %v right after DROP, want %v", res.State, types.Dropping)
		}
		got, err := res.WaitForCompletion(c, 5*time.Second, 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != types.Dropped {
			t.Errorf("got state %v, want %v", got.State, types.Dropped)
		}
		_, err = c.Get(&nosqldb.GetRequest{TableName: "fotogal_ntable_users", Key: types.NewMapValue(map[string]any{"id": "u1"})})
		wantCode(t, err, nosqlerr.TableNotFound)
		ddl(t, c, "DROP TABLE IF EXISTS fotogal_ntable_users")
		_, err = c.DoTableRequest(&nosqldb.TableRequest{Statement: "DROP TABLE fotogal_ntable_users"})
		wantCode(t, err, nosqlerr.TableNotFound)
		_, err = c.GetTable(&nosqldb.GetTableRequest{TableName: "never_there"})
		wantCode(t, err, nosqlerr.TableNotFound)
	})
	t.Run("statements are recorded in order", func(t *testing.T) {
		got := f.Statements()
		if len(got) < 2 || got[0] != usersDDL || !slices.Contains(got, "DROP TABLE fotogal_ntable_users") {
			t.Errorf("got statements %q", got)
		}
		// All but the index on table nope and the ALTER, whose table the
		// fake cannot tell, and the change of limits, which has no statement.
		if n, want := f.OpCount(ocifake.OpTable, "fotogal_ntable_users"), len(got)-2+1; n != want {
			t.Errorf("got %d table requests on the table, want %d", n, want)
		}
	})
}

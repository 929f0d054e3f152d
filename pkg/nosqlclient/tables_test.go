package nosqlclient_test

import (
	"context"
	"testing"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
)

var ddl = []string{
	"CREATE TABLE IF NOT EXISTS fotogal_ntable_things (id STRING, owner STRING, PRIMARY KEY (id))",
	"CREATE INDEX IF NOT EXISTS owner_idx ON fotogal_ntable_things (owner)",
}

func TestCreateTablesWaitsUntilActive(t *testing.T) {
	t.Parallel()
	c, f := nosqltest.New(t)
	ctx := context.Background()
	if err := c.CreateTables(ctx, ddl...); err != nil {
		t.Fatal(err)
	}
	table, err := c.SDK().GetTable(&nosqldb.GetTableRequest{TableName: "fotogal_ntable_things"})
	if err != nil {
		t.Fatal(err)
	}
	if table.State != types.Active {
		t.Errorf("state after CreateTables = %v, want Active", table.State)
	}
	if got := f.OpCount("gettable", "fotogal_ntable_things"); got < 2 {
		t.Errorf("%d GetTable polls, want at least one per statement: CreateTables did not wait", got)
	}
	if table.Limits.CapacityMode != types.OnDemand || table.Limits.StorageGB != 1 {
		t.Errorf("limits = %+v, want on-demand with 1 GB", table.Limits)
	}
}

func TestCreateTablesTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	c, f := nosqltest.New(t)
	ctx := context.Background()
	if err := c.CreateTables(ctx, ddl...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, &nosqldb.PutRequest{TableName: "fotogal_ntable_things", Value: types.NewMapValue(map[string]any{"id": "a", "owner": "o"})}); err != nil {
		t.Fatal(err)
	}
	again := nosqltest.Client(t, f)
	if err := again.CreateTables(ctx, ddl...); err != nil {
		t.Fatalf("second CreateTables: %v", err)
	}
	if rows := f.Rows("fotogal_ntable_things"); len(rows) != 1 {
		t.Errorf("%d rows after the second CreateTables, want the 1 written", len(rows))
	}
}

func TestCreateTablesProvisioned(t *testing.T) {
	t.Parallel()
	_, endpoint := ocifake.StartNoSQL(t)
	cfg := nosqltest.Config(endpoint)
	cfg.Limits = nosqlclient.TableLimits{Capacity: nosqlclient.Provisioned, ReadUnits: 20, WriteUnits: 10, StorageGB: 5}
	c, err := nosqlclient.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CreateTables(context.Background(), ddl[0]); err != nil {
		t.Fatal(err)
	}
	table, err := c.SDK().GetTable(&nosqldb.GetTableRequest{TableName: "fotogal_ntable_things"})
	if err != nil {
		t.Fatal(err)
	}
	want := nosqldb.TableLimits{ReadUnits: 20, WriteUnits: 10, StorageGB: 5, CapacityMode: types.Provisioned}
	if table.Limits != want {
		t.Errorf("limits = %+v, want %+v", table.Limits, want)
	}
}

func TestCreateTablesOff(t *testing.T) {
	t.Parallel()
	f, endpoint := ocifake.StartNoSQL(t)
	cfg := nosqltest.Config(endpoint)
	cfg.CreateTables = false
	c, err := nosqlclient.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CreateTables(context.Background(), ddl...); err != nil {
		t.Fatal(err)
	}
	if got := f.Statements(); len(got) != 0 {
		t.Errorf("sent %q with table creation off", got)
	}
}

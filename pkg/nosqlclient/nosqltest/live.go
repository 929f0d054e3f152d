package nosqltest

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
)

// tablePrefix starts the name of every FotoGal table.
const tablePrefix = "fotogal_ntable_"

// live reports whether the tests run against a real Oracle NoSQL service
// (make test-nosql-live) rather than the fake.
func live() bool { return os.Getenv("FOTOGAL_NOSQL_LIVE") == "1" }

// liveClient opens a client of the service the FOTOGAL_NOSQL_* variables
// name, with table creation on, and empties every FotoGal table in reach,
// so that each case of a contract suite starts as on a fresh fake.
func liveClient(t testing.TB) *nosqlclient.Client {
	t.Helper()
	l := config.NewLoader(os.LookupEnv)
	cfg := nosqlclient.LoadConfig(l)
	if err := l.Err(); err != nil {
		t.Fatalf("FOTOGAL_NOSQL_LIVE=1 needs the FOTOGAL_NOSQL_* variables of a real endpoint: %v", err)
	}
	cfg.CreateTables = true
	c, err := nosqlclient.Open(cfg)
	if err != nil {
		t.Fatalf("open nosql client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := emptyTables(context.Background(), c); err != nil {
		t.Fatalf("empty FotoGal's tables: %v", err)
	}
	return c
}

// emptyTables deletes every row of every table whose name starts with
// tablePrefix.
func emptyTables(ctx context.Context, c *nosqlclient.Client) error {
	list, err := c.SDK().ListTables(&nosqldb.ListTablesRequest{})
	if err != nil {
		return err
	}
	for _, table := range list.Tables {
		if !strings.HasPrefix(strings.ToLower(table), tablePrefix) {
			continue
		}
		info, err := c.SDK().GetTable(&nosqldb.GetTableRequest{TableName: table})
		if err != nil {
			return err
		}
		var schema struct {
			PrimaryKey []string `json:"primaryKey"`
		}
		if err := json.Unmarshal([]byte(info.Schema), &schema); err != nil || len(schema.PrimaryKey) == 0 {
			return &schemaError{table: table, err: err}
		}
		rows, err := c.Query(ctx, "SELECT * FROM "+table, nil)
		if err != nil {
			return err
		}
		for _, row := range rows {
			key := &types.MapValue{}
			for _, col := range schema.PrimaryKey {
				v, _ := row.Get(col)
				key.Put(col, v)
			}
			if _, err := c.Delete(ctx, &nosqldb.DeleteRequest{TableName: table, Key: key}); err != nil {
				return err
			}
		}
	}
	return nil
}

type schemaError struct {
	table string
	err   error
}

func (e *schemaError) Error() string {
	if e.err != nil {
		return "no primary key in the schema of " + e.table + ": " + e.err.Error()
	}
	return "no primary key in the schema of " + e.table
}

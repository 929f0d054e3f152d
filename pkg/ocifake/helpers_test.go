package ocifake_test

import (
	"errors"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

// newClient returns an SDK client of the fake at endpoint, configured as
// for the cloud simulator.
func newClient(t *testing.T, endpoint string) *nosqldb.Client {
	t.Helper()
	c, err := nosqldb.NewClient(nosqldb.Config{
		Mode:          "cloudsim",
		Endpoint:      endpoint,
		RequestConfig: nosqldb.RequestConfig{RequestTimeout: 5 * time.Second},
		LoggingConfig: nosqldb.LoggingConfig{DisableLogging: true},
	})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// start returns a fresh fake and a client of it.
func start(t *testing.T) (*ocifake.NoSQL, *nosqldb.Client) {
	t.Helper()
	f, endpoint := ocifake.StartNoSQL(t)
	return f, newClient(t, endpoint)
}

// ddl runs a DDL statement and waits for it to complete.
func ddl(t *testing.T, c *nosqldb.Client, stmt string) *nosqldb.TableResult {
	t.Helper()
	res, err := c.DoTableRequestAndWait(&nosqldb.TableRequest{
		Statement:   stmt,
		TableLimits: &nosqldb.TableLimits{ReadUnits: 10, WriteUnits: 5, StorageGB: 1},
	}, 5*time.Second, 10*time.Millisecond)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return res
}

// put writes value unconditionally and returns its version.
func put(t *testing.T, c *nosqldb.Client, table string, value map[string]any) types.Version {
	t.Helper()
	res, err := c.Put(&nosqldb.PutRequest{TableName: table, Value: types.NewMapValue(value)})
	if err != nil {
		t.Fatalf("put %v: %v", value, err)
	}
	if res.Version == nil {
		t.Fatalf("put %v: no version", value)
	}
	return res.Version
}

// get reads the row with key, or nil.
func get(t *testing.T, c *nosqldb.Client, table string, key map[string]any) *nosqldb.GetResult {
	t.Helper()
	res, err := c.Get(&nosqldb.GetRequest{TableName: table, Key: types.NewMapValue(key)})
	if err != nil {
		t.Fatalf("get %v: %v", key, err)
	}
	return res
}

// wantCode fails the test unless err is the SDK's error with code.
func wantCode(t *testing.T, err error, code nosqlerr.ErrorCode) {
	t.Helper()
	var e *nosqlerr.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want %v", err, code)
	}
	if e.Code != code {
		t.Fatalf("got error code %v (%v), want %v", e.Code, err, code)
	}
}

// query runs stmt with binds through every batch and returns the rows and
// the number of batches.
func query(t *testing.T, c *nosqldb.Client, stmt string, binds map[string]any, limit uint) ([]*types.MapValue, int) {
	t.Helper()
	rows, batches, err := tryQuery(c, stmt, binds, limit, nil)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return rows, batches
}

// tryQuery prepares stmt, binds binds and reads every batch, calling
// between (when set) after each batch but the last.
func tryQuery(c *nosqldb.Client, stmt string, binds map[string]any, limit uint, between func()) ([]*types.MapValue, int, error) {
	prep, err := c.Prepare(&nosqldb.PrepareRequest{Statement: stmt})
	if err != nil {
		return nil, 0, err
	}
	ps := prep.PreparedStatement
	for name, v := range binds {
		if err := ps.SetVariable(name, v); err != nil {
			return nil, 0, err
		}
	}
	req := &nosqldb.QueryRequest{PreparedStatement: &ps, Limit: limit}
	var rows []*types.MapValue
	batches := 0
	for {
		res, err := c.Query(req)
		if err != nil {
			return nil, batches, err
		}
		batch, err := res.GetResults()
		if err != nil {
			return nil, batches, err
		}
		batches++
		rows = append(rows, batch...)
		if req.IsDone() {
			return rows, batches, nil
		}
		if between != nil {
			between()
		}
	}
}

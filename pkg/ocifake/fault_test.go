package ocifake_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

// quickClient is a client that gives up after timeout.
func quickClient(t *testing.T, endpoint string, timeout time.Duration) *nosqldb.Client {
	t.Helper()
	c, err := nosqldb.NewClient(nosqldb.Config{
		Mode:          "cloudsim",
		Endpoint:      endpoint,
		RequestConfig: nosqldb.RequestConfig{RequestTimeout: timeout},
		LoggingConfig: nosqldb.LoggingConfig{DisableLogging: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestFaults(t *testing.T) {
	f, endpoint := ocifake.StartNoSQL(t)
	c := newClient(t, endpoint)
	quick := quickClient(t, endpoint, 300*time.Millisecond)
	ddl(t, c, usersDDL)
	ddl(t, c, `CREATE TABLE other (id STRING, PRIMARY KEY (id))`)
	const table = "fotogal_ntable_users"
	putUser := func(c *nosqldb.Client, id string) error {
		_, err := c.Put(&nosqldb.PutRequest{TableName: table, Value: types.NewMapValue(map[string]any{"id": id, "email": id + "@example.com"})})
		return err
	}
	stored := func(id string) bool {
		for _, r := range f.Rows(table) {
			if r["id"] == id {
				return true
			}
		}
		return false
	}

	t.Run("a throttling error once is retried by the SDK", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpPut, Table: table, Code: nosqlerr.WriteLimitExceeded, Times: 1})
		defer clear()
		before := f.OpCount(ocifake.OpPut, table)
		if err := putUser(c, "retried"); err != nil {
			t.Fatalf("got %v, want the retry to succeed", err)
		}
		if got := f.OpCount(ocifake.OpPut, table) - before; got != 2 {
			t.Errorf("got %d put requests, want 2", got)
		}
	})
	t.Run("throttling until cleared times out and writes nothing", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpPut, Code: nosqlerr.WriteLimitExceeded})
		err := putUser(quick, "throttled")
		clear()
		wantCode(t, err, nosqlerr.RequestTimeout)
		if stored("throttled") {
			t.Error("a throttled put was applied")
		}
	})
	t.Run("an error code the SDK does not retry", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Code: nosqlerr.ServiceUnavailable})
		err := putUser(c, "unavailable")
		clear()
		wantCode(t, err, nosqlerr.ServiceUnavailable)
		if stored("unavailable") {
			t.Error("a refused put was applied")
		}
	})
	t.Run("security info not ready", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpGet, Code: nosqlerr.SecurityInfoUnavailable, Times: 2})
		defer clear()
		if _, err := c.Get(&nosqldb.GetRequest{TableName: table, Key: types.NewMapValue(map[string]any{"id": "x"})}); err != nil {
			t.Errorf("got %v, want the SDK to wait for the security info", err)
		}
	})
	t.Run("an HTTP status", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpPut, HTTPStatus: http.StatusServiceUnavailable, Times: 1})
		defer clear()
		if err := putUser(c, "http"); err == nil {
			t.Fatal("got success, want the HTTP error")
		}
		if stored("http") {
			t.Error("a put answered 503 was applied")
		}
	})
	t.Run("a delay past the client's timeout", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpPut, Delay: 2 * time.Second, Times: 1})
		defer clear()
		err := putUser(quick, "late")
		wantCode(t, err, nosqlerr.RequestTimeout)
		if stored("late") {
			t.Error("a put the client gave up on was applied")
		}
	})
	t.Run("a short delay is served", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpPut, Delay: 50 * time.Millisecond})
		defer clear()
		start := time.Now()
		if err := putUser(c, "slow"); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) < 50*time.Millisecond || !stored("slow") {
			t.Error("the delayed put was not delayed, or not applied")
		}
	})
	t.Run("a fault on one table leaves the others", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Table: "other", Code: nosqlerr.ServiceUnavailable})
		defer clear()
		if err := putUser(c, "fine"); err != nil {
			t.Errorf("put on %s: %v", table, err)
		}
		_, err := c.Put(&nosqldb.PutRequest{TableName: "other", Value: types.NewMapValue(map[string]any{"id": "x"})})
		wantCode(t, err, nosqlerr.ServiceUnavailable)
	})
	t.Run("a fault on queries", func(t *testing.T) {
		clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpQuery, Code: nosqlerr.ServiceUnavailable})
		defer clear()
		_, _, err := tryQuery(c, "SELECT * FROM fotogal_ntable_users", nil, 0, nil)
		wantCode(t, err, nosqlerr.ServiceUnavailable)
	})
}

func TestProtocolErrors(t *testing.T) {
	_, endpoint := ocifake.StartNoSQL(t)
	t.Run("another serial version", func(t *testing.T) {
		resp, err := http.Post(endpoint+"/V2/nosql/data", "application/octet-stream", bytes.NewReader([]byte{0, 3, 1, 2, 3}))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) < 2 || body[0] != byte(nosqlerr.UnsupportedProtocol) {
			t.Fatalf("got status %d body %q, want 200 and the UnsupportedProtocol code", resp.StatusCode, body)
		}
		if !bytes.Contains(body, []byte("serial version 3")) {
			t.Errorf("got message %q, want it to name the version", body[2:])
		}
	})
	t.Run("an SDK speaking serial version 3", func(t *testing.T) {
		c := newClient(t, endpoint)
		c.SetSerialVersion(3)
		_, err := c.GetTable(&nosqldb.GetTableRequest{TableName: "x"})
		wantCode(t, err, nosqlerr.UnsupportedProtocol)
	})
	t.Run("an operation the fake does not serve", func(t *testing.T) {
		c := newClient(t, endpoint)
		_, err := c.ListTables(&nosqldb.ListTablesRequest{})
		wantCode(t, err, nosqlerr.OperationNotSupported)
	})
	t.Run("garbage", func(t *testing.T) {
		resp, err := http.Post(endpoint+"/V2/nosql/data", "application/octet-stream", bytes.NewReader([]byte{0, 4, 6, 0, 0}))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("malformed")) {
			t.Errorf("got status %d body %q, want an in-band protocol error", resp.StatusCode, body)
		}
	})
	t.Run("another path", func(t *testing.T) {
		resp, err := http.Get(endpoint + "/V0/other")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("got status %d, want 404", resp.StatusCode)
		}
	})
}

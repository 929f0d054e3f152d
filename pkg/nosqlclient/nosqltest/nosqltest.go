// Package nosqltest gives tests a client of a fresh fake Oracle NoSQL
// service (pkg/ocifake), configured as the services configure theirs, with
// table creation on — or, for a conformance run, of a real service.
package nosqltest

import (
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ocifake"
)

// endpoints remembers where each fake started by New listens.
var endpoints sync.Map // *ocifake.NoSQL → string

// New starts a fake Oracle NoSQL service for the test and returns a client of
// it with table creation on, and the fake. With FOTOGAL_NOSQL_LIVE=1 (make
// test-nosql-live) it returns instead a client of the real service the
// FOTOGAL_NOSQL_* variables name, its FotoGal tables emptied, and no fake.
func New(t testing.TB) (*nosqlclient.Client, *ocifake.NoSQL) {
	t.Helper()
	if live() {
		return liveClient(t), nil
	}
	f, endpoint := ocifake.StartNoSQL(t)
	endpoints.Store(f, endpoint)
	t.Cleanup(func() { endpoints.Delete(f) })
	return Client(t, f), f
}

// Client returns another client of f, a fake started by New: a second
// process, or a restart, on the same data.
func Client(t testing.TB, f *ocifake.NoSQL) *nosqlclient.Client {
	t.Helper()
	endpoint, ok := endpoints.Load(f)
	if !ok {
		t.Fatal("nosqltest.Client: the fake was not started by nosqltest.New")
	}
	c, err := nosqlclient.Open(Config(endpoint.(string)))
	if err != nil {
		t.Fatalf("open nosql client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Config is the configuration of a client of the fake at endpoint.
func Config(endpoint string) nosqlclient.Config {
	return nosqlclient.Config{
		Mode:           nosqlclient.ModeCloudSim,
		Endpoint:       endpoint,
		CreateTables:   true,
		Limits:         nosqlclient.TableLimits{Capacity: nosqlclient.OnDemand, StorageGB: 1},
		RequestTimeout: 5 * time.Second,
		TableTimeout:   30 * time.Second,
	}
}

package ocifake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocifake"
)

// openCloud opens a client of endpoint in cloud mode, signing with k as the
// services sign with an API key.
func openCloud(t *testing.T, endpoint string, k ocifake.Key) *nosqlclient.Client {
	t.Helper()
	c, err := nosqlclient.Open(nosqlclient.Config{
		Mode:           nosqlclient.ModeCloud,
		Endpoint:       endpoint,
		Compartment:    "ocid1.compartment.oc1..aaaaaaaafotogaltest",
		Auth:           ociauth.Config{Method: ociauth.APIKey, ConfigFile: k.ConfigFile, Profile: k.Profile},
		CreateTables:   true,
		Limits:         nosqlclient.TableLimits{Capacity: nosqlclient.OnDemand, StorageGB: 1},
		RequestTimeout: 5 * time.Second,
		TableTimeout:   10 * time.Second,
	})
	if err != nil {
		t.Fatalf("open a cloud-mode client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestNoSQLCloudModeChecksSignatures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := ocifake.NewKey(t)
	f, endpoint := ocifake.StartNoSQLWith(t, ocifake.NoSQLOptions{Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}}})

	c := openCloud(t, endpoint, k)
	const stmt = "CREATE TABLE IF NOT EXISTS photos (id STRING, caption STRING, PRIMARY KEY(id))"
	if err := c.CreateTables(ctx, stmt); err != nil {
		t.Fatalf("CreateTables signed with the fake's key: %v", err)
	}
	row := types.NewMapValue(map[string]any{"id": "p1", "caption": "sunset"})
	if _, err := c.Put(ctx, &nosqldb.PutRequest{TableName: "photos", Value: row}); err != nil {
		t.Fatalf("Put signed with the fake's key: %v", err)
	}
	got, err := c.Get(ctx, &nosqldb.GetRequest{TableName: "photos", Key: types.NewMapValue(map[string]any{"id": "p1"})})
	if err != nil || got.Value == nil {
		t.Fatalf("Get signed with the fake's key: %v, %v", got, err)
	}

	t.Run("another key", func(t *testing.T) {
		other := openCloud(t, endpoint, ocifake.NewKey(t))
		_, err := other.Put(ctx, &nosqldb.PutRequest{TableName: "photos", Value: types.NewMapValue(map[string]any{"id": "p2"})})
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("Put signed with an unknown key: error %v, want a 401", err)
		}
	})
	t.Run("no signature", func(t *testing.T) {
		sim := newClient(t, endpoint)
		_, err := sim.Put(&nosqldb.PutRequest{TableName: "photos", Value: types.NewMapValue(map[string]any{"id": "p3"})})
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("an unsigned Put: error %v, want a 401", err)
		}
	})
	if rows := f.Rows("photos"); len(rows) != 1 || rows[0]["id"] != "p1" {
		t.Errorf("rows %v, want only p1: a refused request must not be applied", rows)
	}
	if got := f.OpCount(ocifake.OpPut, "photos"); got != 1 {
		t.Errorf("OpCount(put) = %d, want 1: a refused request is not served", got)
	}
}

package nosqlclient_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocifake"
)

// In cloud mode the SDK would take the region of a config-file profile over
// the configured endpoint; the client must reach FOTOGAL_NOSQL_ENDPOINT
// whatever region the profile names.
func TestCloudModeEndpointWinsOverProfileRegion(t *testing.T) {
	t.Parallel()
	key := ocifake.NewKey(t) // its profile names us-ashburn-1
	f, endpoint := ocifake.StartNoSQLWith(t, ocifake.NoSQLOptions{Verifier: &ocifake.Verifier{Keys: []ocifake.Key{key}}})
	c, err := nosqlclient.Open(nosqlclient.Config{
		Mode:           nosqlclient.ModeCloud,
		Endpoint:       endpoint,
		Compartment:    "ocid1.compartment.oc1..aaaaaaaafotogaltest",
		Auth:           ociauth.Config{Method: ociauth.APIKey, ConfigFile: key.ConfigFile, Profile: key.Profile},
		CreateTables:   true,
		Limits:         nosqlclient.TableLimits{Capacity: nosqlclient.OnDemand, StorageGB: 1},
		RequestTimeout: 5 * time.Second,
		TableTimeout:   30 * time.Second,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	if err := c.CreateTables(context.Background(), ddl[0]); err != nil {
		t.Fatalf("CreateTables against %s: %v", endpoint, err)
	}
	if got := f.Statements(); len(got) != 1 {
		t.Errorf("the fake at the endpoint got %q, want the one statement", got)
	}
}

func TestCloudModeBadProfile(t *testing.T) {
	t.Parallel()
	_, err := nosqlclient.Open(nosqlclient.Config{
		Mode:     nosqlclient.ModeCloud,
		Endpoint: "http://127.0.0.1:1",
		Auth:     ociauth.Config{Method: ociauth.APIKey, ConfigFile: filepath.Join(t.TempDir(), "missing"), Profile: "DEFAULT"},
	})
	if err == nil {
		t.Fatal("Open with a missing OCI config file succeeded")
	}
	if want := "FOTOGAL_OCI_CONFIG_FILE"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

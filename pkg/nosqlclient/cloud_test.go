package nosqlclient_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocifake"
)

// writeOCIConfig writes an OCI config file whose DEFAULT profile names
// region and a key made for the test, and returns its path.
func writeOCIConfig(t *testing.T, region string) string {
	t.Helper()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "key.pem")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config")
	profile := "[DEFAULT]\n" +
		"user=ocid1.user.oc1..aaaaaaaafotogaltest\n" +
		"fingerprint=12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0\n" +
		"tenancy=ocid1.tenancy.oc1..aaaaaaaafotogaltest\n" +
		"region=" + region + "\n" +
		"key_file=" + keyPath + "\n"
	if err := os.WriteFile(cfgPath, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath
}

// In cloud mode the SDK would take the region of a config-file profile over
// the configured endpoint; the client must reach FOTOGAL_NOSQL_ENDPOINT
// whatever region the profile names.
func TestCloudModeEndpointWinsOverProfileRegion(t *testing.T) {
	t.Parallel()
	f, endpoint := ocifake.StartNoSQL(t)
	c, err := nosqlclient.Open(nosqlclient.Config{
		Mode:           nosqlclient.ModeCloud,
		Endpoint:       endpoint,
		Compartment:    "ocid1.compartment.oc1..aaaaaaaafotogaltest",
		Auth:           ociauth.Config{Method: ociauth.APIKey, ConfigFile: writeOCIConfig(t, "us-ashburn-1"), Profile: "DEFAULT"},
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

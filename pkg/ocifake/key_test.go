package ocifake_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

func TestNewKeyIsReadByTheOCISDK(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	p, err := common.ConfigurationProviderFromFile(k.ConfigFile, "")
	if err != nil {
		t.Fatalf("read %s: %v", k.ConfigFile, err)
	}
	if ok, err := common.IsConfigurationProviderValid(p); !ok {
		t.Fatalf("the SDK finds the config invalid: %v", err)
	}
	if got, err := p.KeyID(); err != nil || got != k.KeyID() {
		t.Errorf("SDK KeyID = %q, %v; want %q", got, err, k.KeyID())
	}
	if got, _ := p.Region(); got != "us-ashburn-1" {
		t.Errorf("SDK Region = %q, want us-ashburn-1", got)
	}
	private, err := p.PrivateRSAKey()
	if err != nil {
		t.Fatalf("SDK PrivateRSAKey: %v", err)
	}
	if !private.PublicKey.Equal(k.Public) {
		t.Error("the SDK's private key is not the pair of Key.Public")
	}
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	k, err := ocifake.GenerateKey(t.TempDir(), "eu-frankfurt-1")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^([0-9a-f]{2}:){15}[0-9a-f]{2}$`).MatchString(k.Fingerprint) {
		t.Errorf("fingerprint %q is not 16 colon-separated hex pairs", k.Fingerprint)
	}
	if want, _ := ocifake.Fingerprint(k.Public); k.Fingerprint != want {
		t.Errorf("fingerprint %q is not that of the public key, %q", k.Fingerprint, want)
	}
	if !strings.HasPrefix(k.Tenancy, "ocid1.tenancy.oc1..") || !strings.HasPrefix(k.User, "ocid1.user.oc1..") {
		t.Errorf("tenancy %q, user %q are not OCIDs", k.Tenancy, k.User)
	}
	if got, want := k.KeyID(), k.Tenancy+"/"+k.User+"/"+k.Fingerprint; got != want {
		t.Errorf("KeyID = %q, want %q", got, want)
	}
	for _, path := range []string{k.PrivateKeyFile, k.ConfigFile} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, mode)
		}
	}
	other, err := ocifake.GenerateKey(t.TempDir(), "eu-frankfurt-1")
	if err != nil {
		t.Fatal(err)
	}
	if other.KeyID() == k.KeyID() || other.Public.Equal(k.Public) {
		t.Error("two generated keys are the same")
	}
}

func TestGenerateKeyBadInput(t *testing.T) {
	t.Parallel()
	if _, err := ocifake.GenerateKey(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("GenerateKey with no region: error %v, want one naming the region", err)
	}
	if _, err := ocifake.GenerateKey("/nonexistent/dir", "us-ashburn-1"); err == nil {
		t.Error("GenerateKey into a missing directory succeeded")
	}
}

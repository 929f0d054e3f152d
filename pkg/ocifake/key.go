package ocifake

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Key is an API signing key of a made-up OCI user, with the config file the
// OCI SDKs read.
type Key struct {
	// Tenancy and User are OCIDs ("ocid1.tenancy.oc1..aaaa...").
	Tenancy, User string
	// Fingerprint is the key's fingerprint as OCI shows it: the MD5 of the
	// DER public key, in colon-separated hex pairs ("aa:bb:...").
	Fingerprint string
	// Region is the region the config file names ("us-ashburn-1").
	Region string
	// PrivateKeyFile is the PEM file of the private key (PKCS #8), mode 0600.
	PrivateKeyFile string
	// ConfigFile is an OCI config file with one profile, Profile, naming
	// the key.
	ConfigFile string
	// Profile is the profile of ConfigFile: "DEFAULT".
	Profile string
	// Public is the public half, which a Verifier checks signatures with.
	Public *rsa.PublicKey
}

// KeyID is the key's keyId in a request signature:
// "tenancy/user/fingerprint".
func (k Key) KeyID() string {
	return k.Tenancy + "/" + k.User + "/" + k.Fingerprint
}

// GenerateKey makes a 2048-bit RSA key for a new made-up user of a new
// made-up tenancy, and writes into dir its private key (oci_api_key.pem)
// and an OCI config file (config) whose DEFAULT profile names it and
// region.
func GenerateKey(dir, region string) (Key, error) {
	if region == "" {
		return Key{}, errors.New("generate OCI key: the region is empty")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Key{}, fmt.Errorf("generate OCI key: %w", err)
	}
	private, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return Key{}, fmt.Errorf("generate OCI key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(private)
	if err != nil {
		return Key{}, fmt.Errorf("generate OCI key: %w", err)
	}
	fingerprint, err := Fingerprint(&private.PublicKey)
	if err != nil {
		return Key{}, fmt.Errorf("generate OCI key: %w", err)
	}
	k := Key{
		Tenancy:        "ocid1.tenancy.oc1.." + ocidSuffix(),
		User:           "ocid1.user.oc1.." + ocidSuffix(),
		Fingerprint:    fingerprint,
		Region:         region,
		PrivateKeyFile: filepath.Join(dir, "oci_api_key.pem"),
		ConfigFile:     filepath.Join(dir, "config"),
		Profile:        "DEFAULT",
		Public:         &private.PublicKey,
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(k.PrivateKeyFile, keyPEM, 0o600); err != nil {
		return Key{}, fmt.Errorf("generate OCI key: %w", err)
	}
	config := "[" + k.Profile + "]\n" +
		"user=" + k.User + "\n" +
		"fingerprint=" + k.Fingerprint + "\n" +
		"tenancy=" + k.Tenancy + "\n" +
		"region=" + k.Region + "\n" +
		"key_file=" + k.PrivateKeyFile + "\n"
	if err := os.WriteFile(k.ConfigFile, []byte(config), 0o600); err != nil {
		return Key{}, fmt.Errorf("generate OCI key: %w", err)
	}
	return k, nil
}

// NewKey generates a key for the test in a temporary directory, in region
// us-ashburn-1.
func NewKey(t testing.TB) Key {
	t.Helper()
	k, err := GenerateKey(t.TempDir(), "us-ashburn-1")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Fingerprint returns the fingerprint OCI gives the public key pub: the MD5
// of its DER encoding (SubjectPublicKeyInfo), in colon-separated hex pairs.
func Fingerprint(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("fingerprint of the public key: %w", err)
	}
	sum := md5.Sum(der)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = hex.EncodeToString([]byte{b})
	}
	return strings.Join(pairs, ":"), nil
}

// ocidSuffix returns the unique part of a made-up OCID: 60 lower-case
// letters and digits, as OCI's are.
func ocidSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 60)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]%byte(len(alphabet))]
	}
	return string(b)
}

package oci_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/services/image/internal/bucket/oci"
)

func load(env map[string]string) (oci.Config, error) {
	l := config.NewLoader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	cfg := oci.LoadConfig(l)
	return cfg, l.Err()
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	got, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := oci.Config{
		Bucket:         "fotogal_bucket_images",
		PartSize:       16 << 20,
		RequestTimeout: 30 * time.Second,
		Attempts:       5,
		MaxBackoff:     4 * time.Second,
	}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
}

func TestLoadConfigReadsEverySetting(t *testing.T) {
	t.Parallel()
	got, err := load(map[string]string{
		"FOTOGAL_OCI_NAMESPACE":              "axaxnpcrorw5",
		"FOTOGAL_OCI_BUCKET":                 "photos.test-1",
		"FOTOGAL_OCI_REGION":                 "eu-frankfurt-1",
		"FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT": "https://objectstorage.eu-frankfurt-1.oraclecloud.com",
		"FOTOGAL_OCI_COMPARTMENT":            "ocid1.compartment.oc1..aaaa",
		"FOTOGAL_OCI_PART_SIZE":              "64MiB",
		"FOTOGAL_OCI_REQUEST_TIMEOUT":        "10s",
		"FOTOGAL_OCI_ATTEMPTS":               "3",
		"FOTOGAL_OCI_MAX_BACKOFF":            "500ms",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := oci.Config{
		Namespace:      "axaxnpcrorw5",
		Bucket:         "photos.test-1",
		Region:         "eu-frankfurt-1",
		Endpoint:       "https://objectstorage.eu-frankfurt-1.oraclecloud.com",
		Compartment:    "ocid1.compartment.oc1..aaaa",
		PartSize:       64 << 20,
		RequestTimeout: 10 * time.Second,
		Attempts:       3,
		MaxBackoff:     500 * time.Millisecond,
	}
	if got != want {
		t.Errorf("LoadConfig = %+v, want %+v", got, want)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, variable, value string
	}{
		{"part below Object Storage's smallest", "FOTOGAL_OCI_PART_SIZE", "5MiB"},
		{"part above its largest", "FOTOGAL_OCI_PART_SIZE", "51GiB"},
		{"part size not a size", "FOTOGAL_OCI_PART_SIZE", "lots"},
		{"endpoint without a scheme", "FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT", "objectstorage.example.com"},
		{"endpoint not http", "FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT", "ftp://objectstorage.example.com"},
		{"bucket with a space", "FOTOGAL_OCI_BUCKET", "my photos"},
		{"bucket too long", "FOTOGAL_OCI_BUCKET", strings.Repeat("b", 257)},
		{"zero timeout", "FOTOGAL_OCI_REQUEST_TIMEOUT", "0s"},
		{"timeout not a duration", "FOTOGAL_OCI_REQUEST_TIMEOUT", "soon"},
		{"no attempts", "FOTOGAL_OCI_ATTEMPTS", "0"},
		{"negative backoff", "FOTOGAL_OCI_MAX_BACKOFF", "-1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(map[string]string{tc.variable: tc.value})
			if err == nil || !strings.Contains(err.Error(), tc.variable) {
				t.Errorf("%s=%q: error %v, want one naming %s", tc.variable, tc.value, err, tc.variable)
			}
		})
	}
}

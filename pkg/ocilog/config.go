package ocilog

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
)

// Config says which log receives the entries and how they are batched.
type Config struct {
	// LogID: FOTOGAL_OCI_LOG_ID, the OCID of the custom log
	// ("ocid1.log.oc1..."). Empty turns shipping off.
	LogID string
	// Region: FOTOGAL_OCI_REGION, the region of the log ("eu-frankfurt-1");
	// empty means the region of the identity (FOTOGAL_OCI_AUTH).
	Region string
	// Endpoint: FOTOGAL_OCI_LOGGING_ENDPOINT, the ingestion service's URL,
	// instead of the region's ("https://ingestion.logging.<region>.oci.
	// oraclecloud.com"); the local fake's "http://127.0.0.1:8090", say.
	Endpoint string
	// BatchSize: FOTOGAL_OCI_LOG_BATCH (100), the most entries one PutLogs
	// request carries. A request also stays under maxRequestBytes.
	BatchSize int
	// FlushInterval: FOTOGAL_OCI_LOG_FLUSH_INTERVAL (2s), the longest an
	// entry waits for its batch to fill.
	FlushInterval time.Duration
	// Buffer: FOTOGAL_OCI_LOG_BUFFER (10000), how many entries wait to be
	// sent before new ones are dropped.
	Buffer int
	// RequestTimeout: FOTOGAL_OCI_LOG_REQUEST_TIMEOUT (5s), the most one
	// PutLogs attempt may take.
	RequestTimeout time.Duration
}

// LoadConfig reads the FOTOGAL_OCI_LOG* settings with l. Errors are
// recorded in l, each naming its variable.
func LoadConfig(l *config.Loader) Config {
	cfg := Config{
		LogID:          l.String("FOTOGAL_OCI_LOG_ID", ""),
		Region:         l.String("FOTOGAL_OCI_REGION", ""),
		Endpoint:       l.String("FOTOGAL_OCI_LOGGING_ENDPOINT", ""),
		BatchSize:      l.PositiveInt("FOTOGAL_OCI_LOG_BATCH", 100),
		FlushInterval:  l.PositiveDuration("FOTOGAL_OCI_LOG_FLUSH_INTERVAL", 2*time.Second),
		Buffer:         l.PositiveInt("FOTOGAL_OCI_LOG_BUFFER", 10000),
		RequestTimeout: l.PositiveDuration("FOTOGAL_OCI_LOG_REQUEST_TIMEOUT", 5*time.Second),
	}
	l.Fail(cfg.check())
	return cfg
}

// check reports the values that cannot work, each naming its variable.
func (c Config) check() error {
	var errs []error
	if c.LogID != "" && !strings.HasPrefix(c.LogID, "ocid1.log.") {
		errs = append(errs, fmt.Errorf("FOTOGAL_OCI_LOG_ID: %q is not the OCID of a log (ocid1.log....)", c.LogID))
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			errs = append(errs, fmt.Errorf("FOTOGAL_OCI_LOGGING_ENDPOINT: %q is not an http(s) URL without a path", c.Endpoint))
		}
	}
	return errors.Join(errs...)
}

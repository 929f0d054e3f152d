package oci

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
)

// Object Storage's limits on the parts of a multipart upload: every part
// but the last is at least minPartSize, none is above maxPartSize, and an
// upload has at most maxParts of them.
const (
	minPartSize = 10 << 20
	maxPartSize = 50 << 30
	maxParts    = 10000
)

// The defaults of the settings; a zero field of a Config takes them too.
const (
	DefaultBucket         = "fotogal_bucket_images"
	DefaultPartSize       = 16 << 20
	DefaultRequestTimeout = 30 * time.Second
	DefaultAttempts       = 5
	DefaultMaxBackoff     = 4 * time.Second
)

// Config says which bucket holds the objects and how to reach it.
type Config struct {
	// Namespace: FOTOGAL_OCI_NAMESPACE, the tenancy's Object Storage
	// namespace; when empty, Open asks the service for it.
	Namespace string
	// Bucket: FOTOGAL_OCI_BUCKET (fotogal_bucket_images), the bucket's
	// name. It must exist: Open does not create it.
	Bucket string
	// Region: FOTOGAL_OCI_REGION ("eu-frankfurt-1"); when empty, the region
	// of the identity FOTOGAL_OCI_AUTH picks.
	Region string
	// Endpoint: FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT, the service's URL
	// ("https://objectstorage.eu-frankfurt-1.oraclecloud.com"), which wins
	// over the region's: a dedicated endpoint, or a fake in tests.
	Endpoint string
	// Compartment: FOTOGAL_OCI_COMPARTMENT, the OCID of a compartment of
	// the tenancy, passed to the namespace lookup (the tenancy's own is
	// used when empty).
	Compartment string
	// PartSize: FOTOGAL_OCI_PART_SIZE (16MiB), between 10MiB and 50GiB.
	// An object up to this size is written with one request; a larger one
	// is uploaded in parts of this size. A Put holds up to one part in
	// memory.
	PartSize int64
	// RequestTimeout: FOTOGAL_OCI_REQUEST_TIMEOUT (30s), how long one
	// attempt of a request may go without progress: connecting, sending a
	// stretch of the body, waiting for the answer, receiving a stretch of a
	// download. A slow body that keeps moving is never cut; the caller's
	// context bounds a whole operation.
	RequestTimeout time.Duration
	// Attempts: FOTOGAL_OCI_ATTEMPTS (5), how many times a request is
	// tried in all when it is throttled (429), the service fails (5xx) or
	// the connection does.
	Attempts int
	// MaxBackoff: FOTOGAL_OCI_MAX_BACKOFF (4s), the longest wait between
	// two attempts; waits double from 100ms (or MaxBackoff, if smaller)
	// with random jitter.
	MaxBackoff time.Duration
}

// LoadConfig reads the FOTOGAL_OCI_* settings of the bucket with l. Errors
// are recorded in l, each naming its variable. The identity is read apart,
// with ociauth.Load, since every OCI client of a binary shares it.
func LoadConfig(l *config.Loader) Config {
	cfg := Config{
		Namespace:      l.String("FOTOGAL_OCI_NAMESPACE", ""),
		Bucket:         l.String("FOTOGAL_OCI_BUCKET", DefaultBucket),
		Region:         l.String("FOTOGAL_OCI_REGION", ""),
		Endpoint:       l.String("FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT", ""),
		Compartment:    l.String("FOTOGAL_OCI_COMPARTMENT", ""),
		PartSize:       l.Bytes("FOTOGAL_OCI_PART_SIZE", DefaultPartSize),
		RequestTimeout: l.PositiveDuration("FOTOGAL_OCI_REQUEST_TIMEOUT", DefaultRequestTimeout),
		Attempts:       l.PositiveInt("FOTOGAL_OCI_ATTEMPTS", DefaultAttempts),
		MaxBackoff:     l.PositiveDuration("FOTOGAL_OCI_MAX_BACKOFF", DefaultMaxBackoff),
	}
	l.Fail(cfg.check())
	return cfg
}

// withDefaults returns c with its zero fields set to the defaults.
func (c Config) withDefaults() Config {
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Attempts == 0 {
		c.Attempts = DefaultAttempts
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	return c
}

// check reports the values Object Storage or the adapter cannot work with.
func (c Config) check() error {
	var errs []error
	if !validBucketName(c.Bucket) {
		errs = append(errs, fmt.Errorf("FOTOGAL_OCI_BUCKET: %q is not a bucket name (1 to 256 letters, digits, '-', '_' and '.')", c.Bucket))
	}
	if c.PartSize < minPartSize || c.PartSize > maxPartSize {
		errs = append(errs, fmt.Errorf("FOTOGAL_OCI_PART_SIZE: %d bytes is outside Object Storage's part sizes, 10MiB to 50GiB", c.PartSize))
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT: %q is not an http(s)://host URL", c.Endpoint))
		}
	}
	if c.RequestTimeout < 0 {
		errs = append(errs, errors.New("FOTOGAL_OCI_REQUEST_TIMEOUT: must be positive"))
	}
	if c.Attempts < 0 {
		errs = append(errs, errors.New("FOTOGAL_OCI_ATTEMPTS: must be positive"))
	}
	if c.MaxBackoff < 0 {
		errs = append(errs, errors.New("FOTOGAL_OCI_MAX_BACKOFF: must be positive"))
	}
	return errors.Join(errs...)
}

// validBucketName reports whether name is one Object Storage accepts for a
// bucket.
func validBucketName(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

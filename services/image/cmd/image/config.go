package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocilog"
	"github.com/fotogal/fotogal/services/image/internal/bucket/oci"
	"github.com/fotogal/fotogal/services/image/internal/imaging"
	"github.com/fotogal/fotogal/services/image/internal/service"
)

// Config is the image binary's configuration, from FOTOGAL_* variables.
type Config struct {
	Server grpcserver.Config
	// ContentAddr is where the content port (photo bytes over HTTP, for
	// the gateway) listens; empty turns it off.
	ContentAddr string
	// ContentAccessTTL is the revocation window of photo bytes.
	ContentAccessTTL time.Duration
	LogLevel         string
	Logs             ocilog.Config
	DataDir          string
	Store            string
	NoSQL            nosqlclient.Config
	Bucket           string
	OCIBucket        oci.Config
	OCIAuth          ociauth.Config // every OCI client's identity
	ServiceSecret    string
	AuthAddr         string
	UserAddr         string
	CallTimeout      time.Duration

	MaxUploadBytes int64
	Limits         imaging.Limits
	Workers        int
	// PixelBudget bounds the decoded pixels held at once by uploads being
	// rendered (service.Config.PixelBudget).
	PixelBudget int64
	// MemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT is
	// not set.
	MemoryLimit   int64
	SweepInterval time.Duration
	SweepGrace    time.Duration
	// MaxUploadsPerHour is the photos one account may upload in an hour
	// (service.Config.MaxUploadsPerHour).
	MaxUploadsPerHour int
	// ExploreRefresh is how often a replica ranks the explore candidates
	// anew (service.Config.ExploreRefresh).
	ExploreRefresh time.Duration
}

// DBPath is the SQLite file.
func (c Config) DBPath() string { return filepath.Join(c.DataDir, "image.db") }

// BucketDir is the directory of the bucket's objects on the fs bucket.
func (c Config) BucketDir() string { return filepath.Join(c.DataDir, "bucket") }

// SpoolDir is the directory uploads are spooled to.
func (c Config) SpoolDir() string { return filepath.Join(c.DataDir, "tmp", "image-uploads") }

// loadConfig reads the configuration with lookup (os.LookupEnv).
func loadConfig(lookup func(string) (string, bool)) (Config, error) {
	l := config.NewLoader(lookup)
	c := Config{
		Server: grpcserver.Config{
			Addr:            l.Addr("FOTOGAL_GRPC_ADDR", "127.0.0.1:9093"),
			MetricsAddr:     l.OptionalAddr("FOTOGAL_METRICS_ADDR", "127.0.0.1:9193"),
			Pprof:           l.Bool("FOTOGAL_PPROF", false),
			ShutdownTimeout: l.PositiveDuration("FOTOGAL_SHUTDOWN_TIMEOUT", grpcserver.DefaultShutdownTimeout),
		},
		ContentAddr:      l.OptionalAddr("FOTOGAL_CONTENT_ADDR", "127.0.0.1:9083"),
		ContentAccessTTL: l.PositiveDuration("FOTOGAL_CONTENT_ACCESS_TTL", service.DefaultContentAccessTTL),
		LogLevel:         l.OneOf("FOTOGAL_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		Logs:             ocilog.LoadConfig(l),
		OCIAuth:          ociauth.Load(l),
		DataDir:          l.String("FOTOGAL_DATA_DIR", "./var"),
		Store:            l.OneOf("FOTOGAL_STORE", "sqlite", "sqlite", "nosql"),
		Bucket:           l.OneOf("FOTOGAL_BUCKET", "fs", "fs", "oci"),
		ServiceSecret:    l.Secret("FOTOGAL_SERVICE_SECRET", 16),
		AuthAddr:         l.String("FOTOGAL_AUTH_ADDR", "127.0.0.1:9091"),
		UserAddr:         l.String("FOTOGAL_USER_ADDR", "127.0.0.1:9092"),
		CallTimeout:      l.PositiveDuration("FOTOGAL_CALL_TIMEOUT", 5*time.Second),

		MaxUploadBytes: l.Bytes("FOTOGAL_MAX_UPLOAD_BYTES", 16<<20),
		Limits: imaging.Limits{
			MaxPixels: l.Int64("FOTOGAL_MAX_IMAGE_PIXELS", 50_000_000),
			MaxSide:   20000,
		},
		Workers:        l.PositiveInt("FOTOGAL_IMAGE_WORKERS", runtime.GOMAXPROCS(0)),
		PixelBudget:    l.Int64("FOTOGAL_IMAGE_PIXEL_BUDGET", service.DefaultPixelBudget),
		SweepInterval:  l.PositiveDuration("FOTOGAL_SWEEP_INTERVAL", 10*time.Minute),
		SweepGrace:     l.Duration("FOTOGAL_SWEEP_GRACE", time.Hour),
		ExploreRefresh: l.PositiveDuration("FOTOGAL_EXPLORE_REFRESH", service.DefaultExploreRefresh),

		MaxUploadsPerHour: l.PositiveInt("FOTOGAL_UPLOAD_MAX_PER_HOUR", service.DefaultMaxUploadsPerHour),
	}
	if c.Store == "nosql" {
		c.NoSQL = nosqlclient.LoadConfig(l)
	}
	if c.Bucket == "oci" {
		c.OCIBucket = oci.LoadConfig(l)
	}
	c.MemoryLimit = l.Bytes("FOTOGAL_IMAGE_MEMORY_LIMIT", defaultMemoryLimit(c.PixelBudget))
	var errs []error
	if err := l.Err(); err != nil {
		errs = append(errs, err)
	}
	check := func(ok bool, name string, value any, problem string) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %v %s", name, value, problem))
		}
	}
	check(c.MaxUploadBytes > 0, "FOTOGAL_MAX_UPLOAD_BYTES", c.MaxUploadBytes, "must be positive")
	check(c.Limits.MaxPixels > 0, "FOTOGAL_MAX_IMAGE_PIXELS", c.Limits.MaxPixels, "must be positive")
	check(c.PixelBudget > 0, "FOTOGAL_IMAGE_PIXEL_BUDGET", c.PixelBudget, "must be positive")
	check(c.MemoryLimit > 0, "FOTOGAL_IMAGE_MEMORY_LIMIT", c.MemoryLimit, "must be positive")
	return c, errors.Join(errs...)
}

// defaultMemoryLimit is the soft memory limit that suits a pixel budget:
// 4 bytes a pixel of it (imaging.Info.Footprint's unit), and 64 MiB for the
// rest of the service (connections, buffers, the store, the variants being
// encoded). Under it the garbage collector runs sooner rather than let the
// heap double, so that the uploads the budget lets in fit.
func defaultMemoryLimit(pixelBudget int64) int64 {
	return 64<<20 + 4*pixelBudget
}

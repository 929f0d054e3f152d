package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocilog"

	"github.com/fotogal/fotogal/services/user/internal/password"
	"github.com/fotogal/fotogal/services/user/internal/service"
)

// Config is everything the user service reads from its environment.
type Config struct {
	// Server: FOTOGAL_GRPC_ADDR, FOTOGAL_METRICS_ADDR (empty disables),
	// FOTOGAL_SHUTDOWN_TIMEOUT.
	Server grpcserver.Config
	// LogLevel: FOTOGAL_LOG_LEVEL.
	LogLevel string
	// Logs: FOTOGAL_OCI_LOG_*, OCI Logging as a second destination of
	// the log entries, when FOTOGAL_OCI_LOG_ID is set.
	Logs ocilog.Config
	// OCIAuth: FOTOGAL_OCI_AUTH and its settings, the identity of every
	// OCI client.
	OCIAuth ociauth.Config
	// ServiceSecret: FOTOGAL_SERVICE_SECRET, required, at least 16
	// characters; internal methods require it and outbound calls send it.
	ServiceSecret string
	// AuthAddr: FOTOGAL_AUTH_ADDR, where the auth service is dialled.
	AuthAddr string
	// ImageAddr: FOTOGAL_IMAGE_ADDR, where the image service is dialled.
	ImageAddr string
	// FeedAddr: FOTOGAL_FEED_ADDR, where the feed service is dialled (for
	// its part of account deletions).
	FeedAddr string
	// DeletionInterval: FOTOGAL_USER_DELETION_INTERVAL (30s), how often
	// unfinished account deletions are resumed and held usernames released.
	DeletionInterval time.Duration
	// DeletionSettle: FOTOGAL_USER_DELETION_SETTLE (1m), how long after the
	// feed's part of a deletion its last pass over every part runs.
	DeletionSettle time.Duration
	// CallTimeout: FOTOGAL_CALL_TIMEOUT, the deadline of outbound calls.
	CallTimeout time.Duration
	// Store says where the accounts and the follow graph live.
	Store StoreConfig
	// Argon2: FOTOGAL_ARGON2_MEMORY_KIB, FOTOGAL_ARGON2_ITERATIONS,
	// FOTOGAL_ARGON2_PARALLELISM; OWASP's recommendation by default.
	Argon2 password.Params
	// MaxRegistrationsPerAddr: FOTOGAL_REGISTER_MAX_PER_ADDR (20), the
	// registrations one client address may attempt in an hour.
	MaxRegistrationsPerAddr int
}

// StoreConfig selects and places the store.
type StoreConfig struct {
	// Backend: FOTOGAL_STORE (sqlite): sqlite, or nosql for Oracle NoSQL.
	Backend string
	// DataDir: FOTOGAL_DATA_DIR; the SQLite file is <DataDir>/user.db.
	DataDir string
	// NoSQL: FOTOGAL_NOSQL_*, the Oracle NoSQL service of the nosql backend.
	NoSQL nosqlclient.Config
}

// loadConfig reads the configuration with lookup (os.LookupEnv), naming
// every variable with a bad value.
func loadConfig(lookup func(string) (string, bool)) (Config, error) {
	l := config.NewLoader(lookup)
	cfg := Config{
		Server: grpcserver.Config{
			Addr:            l.Addr("FOTOGAL_GRPC_ADDR", "127.0.0.1:9092"),
			MetricsAddr:     l.OptionalAddr("FOTOGAL_METRICS_ADDR", "127.0.0.1:9192"),
			Pprof:           l.Bool("FOTOGAL_PPROF", false),
			ShutdownTimeout: l.Duration("FOTOGAL_SHUTDOWN_TIMEOUT", grpcserver.DefaultShutdownTimeout),
		},
		LogLevel:      l.OneOf("FOTOGAL_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		Logs:          ocilog.LoadConfig(l),
		OCIAuth:       ociauth.Load(l),
		ServiceSecret: l.Secret("FOTOGAL_SERVICE_SECRET", 16),
		AuthAddr:      l.String("FOTOGAL_AUTH_ADDR", "127.0.0.1:9091"),
		ImageAddr:     l.String("FOTOGAL_IMAGE_ADDR", "127.0.0.1:9093"),
		FeedAddr:      l.String("FOTOGAL_FEED_ADDR", "127.0.0.1:9094"),
		DeletionInterval: l.PositiveDuration("FOTOGAL_USER_DELETION_INTERVAL",
			service.DefaultDeletionInterval),
		DeletionSettle: l.PositiveDuration("FOTOGAL_USER_DELETION_SETTLE",
			service.DefaultDeletionSettle),
		CallTimeout: l.PositiveDuration("FOTOGAL_CALL_TIMEOUT", 5*time.Second),
		MaxRegistrationsPerAddr: l.PositiveInt("FOTOGAL_REGISTER_MAX_PER_ADDR",
			service.DefaultMaxRegistrationsPerAddr),
		Store: StoreConfig{
			Backend: l.OneOf("FOTOGAL_STORE", "sqlite", "sqlite", "nosql"),
			DataDir: l.String("FOTOGAL_DATA_DIR", "./var"),
		},
	}
	if cfg.Store.Backend == "nosql" {
		cfg.Store.NoSQL = nosqlclient.LoadConfig(l)
	}
	memory := l.Int64("FOTOGAL_ARGON2_MEMORY_KIB", int64(password.OWASP.MemoryKiB))
	iterations := l.Int64("FOTOGAL_ARGON2_ITERATIONS", int64(password.OWASP.Iterations))
	parallelism := l.Int64("FOTOGAL_ARGON2_PARALLELISM", int64(password.OWASP.Parallelism))
	err := l.Err()

	var problems []string
	if memory < 8 || memory > math.MaxUint32 {
		problems = append(problems, fmt.Sprintf("FOTOGAL_ARGON2_MEMORY_KIB: %d is not between 8 and %d", memory, uint32(math.MaxUint32)))
	}
	if iterations < 1 || iterations > math.MaxUint32 {
		problems = append(problems, fmt.Sprintf("FOTOGAL_ARGON2_ITERATIONS: %d is not between 1 and %d", iterations, uint32(math.MaxUint32)))
	}
	if parallelism < 1 || parallelism > math.MaxUint8 || memory < 8*parallelism {
		problems = append(problems, fmt.Sprintf("FOTOGAL_ARGON2_PARALLELISM: %d is not between 1 and %d, or above FOTOGAL_ARGON2_MEMORY_KIB/8", parallelism, math.MaxUint8))
	}
	if err != nil || len(problems) > 0 {
		if err != nil {
			problems = append([]string{err.Error()}, problems...)
		}
		return Config{}, fmt.Errorf("load config: %s", strings.Join(problems, "; "))
	}
	cfg.Argon2 = password.Params{MemoryKiB: uint32(memory), Iterations: uint32(iterations), Parallelism: uint8(parallelism)}
	return cfg, nil
}

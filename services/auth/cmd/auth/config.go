package main

import (
	"path/filepath"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocilog"
	"github.com/fotogal/fotogal/services/auth/internal/auth"
)

// Config is the whole configuration of the auth binary, from FOTOGAL_*
// environment variables.
type Config struct {
	// Server: FOTOGAL_GRPC_ADDR (127.0.0.1:9091) and FOTOGAL_METRICS_ADDR
	// (127.0.0.1:9191; set and empty disables the metrics endpoint).
	Server grpcserver.Config
	// LogLevel: FOTOGAL_LOG_LEVEL (info): debug, info, warn or error.
	LogLevel string
	// Logs: FOTOGAL_OCI_LOG_*, OCI Logging as a second destination of
	// the log entries, when FOTOGAL_OCI_LOG_ID is set.
	Logs ocilog.Config
	// OCIAuth: FOTOGAL_OCI_AUTH and its settings, the identity of every
	// OCI client.
	OCIAuth ociauth.Config
	// ServiceSecret: FOTOGAL_SERVICE_SECRET (required, at least 16
	// characters), the service credential of internal methods.
	ServiceSecret string
	// UserAddr: FOTOGAL_USER_ADDR (127.0.0.1:9092), where the user service
	// is dialled.
	UserAddr string
	// CallTimeout: FOTOGAL_CALL_TIMEOUT (5s), the deadline of outbound
	// calls.
	CallTimeout time.Duration
	// Store says where sessions and the login throttle's counts are kept.
	Store StoreConfig
	// Auth: FOTOGAL_SESSION_TTL (168h), FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL
	// (10), FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR (50), FOTOGAL_LOGIN_WINDOW
	// (15m).
	Auth auth.Config
	// SweepInterval: FOTOGAL_SESSION_SWEEP_INTERVAL (10m), how often
	// expired sessions are deleted.
	SweepInterval time.Duration
}

// StoreConfig chooses and locates the store of sessions and counts.
type StoreConfig struct {
	// Backend: FOTOGAL_STORE (sqlite): sqlite, or nosql for Oracle NoSQL.
	Backend string
	// DataDir: FOTOGAL_DATA_DIR (./var); the SQLite file is auth.db in it.
	DataDir string
	// NoSQL: FOTOGAL_NOSQL_*, the Oracle NoSQL service of the nosql backend.
	NoSQL nosqlclient.Config
}

// SQLitePath is the path of the SQLite database file.
func (c StoreConfig) SQLitePath() string { return filepath.Join(c.DataDir, "auth.db") }

// loadConfig reads the configuration with lookup (os.LookupEnv) and returns
// an error naming every missing or bad variable.
func loadConfig(lookup func(string) (string, bool)) (Config, error) {
	l := config.NewLoader(lookup)
	cfg := Config{
		Server: grpcserver.Config{
			Addr:            l.Addr("FOTOGAL_GRPC_ADDR", "127.0.0.1:9091"),
			MetricsAddr:     l.OptionalAddr("FOTOGAL_METRICS_ADDR", "127.0.0.1:9191"),
			Pprof:           l.Bool("FOTOGAL_PPROF", false),
			ShutdownTimeout: l.PositiveDuration("FOTOGAL_SHUTDOWN_TIMEOUT", grpcserver.DefaultShutdownTimeout),
		},
		LogLevel:      l.OneOf("FOTOGAL_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		Logs:          ocilog.LoadConfig(l),
		OCIAuth:       ociauth.Load(l),
		ServiceSecret: l.Secret("FOTOGAL_SERVICE_SECRET", 16),
		UserAddr:      l.String("FOTOGAL_USER_ADDR", "127.0.0.1:9092"),
		CallTimeout:   l.PositiveDuration("FOTOGAL_CALL_TIMEOUT", 5*time.Second),
		Store: StoreConfig{
			Backend: l.OneOf("FOTOGAL_STORE", "sqlite", "sqlite", "nosql"),
			DataDir: l.String("FOTOGAL_DATA_DIR", "./var"),
		},
		Auth: auth.Config{
			SessionTTL: l.PositiveDuration("FOTOGAL_SESSION_TTL", 7*24*time.Hour),
			Throttle: auth.ThrottleConfig{
				MaxAttemptsPerEmail: l.PositiveInt("FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL", 10),
				MaxAttemptsPerAddr:  l.PositiveInt("FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR", 50),
				Window:              l.PositiveDuration("FOTOGAL_LOGIN_WINDOW", 15*time.Minute),
			},
		},
		SweepInterval: l.PositiveDuration("FOTOGAL_SESSION_SWEEP_INTERVAL", 10*time.Minute),
	}
	if cfg.Store.Backend == "nosql" {
		cfg.Store.NoSQL = nosqlclient.LoadConfig(l)
	}
	if err := l.Err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

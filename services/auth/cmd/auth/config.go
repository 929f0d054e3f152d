package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/services/auth/internal/auth"
)

// minServiceSecretLen is the shortest service credential accepted.
const minServiceSecretLen = 16

// Config is the whole configuration of the auth binary, from FOTOGAL_*
// environment variables.
type Config struct {
	// Server: FOTOGAL_GRPC_ADDR (127.0.0.1:9091) and FOTOGAL_METRICS_ADDR
	// (127.0.0.1:9191; set and empty disables the metrics endpoint).
	Server grpcserver.Config
	// LogLevel: FOTOGAL_LOG_LEVEL (info): debug, info, warn or error.
	LogLevel string
	// ServiceSecret: FOTOGAL_SERVICE_SECRET (required, at least 16
	// characters), the service credential of internal methods.
	ServiceSecret string
	// UserAddr: FOTOGAL_USER_ADDR (127.0.0.1:9092), where the user service
	// is dialled.
	UserAddr string
	// CallTimeout: FOTOGAL_CALL_TIMEOUT (5s), the deadline of outbound
	// calls.
	CallTimeout time.Duration
	// Store says where sessions are kept.
	Store StoreConfig
	// Auth: FOTOGAL_SESSION_TTL (168h), FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL
	// (10), FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR (50), FOTOGAL_LOGIN_WINDOW
	// (15m).
	Auth auth.Config
	// SweepInterval: FOTOGAL_SESSION_SWEEP_INTERVAL (10m), how often
	// expired sessions are deleted.
	SweepInterval time.Duration
}

// StoreConfig chooses and locates the session store.
type StoreConfig struct {
	// Backend: FOTOGAL_STORE (sqlite); only sqlite exists so far.
	Backend string
	// DataDir: FOTOGAL_DATA_DIR (./var); the SQLite file is auth.db in it.
	DataDir string
}

// SQLitePath is the path of the SQLite database file.
func (c StoreConfig) SQLitePath() string { return filepath.Join(c.DataDir, "auth.db") }

// loadConfig reads the configuration with lookup (os.LookupEnv) and returns
// an error naming every missing or bad variable.
func loadConfig(lookup func(string) (string, bool)) (Config, error) {
	l := config.NewLoader(lookup)
	cfg := Config{
		Server: grpcserver.Config{
			Addr:        l.String("FOTOGAL_GRPC_ADDR", "127.0.0.1:9091"),
			MetricsAddr: l.String("FOTOGAL_METRICS_ADDR", "127.0.0.1:9191"),
		},
		LogLevel:      l.OneOf("FOTOGAL_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		ServiceSecret: l.Required("FOTOGAL_SERVICE_SECRET"),
		UserAddr:      l.String("FOTOGAL_USER_ADDR", "127.0.0.1:9092"),
		CallTimeout:   l.Duration("FOTOGAL_CALL_TIMEOUT", 5*time.Second),
		Store: StoreConfig{
			Backend: l.OneOf("FOTOGAL_STORE", "sqlite", "sqlite"),
			DataDir: l.String("FOTOGAL_DATA_DIR", "./var"),
		},
		Auth: auth.Config{
			SessionTTL: l.Duration("FOTOGAL_SESSION_TTL", 7*24*time.Hour),
			Throttle: auth.ThrottleConfig{
				MaxAttemptsPerEmail: l.Int("FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL", 10),
				MaxAttemptsPerAddr:  l.Int("FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR", 50),
				Window:              l.Duration("FOTOGAL_LOGIN_WINDOW", 15*time.Minute),
			},
		},
		SweepInterval: l.Duration("FOTOGAL_SESSION_SWEEP_INTERVAL", 10*time.Minute),
	}
	if v, ok := lookup("FOTOGAL_METRICS_ADDR"); ok && strings.TrimSpace(v) == "" {
		cfg.Server.MetricsAddr = ""
	}

	errs := []error{l.Err()}
	if cfg.ServiceSecret != "" && len(cfg.ServiceSecret) < minServiceSecretLen {
		errs = append(errs, fmt.Errorf("FOTOGAL_SERVICE_SECRET: must be at least %d characters", minServiceSecretLen))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"FOTOGAL_CALL_TIMEOUT", cfg.CallTimeout},
		{"FOTOGAL_SESSION_TTL", cfg.Auth.SessionTTL},
		{"FOTOGAL_LOGIN_WINDOW", cfg.Auth.Throttle.Window},
		{"FOTOGAL_SESSION_SWEEP_INTERVAL", cfg.SweepInterval},
	} {
		if d.value <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", d.name))
		}
	}
	for _, n := range []struct {
		name  string
		value int
	}{
		{"FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL", cfg.Auth.Throttle.MaxAttemptsPerEmail},
		{"FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR", cfg.Auth.Throttle.MaxAttemptsPerAddr},
	} {
		if n.value < 1 {
			errs = append(errs, fmt.Errorf("%s: must be at least 1", n.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

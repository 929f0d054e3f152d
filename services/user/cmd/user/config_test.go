package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/user/internal/password"
)

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

const secret = "0123456789abcdef"

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(lookupIn(map[string]string{"FOTOGAL_SERVICE_SECRET": secret}))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"grpc addr", cfg.Server.Addr, "127.0.0.1:9092"},
		{"metrics addr", cfg.Server.MetricsAddr, "127.0.0.1:9192"},
		{"auth addr", cfg.AuthAddr, "127.0.0.1:9091"},
		{"image addr", cfg.ImageAddr, "127.0.0.1:9093"},
		{"call timeout", cfg.CallTimeout, 5 * time.Second},
		{"store", cfg.Store, StoreConfig{Backend: "sqlite", DataDir: "./var"}},
		{"log level", cfg.LogLevel, "info"},
		{"argon2", cfg.Argon2, password.OWASP},
		{"registrations per address", cfg.MaxRegistrationsPerAddr, 20},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadConfigOverrides(t *testing.T) {
	cfg, err := loadConfig(lookupIn(map[string]string{
		"FOTOGAL_SERVICE_SECRET":     secret,
		"FOTOGAL_METRICS_ADDR":       "",
		"FOTOGAL_ARGON2_MEMORY_KIB":  "64",
		"FOTOGAL_ARGON2_ITERATIONS":  "1",
		"FOTOGAL_ARGON2_PARALLELISM": "2",

		"FOTOGAL_REGISTER_MAX_PER_ADDR": "3",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.MetricsAddr != "" {
		t.Errorf("metrics addr %q, want it disabled", cfg.Server.MetricsAddr)
	}
	if want := (password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 2}); cfg.Argon2 != want {
		t.Errorf("argon2 %+v, want %+v", cfg.Argon2, want)
	}
	if cfg.MaxRegistrationsPerAddr != 3 {
		t.Errorf("registrations per address %d, want 3", cfg.MaxRegistrationsPerAddr)
	}
}

func TestLoadConfigNamesBadVariable(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		variable string
	}{
		{"secret missing", map[string]string{}, "FOTOGAL_SERVICE_SECRET"},
		{"secret too short", map[string]string{"FOTOGAL_SERVICE_SECRET": "short"}, "FOTOGAL_SERVICE_SECRET"},
		{"bad timeout", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_CALL_TIMEOUT": "soon"}, "FOTOGAL_CALL_TIMEOUT"},
		{"unknown store", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_STORE": "mysql"}, "FOTOGAL_STORE"},
		{"bad log level", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_LOG_LEVEL": "loud"}, "FOTOGAL_LOG_LEVEL"},
		{"bad listen address", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_GRPC_ADDR": "9092"}, "FOTOGAL_GRPC_ADDR"},
		{"zero timeout", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_CALL_TIMEOUT": "0s"}, "FOTOGAL_CALL_TIMEOUT"},
		{"argon2 memory zero", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_ARGON2_MEMORY_KIB": "0"}, "FOTOGAL_ARGON2_MEMORY_KIB"},
		{"argon2 iterations not a number", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_ARGON2_ITERATIONS": "two"}, "FOTOGAL_ARGON2_ITERATIONS"},
		{"registrations per address zero", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_REGISTER_MAX_PER_ADDR": "0"}, "FOTOGAL_REGISTER_MAX_PER_ADDR"},
		{"registrations per address not a number", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_REGISTER_MAX_PER_ADDR": "many"}, "FOTOGAL_REGISTER_MAX_PER_ADDR"},
		{"argon2 parallelism too big", map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_ARGON2_PARALLELISM": "300"}, "FOTOGAL_ARGON2_PARALLELISM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(lookupIn(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.variable) {
				t.Errorf("got %v, want an error naming %s", err, tc.variable)
			}
		})
	}
}

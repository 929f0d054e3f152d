package main

import (
	"strings"
	"testing"
	"time"
)

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(lookupIn(map[string]string{"FOTOGAL_SERVICE_SECRET": "0123456789abcdef"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"FOTOGAL_GRPC_ADDR", cfg.Server.Addr, "127.0.0.1:9091"},
		{"FOTOGAL_METRICS_ADDR", cfg.Server.MetricsAddr, "127.0.0.1:9191"},
		{"FOTOGAL_LOG_LEVEL", cfg.LogLevel, "info"},
		{"FOTOGAL_USER_ADDR", cfg.UserAddr, "127.0.0.1:9092"},
		{"FOTOGAL_CALL_TIMEOUT", cfg.CallTimeout, 5 * time.Second},
		{"FOTOGAL_STORE", cfg.Store.Backend, "sqlite"},
		{"FOTOGAL_DATA_DIR", cfg.Store.SQLitePath(), "var/auth.db"},
		{"FOTOGAL_SESSION_TTL", cfg.Auth.SessionTTL, 168 * time.Hour},
		{"FOTOGAL_SESSION_SWEEP_INTERVAL", cfg.SweepInterval, 10 * time.Minute},
		{"FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL", cfg.Auth.Throttle.MaxAttemptsPerEmail, 10},
		{"FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR", cfg.Auth.Throttle.MaxAttemptsPerAddr, 50},
		{"FOTOGAL_LOGIN_WINDOW", cfg.Auth.Throttle.Window, 15 * time.Minute},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestLoadConfigEmptyMetricsAddrDisables(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(lookupIn(map[string]string{
		"FOTOGAL_SERVICE_SECRET": "0123456789abcdef",
		"FOTOGAL_METRICS_ADDR":   "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.MetricsAddr != "" {
		t.Errorf("metrics addr = %q, want disabled", cfg.Server.MetricsAddr)
	}
}

func TestLoadConfigNamesBadVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantVar string
	}{
		{"missing secret", map[string]string{}, "FOTOGAL_SERVICE_SECRET"},
		{"short secret", map[string]string{"FOTOGAL_SERVICE_SECRET": "short"}, "FOTOGAL_SERVICE_SECRET"},
		{"bad ttl", map[string]string{"FOTOGAL_SESSION_TTL": "a week"}, "FOTOGAL_SESSION_TTL"},
		{"zero ttl", map[string]string{"FOTOGAL_SESSION_TTL": "0s"}, "FOTOGAL_SESSION_TTL"},
		{"zero sweep interval", map[string]string{"FOTOGAL_SESSION_SWEEP_INTERVAL": "0"}, "FOTOGAL_SESSION_SWEEP_INTERVAL"},
		{"bad attempts", map[string]string{"FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL": "ten"}, "FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL"},
		{"zero attempts", map[string]string{"FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR": "0"}, "FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_ADDR"},
		{"bad window", map[string]string{"FOTOGAL_LOGIN_WINDOW": "-1m"}, "FOTOGAL_LOGIN_WINDOW"},
		{"unknown store", map[string]string{"FOTOGAL_STORE": "mysql"}, "FOTOGAL_STORE"},
		{"nosql without its endpoint", map[string]string{"FOTOGAL_STORE": "nosql", "FOTOGAL_NOSQL_MODE": "cloudsim"}, "FOTOGAL_NOSQL_ENDPOINT"},
		{"bad log level", map[string]string{"FOTOGAL_LOG_LEVEL": "loud"}, "FOTOGAL_LOG_LEVEL"},
		{"bad listen address", map[string]string{"FOTOGAL_GRPC_ADDR": "9091"}, "FOTOGAL_GRPC_ADDR"},
		{"bad metrics address", map[string]string{"FOTOGAL_METRICS_ADDR": "localhost"}, "FOTOGAL_METRICS_ADDR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.env["FOTOGAL_SERVICE_SECRET"]; !ok && tc.wantVar != "FOTOGAL_SERVICE_SECRET" {
				tc.env["FOTOGAL_SERVICE_SECRET"] = "0123456789abcdef"
			}
			_, err := loadConfig(lookupIn(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.wantVar) {
				t.Errorf("loadConfig error = %v, want one naming %s", err, tc.wantVar)
			}
		})
	}
}

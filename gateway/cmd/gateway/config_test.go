package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, cfg config)
		wantErr []string
	}{
		{
			name: "defaults",
			env:  map[string]string{},
			check: func(t *testing.T, cfg config) {
				if cfg.HTTPAddr != ":8080" || cfg.MetricsAddr != "127.0.0.1:9190" || cfg.LogLevel != "info" {
					t.Errorf("listen config = %+v", cfg)
				}
				if cfg.AuthAddr != "127.0.0.1:9091" || cfg.UserAddr != "127.0.0.1:9092" ||
					cfg.ImageAddr != "127.0.0.1:9093" || cfg.FeedAddr != "127.0.0.1:9094" {
					t.Errorf("upstreams = %s %s %s %s", cfg.AuthAddr, cfg.UserAddr, cfg.ImageAddr, cfg.FeedAddr)
				}
				if cfg.CallTimeout != 5*time.Second || cfg.Gateway.MaxUploadBytes != 16<<20 || cfg.Gateway.MaxJSONBytes != 64<<10 ||
					cfg.Gateway.TrustProxy || len(cfg.Gateway.AllowedOrigins) != 0 {
					t.Errorf("config = %+v", cfg)
				}
				if cfg.Gateway.ContentCacheBytes != 64<<20 || cfg.Gateway.ContentCacheTTL != time.Second {
					t.Errorf("content cache %d bytes for %v, want 64 MiB for 1s", cfg.Gateway.ContentCacheBytes, cfg.Gateway.ContentCacheTTL)
				}
			},
		},
		{
			name: "everything set",
			env: map[string]string{
				"FOTOGAL_HTTP_ADDR":           "0.0.0.0:80",
				"FOTOGAL_METRICS_ADDR":        "",
				"FOTOGAL_MAX_UPLOAD_BYTES":    "8MiB",
				"FOTOGAL_MAX_JSON_BYTES":      "1MiB",
				"FOTOGAL_TRUST_PROXY":         "true",
				"FOTOGAL_ALLOWED_ORIGINS":     "https://A.example/, http://b.example:8080",
				"FOTOGAL_CALL_TIMEOUT":        "2s",
				"FOTOGAL_FEED_ADDR":           "feed:9094",
				"FOTOGAL_CONTENT_CACHE_BYTES": "0",
				"FOTOGAL_CONTENT_CACHE_TTL":   "250ms",
			},
			check: func(t *testing.T, cfg config) {
				if cfg.HTTPAddr != "0.0.0.0:80" || cfg.MetricsAddr != "" || cfg.FeedAddr != "feed:9094" || cfg.CallTimeout != 2*time.Second {
					t.Errorf("config = %+v", cfg)
				}
				if cfg.Gateway.MaxUploadBytes != 8<<20 || cfg.Gateway.MaxJSONBytes != 1<<20 || !cfg.Gateway.TrustProxy {
					t.Errorf("gateway config = %+v", cfg.Gateway)
				}
				if cfg.Gateway.ContentCacheBytes != 0 || cfg.Gateway.ContentCacheTTL != 250*time.Millisecond {
					t.Errorf("content cache %d bytes for %v, want none for 250ms", cfg.Gateway.ContentCacheBytes, cfg.Gateway.ContentCacheTTL)
				}
				if got := strings.Join(cfg.Gateway.AllowedOrigins, " "); got != "https://a.example http://b.example:8080" {
					t.Errorf("allowed origins = %q", got)
				}
			},
		},
		{
			name: "bad values are named",
			env: map[string]string{
				"FOTOGAL_MAX_UPLOAD_BYTES":    "lots",
				"FOTOGAL_MAX_JSON_BYTES":      "-1",
				"FOTOGAL_TRUST_PROXY":         "perhaps",
				"FOTOGAL_ALLOWED_ORIGINS":     "https://ok.example,evil.example/path",
				"FOTOGAL_CALL_TIMEOUT":        "soon",
				"FOTOGAL_LOG_LEVEL":           "loud",
				"FOTOGAL_CONTENT_CACHE_BYTES": "-1",
				"FOTOGAL_CONTENT_CACHE_TTL":   "0s",
			},
			wantErr: []string{"FOTOGAL_MAX_UPLOAD_BYTES", "FOTOGAL_MAX_JSON_BYTES", "FOTOGAL_TRUST_PROXY", "FOTOGAL_ALLOWED_ORIGINS", "FOTOGAL_CALL_TIMEOUT", "FOTOGAL_LOG_LEVEL",
				"FOTOGAL_CONTENT_CACHE_BYTES", "FOTOGAL_CONTENT_CACHE_TTL"},
		},
		{
			name:    "bad listen addresses",
			env:     map[string]string{"FOTOGAL_HTTP_ADDR": "8080", "FOTOGAL_METRICS_ADDR": "localhost"},
			wantErr: []string{"FOTOGAL_HTTP_ADDR", "FOTOGAL_METRICS_ADDR"},
		},
		{
			name:    "zero upload limit",
			env:     map[string]string{"FOTOGAL_MAX_UPLOAD_BYTES": "0"},
			wantErr: []string{"FOTOGAL_MAX_UPLOAD_BYTES"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := loadConfig(func(name string) (string, bool) {
				v, ok := tc.env[name]
				return v, ok
			})
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("loadConfig: %v", err)
				}
				tc.check(t, cfg)
				return
			}
			if err == nil {
				t.Fatal("loadConfig succeeded, want an error")
			}
			for _, name := range tc.wantErr {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
		})
	}
}

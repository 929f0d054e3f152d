package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	const secret = "0123456789abcdef"
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // a variable the error must name; empty: no error
		check   func(t *testing.T, cfg Config)
	}{
		{
			name: "defaults",
			env:  map[string]string{"FOTOGAL_SERVICE_SECRET": secret},
			check: func(t *testing.T, cfg Config) {
				if got, want := cfg.Server.Addr, "127.0.0.1:9094"; got != want {
					t.Errorf("Addr = %q, want %q", got, want)
				}
				if got, want := cfg.Server.MetricsAddr, "127.0.0.1:9194"; got != want {
					t.Errorf("MetricsAddr = %q, want %q", got, want)
				}
				if got, want := cfg.UserAddr+" "+cfg.ImageAddr+" "+cfg.AuthAddr, "127.0.0.1:9092 127.0.0.1:9093 127.0.0.1:9091"; got != want {
					t.Errorf("upstreams = %q, want %q", got, want)
				}
				if got, want := cfg.CallTimeout, 5*time.Second; got != want {
					t.Errorf("CallTimeout = %v, want %v", got, want)
				}
				if got, want := cfg.Store, (StoreConfig{Backend: "sqlite", DataDir: "./var"}); got != want {
					t.Errorf("Store = %+v, want %+v", got, want)
				}
				if got, want := cfg.Timeline, (TimelineConfig{Backfill: 500, TailInterval: 250 * time.Millisecond, TailOverlap: 15 * time.Second, CelebrityFollowers: 10000}); got != want {
					t.Errorf("Timeline = %+v, want %+v", got, want)
				}
				if got, want := cfg.Notifications, (NotificationsConfig{ActivityInterval: 250 * time.Millisecond, ActivityOverlap: 15 * time.Second}); got != want {
					t.Errorf("Notifications = %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "empty metrics address disables metrics",
			env:  map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_METRICS_ADDR": ""},
			check: func(t *testing.T, cfg Config) {
				if cfg.Server.MetricsAddr != "" {
					t.Errorf("MetricsAddr = %q, want empty", cfg.Server.MetricsAddr)
				}
			},
		},
		{
			name: "timeline settings",
			env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_DATA_DIR": "/data",
				"FOTOGAL_FEED_BACKFILL": "50", "FOTOGAL_FEED_TAIL_INTERVAL": "1s", "FOTOGAL_FEED_TAIL_OVERLAP": "30s",
				"FOTOGAL_FEED_CELEBRITY_FOLLOWERS": "50000"},
			check: func(t *testing.T, cfg Config) {
				if got, want := cfg.Store.DataDir, "/data"; got != want {
					t.Errorf("DataDir = %q, want %q", got, want)
				}
				if got, want := cfg.Timeline, (TimelineConfig{Backfill: 50, TailInterval: time.Second, TailOverlap: 30 * time.Second, CelebrityFollowers: 50000}); got != want {
					t.Errorf("Timeline = %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "notification settings",
			env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret,
				"FOTOGAL_FEED_ACTIVITY_INTERVAL": "100ms", "FOTOGAL_FEED_ACTIVITY_OVERLAP": "20s"},
			check: func(t *testing.T, cfg Config) {
				if got, want := cfg.Notifications, (NotificationsConfig{ActivityInterval: 100 * time.Millisecond, ActivityOverlap: 20 * time.Second}); got != want {
					t.Errorf("Notifications = %+v, want %+v", got, want)
				}
			},
		},
		{name: "unknown store", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_STORE": "mysql"}, wantErr: "FOTOGAL_STORE"},
		{name: "bad backfill", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_BACKFILL": "many"}, wantErr: "FOTOGAL_FEED_BACKFILL"},
		{name: "zero backfill", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_BACKFILL": "0"}, wantErr: "FOTOGAL_FEED_BACKFILL"},
		{name: "zero tail interval", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_TAIL_INTERVAL": "0s"}, wantErr: "FOTOGAL_FEED_TAIL_INTERVAL"},
		{name: "negative tail overlap", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_TAIL_OVERLAP": "-1s"}, wantErr: "FOTOGAL_FEED_TAIL_OVERLAP"},
		{name: "bad activity interval", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_ACTIVITY_INTERVAL": "often"}, wantErr: "FOTOGAL_FEED_ACTIVITY_INTERVAL"},
		{name: "zero activity interval", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_ACTIVITY_INTERVAL": "0s"}, wantErr: "FOTOGAL_FEED_ACTIVITY_INTERVAL"},
		{name: "negative activity overlap", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_ACTIVITY_OVERLAP": "-1s"}, wantErr: "FOTOGAL_FEED_ACTIVITY_OVERLAP"},
		{name: "zero celebrity followers", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_FEED_CELEBRITY_FOLLOWERS": "0"}, wantErr: "FOTOGAL_FEED_CELEBRITY_FOLLOWERS"},
		{name: "missing secret", env: map[string]string{}, wantErr: "FOTOGAL_SERVICE_SECRET"},
		{name: "short secret", env: map[string]string{"FOTOGAL_SERVICE_SECRET": "short"}, wantErr: "FOTOGAL_SERVICE_SECRET"},
		{name: "bad timeout", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_CALL_TIMEOUT": "soon"}, wantErr: "FOTOGAL_CALL_TIMEOUT"},
		{name: "zero timeout", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_CALL_TIMEOUT": "0s"}, wantErr: "FOTOGAL_CALL_TIMEOUT"},
		{name: "bad listen address", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_GRPC_ADDR": "9094"}, wantErr: "FOTOGAL_GRPC_ADDR"},
		{name: "bad metrics address", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_METRICS_ADDR": "9194"}, wantErr: "FOTOGAL_METRICS_ADDR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := loadConfig(func(name string) (string, bool) {
				v, ok := tc.env[name]
				return v, ok
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			tc.check(t, cfg)
		})
	}
}

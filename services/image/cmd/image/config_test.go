package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	const secret = "0123456789abcdef"
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // a variable the error names; empty for none
		check   func(Config) bool
	}{
		{
			name: "defaults",
			env:  map[string]string{"FOTOGAL_SERVICE_SECRET": secret},
			check: func(c Config) bool {
				return c.Server.Addr == "127.0.0.1:9093" && c.Server.MetricsAddr == "127.0.0.1:9193" &&
					c.MaxUploadBytes == 16<<20 && c.Limits.MaxPixels == 50_000_000 && c.Limits.MaxSide == 20000 &&
					c.SweepInterval == 10*time.Minute && c.SweepGrace == time.Hour && c.Workers > 0 &&
					c.DBPath() == "var/image.db" && c.BucketDir() == "var/bucket" && c.UserAddr == "127.0.0.1:9092" &&
					c.MaxUploadsPerHour == 200 && c.ExploreRefresh == time.Minute
			},
		},
		{
			name: "set",
			env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_MAX_UPLOAD_BYTES": "1MiB",
				"FOTOGAL_IMAGE_WORKERS": "3", "FOTOGAL_DATA_DIR": "/data", "FOTOGAL_METRICS_ADDR": "",
				"FOTOGAL_UPLOAD_MAX_PER_HOUR": "5"},
			check: func(c Config) bool {
				return c.MaxUploadBytes == 1<<20 && c.Workers == 3 && c.MaxUploadsPerHour == 5 && c.DBPath() == "/data/image.db" && c.Server.MetricsAddr == "" // set empty: disabled
			},
		},
		{name: "no secret", env: map[string]string{}, wantErr: "FOTOGAL_SERVICE_SECRET"},
		{name: "short secret", env: map[string]string{"FOTOGAL_SERVICE_SECRET": "short"}, wantErr: "FOTOGAL_SERVICE_SECRET"},
		{name: "bad size", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_MAX_UPLOAD_BYTES": "big"}, wantErr: "FOTOGAL_MAX_UPLOAD_BYTES"},
		{name: "zero uploads per hour", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_UPLOAD_MAX_PER_HOUR": "0"}, wantErr: "FOTOGAL_UPLOAD_MAX_PER_HOUR"},
		{name: "bad uploads per hour", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_UPLOAD_MAX_PER_HOUR": "lots"}, wantErr: "FOTOGAL_UPLOAD_MAX_PER_HOUR"},
		{name: "no workers", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_IMAGE_WORKERS": "0"}, wantErr: "FOTOGAL_IMAGE_WORKERS"},
		{name: "unknown store", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_STORE": "mysql"}, wantErr: "FOTOGAL_STORE"},
		{name: "bad grace", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_SWEEP_GRACE": "soon"}, wantErr: "FOTOGAL_SWEEP_GRACE"},
		{name: "zero sweep interval", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_SWEEP_INTERVAL": "0s"}, wantErr: "FOTOGAL_SWEEP_INTERVAL"},
		{name: "bad metrics address", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_METRICS_ADDR": "9193"}, wantErr: "FOTOGAL_METRICS_ADDR"},
		{name: "zero explore refresh", env: map[string]string{"FOTOGAL_SERVICE_SECRET": secret, "FOTOGAL_EXPLORE_REFRESH": "0s"}, wantErr: "FOTOGAL_EXPLORE_REFRESH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadConfig(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("loadConfig error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(got) {
				t.Errorf("loadConfig = %+v, %v", got, err)
			}
		})
	}
}

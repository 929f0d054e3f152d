package soak

import (
	"testing"
	"time"
)

// TestJudge pins the growth rule of the package doc on series shaped like
// those a soak meets.
func TestJudge(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	tests := []struct {
		name  string
		xs    []float64
		floor float64
		want  bool
	}{
		{"flat", []float64{40, 41, 40, 42, 41, 40, 41, 42, 40}, 50, false},
		{"a leak of a goroutine a request", []float64{40, 640, 1240, 1840, 2440, 3040}, 50, true},
		{"connection pools filling after bursts", []float64{32, 41, 75, 77, 77, 77}, 2 * maxInFlight, false},
		{"warm-up in the first third, flat after", []float64{10, 60, 61, 60, 62, 61, 60, 61, 62}, 16, false},
		{"noise under load, below the margin", []float64{90, 130, 100, 125, 95, 135, 110, 120, 100}, 50, false},
		{"growth that settles in the middle third", []float64{30 * mib, 40 * mib, 60 * mib, 80 * mib, 80 * mib, 79 * mib, 80 * mib, 80 * mib, 79 * mib}, 16 * mib, false},
		{"slow memory growth through the run", []float64{40 * mib, 45 * mib, 50 * mib, 55 * mib, 60 * mib, 65 * mib, 70 * mib, 75 * mib, 80 * mib}, 16 * mib, true},
		{"a late jump, not a trend", []float64{20, 21, 20, 21, 20, 21, 20, 21, 90}, 16, false},
		{"a step up that then falls back", []float64{20, 21, 20, 90, 95, 92, 40, 41, 40}, 16, false},
		{"growth above the floor but within 25%", []float64{400, 410, 420, 430, 440, 450, 460, 470, 480}, 16, false},
		{"the shortest run, growing", []float64{10, 20, 40, 60, 80, 100}, 16, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := judge(tc.xs, tc.floor); got.grows != tc.want {
				t.Errorf("judge(%v, %v) = %+v, want grows = %v", tc.xs, tc.floor, got, tc.want)
			}
		})
	}
}

// TestSettings checks how the environment turns the soak on and sets it.
func TestSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		env          map[string]string
		wantDuration time.Duration
		wantRate     int
		wantErr      bool
	}{
		{"off", nil, 0, defaultRate, false},
		{"on", map[string]string{"FOTOGAL_SOAK": "1"}, defaultDuration, defaultRate, false},
		{"a duration alone", map[string]string{"FOTOGAL_SOAK_DURATION": "90s"}, 90 * time.Second, defaultRate, false},
		{"a rate", map[string]string{"FOTOGAL_SOAK": "1", "FOTOGAL_SOAK_RATE": "25"}, defaultDuration, 25, false},
		{"too short to judge growth", map[string]string{"FOTOGAL_SOAK_DURATION": "30s"}, 0, 0, true},
		{"not a duration", map[string]string{"FOTOGAL_SOAK_DURATION": "ten minutes"}, 0, 0, true},
		{"no rate", map[string]string{"FOTOGAL_SOAK": "1", "FOTOGAL_SOAK_RATE": "0"}, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lookup := func(name string) (string, bool) { v, ok := tc.env[name]; return v, ok }
			d, rate, err := settings(lookup)
			if (err != nil) != tc.wantErr {
				t.Fatalf("settings(%v): error %v, want an error: %v", tc.env, err, tc.wantErr)
			}
			if err == nil && (d != tc.wantDuration || rate != tc.wantRate) {
				t.Errorf("settings(%v) = %v, %d; want %v, %d", tc.env, d, rate, tc.wantDuration, tc.wantRate)
			}
		})
	}
}

package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/counters"
	"github.com/fotogal/fotogal/services/auth/internal/store/sqlite"
)

func TestThrottleWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "auth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	th := newThrottle(st, ThrottleConfig{MaxAttemptsPerEmail: 2, MaxAttemptsPerAddr: 100, Window: time.Minute})
	tests := []struct {
		name          string
		at            time.Duration
		release       bool
		wantOK        bool
		wantRetryWait time.Duration
	}{
		{"first attempt", 0, false, true, 0},
		{"released attempt", 10 * time.Second, true, true, 0},
		{"second attempt", 20 * time.Second, false, true, 0},
		{"past the limit", 30 * time.Second, false, false, 30 * time.Second},
		{"still past the limit", 40 * time.Second, false, false, 20 * time.Second},
		{"window over", time.Minute, false, true, 0},
	}
	for _, tc := range tests {
		now := start.Add(tc.at)
		a, err := th.begin(ctx, "a@example.com", "192.0.2.1", now)
		var throttled *throttledError
		var wait time.Duration
		switch {
		case errors.As(err, &throttled):
			wait = throttled.retryAfter
		case err != nil:
			t.Fatalf("%s: begin: %v", tc.name, err)
		}
		if ok := err == nil; ok != tc.wantOK || wait != tc.wantRetryWait {
			t.Fatalf("%s: begin = %v, %v; want %v, %v", tc.name, wait, ok, tc.wantRetryWait, tc.wantOK)
		}
		if tc.release {
			if err := th.release(ctx, a); err != nil {
				t.Fatalf("%s: release: %v", tc.name, err)
			}
		}
	}
}

// TestThrottleKeysFitTheStore checks that the counter keys of the longest
// emails and addresses stay within the 64 bytes of a NoSQL key, and that
// they do not show the email.
func TestThrottleKeysFitTheStore(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300) + "@example.com"
	tests := []struct{ kind, value string }{
		{"email", long},
		{"email", "a@example.com"},
		{"addr", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"addr", ""},
	}
	for _, tc := range tests {
		key := counters.Key(tc.kind, tc.value)
		if len(key) > 64 || !strings.HasPrefix(key, tc.kind+":") {
			t.Errorf("counters.Key(%s, %.20q) = %q (%d bytes), want %s:... of at most 64 bytes", tc.kind, tc.value, key, len(key), tc.kind)
		}
		if tc.value != "" && strings.Contains(key, tc.value) {
			t.Errorf("counters.Key(%s, %q) = %q shows the value", tc.kind, tc.value, key)
		}
	}
	if counters.Key("email", "a@example.com") == counters.Key("addr", "a@example.com") {
		t.Error("an email and an address of the same spelling share a key")
	}
}

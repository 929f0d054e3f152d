package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottleWindow(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleConfig{MaxAttemptsPerEmail: 2, MaxAttemptsPerAddr: 100, Window: time.Minute})
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
		{"window over", time.Minute, false, true, 0},
	}
	for _, tc := range tests {
		now := start.Add(tc.at)
		wait, ok := th.begin("a@example.com", "192.0.2.1", now)
		if ok != tc.wantOK || wait != tc.wantRetryWait {
			t.Fatalf("%s: begin = %v, %v; want %v, %v", tc.name, wait, ok, tc.wantRetryWait, tc.wantOK)
		}
		if tc.release {
			th.release("a@example.com", "192.0.2.1", now)
		}
	}
}

func TestThrottleMemoryIsBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleConfig{MaxAttemptsPerEmail: 1, MaxAttemptsPerAddr: 1, Window: time.Hour, MaxEntries: 10})
	for i := range 1000 {
		if _, ok := th.begin(fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("addr-%d", i), now); !ok {
			t.Fatalf("attempt %d refused", i)
		}
		now = now.Add(time.Second)
	}
	if got := len(th.byEmail.entries); got > 10 {
		t.Errorf("remembers %d emails, want at most 10", got)
	}
	if got := len(th.byAddr.entries); got > 10 {
		t.Errorf("remembers %d addresses, want at most 10", got)
	}
	// The newest entries are the ones kept.
	if _, ok := th.begin("u999@example.com", "elsewhere", now); ok {
		t.Error("the newest email was forgotten")
	}
}

func TestRoundUpToSecond(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want time.Duration }{
		{0, time.Second},
		{time.Millisecond, time.Second},
		{time.Second, time.Second},
		{90*time.Second + time.Nanosecond, 91 * time.Second},
	}
	for _, tc := range tests {
		if got := roundUpToSecond(tc.in); got != tc.want {
			t.Errorf("roundUpToSecond(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

package authn

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// countingValidator answers "good*" tokens with a caller of that id, "down"
// with Unavailable and anything else with Unauthenticated, counting calls.
type countingValidator struct {
	calls atomic.Int64
}

func (v *countingValidator) ValidateSession(_ context.Context, token string) (Caller, error) {
	v.calls.Add(1)
	switch {
	case token == "down":
		return Caller{}, status.Error(codes.Unavailable, "down")
	case len(token) >= 4 && token[:4] == "good":
		return Caller{UserID: token, SessionID: "s-" + token}, nil
	}
	return Caller{}, status.Error(codes.Unauthenticated, "bad token")
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestCache(next Validator, ttl time.Duration, maxEntries int) (*cachingValidator, *fakeClock) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	v := NewCachingValidator(next, ttl, maxEntries).(*cachingValidator)
	v.cache.Now = clock.Now
	return v, clock
}

func TestCachingValidator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		token     string
		advance   time.Duration
		wantCode  codes.Code
		wantCalls int64
	}{
		{"valid cached within ttl", "good1", 4 * time.Second, codes.OK, 1},
		{"valid expires after ttl", "good1", 5 * time.Second, codes.OK, 2},
		{"unauthenticated cached within ttl", "junk", 4 * time.Second, codes.Unauthenticated, 1},
		{"unauthenticated expires after ttl", "junk", 6 * time.Second, codes.Unauthenticated, 2},
		{"transport errors not cached", "down", 0, codes.Unavailable, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			next := &countingValidator{}
			v, clock := newTestCache(next, 5*time.Second, 10)
			ctx := context.Background()
			for range 2 {
				caller, err := v.ValidateSession(ctx, tc.token)
				if got := status.Code(err); got != tc.wantCode {
					t.Fatalf("code = %v, want %v", got, tc.wantCode)
				}
				if tc.wantCode == codes.OK && caller.UserID != tc.token {
					t.Fatalf("caller = %+v, want user %q", caller, tc.token)
				}
				clock.Advance(tc.advance)
			}
			if got := next.calls.Load(); got != tc.wantCalls {
				t.Errorf("next called %d times, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestCachingValidatorBounded(t *testing.T) {
	t.Parallel()
	next := &countingValidator{}
	v, clock := newTestCache(next, time.Minute, 3)
	ctx := context.Background()
	for i := range 10 {
		if _, err := v.ValidateSession(ctx, fmt.Sprintf("good%d", i)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Millisecond)
	}
	if got := v.cache.Len(); got != 3 {
		t.Errorf("cache holds %d entries, want 3", got)
	}
	// The newest survive; the oldest was evicted.
	next.calls.Store(0)
	for _, token := range []string{"good9", "good8", "good7"} {
		if _, err := v.ValidateSession(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	if got := next.calls.Load(); got != 0 {
		t.Errorf("next called %d times for cached tokens, want 0", got)
	}
	if _, err := v.ValidateSession(ctx, "good0"); err != nil {
		t.Fatal(err)
	}
	if got := next.calls.Load(); got != 1 {
		t.Errorf("next called %d times for an evicted token, want 1", got)
	}
}

func TestCachingValidatorKeysByHash(t *testing.T) {
	t.Parallel()
	v, _ := newTestCache(&countingValidator{}, time.Minute, 10)
	if _, err := v.ValidateSession(context.Background(), "good-secret"); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.cache.Get(sha256.Sum256([]byte("good-secret"))); !ok {
		t.Error("entry not keyed by the SHA-256 of the token")
	}
}

func TestCachingValidatorConcurrent(t *testing.T) {
	t.Parallel()
	next := &countingValidator{}
	v := NewCachingValidator(next, 20*time.Millisecond, 50)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				token := fmt.Sprintf("good%d", (g*7+i)%80)
				caller, err := v.ValidateSession(context.Background(), token)
				if err != nil || caller.UserID != token {
					t.Errorf("ValidateSession(%q) = %+v, %v", token, caller, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := v.(*cachingValidator).cache.Len(); got > 50 {
		t.Errorf("cache holds %d entries, want at most 50", got)
	}
}

func TestCachingValidatorDefaults(t *testing.T) {
	t.Parallel()
	v := NewCachingValidator(&countingValidator{}, 0, 0).(*cachingValidator)
	if ttl, n := v.cache.TTL(), v.cache.MaxEntries(); ttl != DefaultCacheTTL || n != DefaultCacheMaxEntries {
		t.Errorf("defaults = %v, %d; want %v, %d", ttl, n, DefaultCacheTTL, DefaultCacheMaxEntries)
	}
}

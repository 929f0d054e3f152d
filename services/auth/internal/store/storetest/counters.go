package storetest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/auth/internal/store"
)

// window is the length of the counters' windows in the suite.
const window = 15 * time.Minute

// counterKey is a key of the longest length the store must take, 64 bytes.
var counterKey = "email:" + strings.Repeat("k", 58)

// increment counts an event for key at base+at and returns the counter.
func increment(t *testing.T, s store.Store, key string, at time.Duration) store.Counter {
	t.Helper()
	c, err := s.IncrementCounter(context.Background(), key, base.Add(at), window)
	if err != nil {
		t.Fatalf("IncrementCounter(%s, +%v): %v", key, at, err)
	}
	return c
}

// assertCounter compares counters, times with Equal.
func assertCounter(t *testing.T, what string, got, want store.Counter) {
	t.Helper()
	if got.Count != want.Count || !got.ExpireTime.Equal(want.ExpireTime) {
		t.Errorf("%s: counter = %d until %v, want %d until %v", what, got.Count, got.ExpireTime, want.Count, want.ExpireTime)
	}
}

func testCounterWindow(t *testing.T, s store.Store) {
	tests := []struct {
		name       string
		at         time.Duration
		wantCount  int
		wantExpire time.Duration
	}{
		{"first event opens the window", 0, 1, window},
		{"second event in it", time.Minute, 2, window},
		{"just before its end", window - time.Nanosecond, 3, window},
		{"at its end a new window opens", window, 1, 2 * window},
		{"in the new window", window + time.Second, 2, 2 * window},
		{"long after", 10 * window, 1, 11 * window},
	}
	for _, tc := range tests {
		got := increment(t, s, counterKey, tc.at)
		assertCounter(t, tc.name, got, store.Counter{Count: tc.wantCount, ExpireTime: base.Add(tc.wantExpire)})
		if got.ExpireTime.Location() != time.UTC {
			t.Errorf("%s: expire time in %v, want UTC", tc.name, got.ExpireTime.Location())
		}
	}
}

func testCountersApart(t *testing.T, s store.Store) {
	increment(t, s, "email:a", 0)
	increment(t, s, "email:a", 0)
	assertCounter(t, "another key", increment(t, s, "addr:a", time.Minute),
		store.Counter{Count: 1, ExpireTime: base.Add(time.Minute + window)})
	assertCounter(t, "the first key", increment(t, s, "email:a", time.Minute),
		store.Counter{Count: 3, ExpireTime: base.Add(window)})
}

// testConcurrentIncrements is the hard case: n events at once count
// exactly n, each seeing a count of its own.
func testConcurrentIncrements(t *testing.T, s store.Store) {
	const n = 20
	counts := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := s.IncrementCounter(context.Background(), counterKey, base, window)
			if err != nil {
				t.Errorf("IncrementCounter: %v", err)
				return
			}
			counts <- c.Count
		})
	}
	wg.Wait()
	close(counts)
	var got []int
	for c := range counts {
		got = append(got, c)
	}
	slices.Sort(got)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(got, want) {
		t.Errorf("concurrent increments saw counts %v, want each of 1..%d once", got, n)
	}
	assertCounter(t, "after them", increment(t, s, counterKey, time.Second),
		store.Counter{Count: n + 1, ExpireTime: base.Add(window)})
}

func testDecrementCounter(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := increment(t, s, counterKey, 0)
	increment(t, s, counterKey, time.Second)
	tests := []struct {
		name   string
		key    string
		expire time.Time
	}{
		{"in its window", counterKey, first.ExpireTime},
		{"another window", counterKey, first.ExpireTime.Add(time.Nanosecond)},
		{"in its window again", counterKey, first.ExpireTime},
		{"at zero", counterKey, first.ExpireTime},
		{"unknown key", "email:nobody", first.ExpireTime},
	}
	for _, tc := range tests {
		if err := s.DecrementCounter(ctx, tc.key, tc.expire); err != nil {
			t.Fatalf("%s: DecrementCounter: %v", tc.name, err)
		}
	}
	assertCounter(t, "after two decrements of two events and more", increment(t, s, counterKey, 2*time.Second),
		store.Counter{Count: 1, ExpireTime: first.ExpireTime})
	assertCounter(t, "the unknown key", increment(t, s, "email:nobody", 2*time.Second),
		store.Counter{Count: 1, ExpireTime: base.Add(2*time.Second + window)})
}

func testDeleteCounter(t *testing.T, s store.Store) {
	ctx := context.Background()
	increment(t, s, counterKey, 0)
	increment(t, s, counterKey, 0)
	increment(t, s, "addr:kept", 0)
	for _, key := range []string{counterKey, counterKey, "email:never-counted"} {
		if err := s.DeleteCounter(ctx, key); err != nil {
			t.Fatalf("DeleteCounter(%s): %v", key, err)
		}
	}
	assertCounter(t, "the deleted key", increment(t, s, counterKey, time.Minute),
		store.Counter{Count: 1, ExpireTime: base.Add(time.Minute + window)})
	assertCounter(t, "another key", increment(t, s, "addr:kept", time.Minute),
		store.Counter{Count: 2, ExpireTime: base.Add(window)})
}

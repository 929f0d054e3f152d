// Package counterstest is the contract every counters.Counters
// implementation meets: each adapter's test, and each service's store
// suite, calls Run (or RunReversible) with a function that returns new,
// empty counters.
package counterstest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/counters"
)

// window is the length of the counters' windows in the suite.
const window = 15 * time.Minute

// base is when the suite's first counted event happens. It has
// nanoseconds, to check that the store keeps them.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// longKey is a key of the longest length the counters must take, 64 bytes.
var longKey = "kind:" + strings.Repeat("k", 59)

// Run runs the contract on the counters newCounters returns; each subtest
// gets new, empty ones.
func Run(t *testing.T, newCounters func(t *testing.T) counters.Counters) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, c counters.Counters)
	}{
		{"CounterWindow", testCounterWindow},
		{"CountersApart", testCountersApart},
		{"ConcurrentIncrementsAllCount", testConcurrentIncrements},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newCounters(t)) })
	}
}

// RunReversible runs Run, then the cases of decrements and deletes, on the
// counters newCounters returns.
func RunReversible(t *testing.T, newCounters func(t *testing.T) counters.Reversible) {
	t.Helper()
	Run(t, func(t *testing.T) counters.Counters { return newCounters(t) })
	tests := []struct {
		name string
		run  func(t *testing.T, c counters.Reversible)
	}{
		{"DecrementCounter", testDecrementCounter},
		{"DeleteCounter", testDeleteCounter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newCounters(t)) })
	}
}

// increment counts an event for key at base+at and returns the counter.
func increment(t *testing.T, c counters.Counters, key string, at time.Duration) counters.Counter {
	t.Helper()
	got, err := c.IncrementCounter(context.Background(), key, base.Add(at), window)
	if err != nil {
		t.Fatalf("IncrementCounter(%s, +%v): %v", key, at, err)
	}
	return got
}

// assertCounter compares counters, times with Equal.
func assertCounter(t *testing.T, what string, got, want counters.Counter) {
	t.Helper()
	if got.Count != want.Count || !got.ExpireTime.Equal(want.ExpireTime) {
		t.Errorf("%s: counter = %d until %v, want %d until %v", what, got.Count, got.ExpireTime, want.Count, want.ExpireTime)
	}
}

func testCounterWindow(t *testing.T, c counters.Counters) {
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
		got := increment(t, c, longKey, tc.at)
		assertCounter(t, tc.name, got, counters.Counter{Count: tc.wantCount, ExpireTime: base.Add(tc.wantExpire)})
		if got.ExpireTime.Location() != time.UTC {
			t.Errorf("%s: expire time in %v, want UTC", tc.name, got.ExpireTime.Location())
		}
	}
}

func testCountersApart(t *testing.T, c counters.Counters) {
	increment(t, c, "kind:a", 0)
	increment(t, c, "kind:a", 0)
	assertCounter(t, "another key", increment(t, c, "other:a", time.Minute),
		counters.Counter{Count: 1, ExpireTime: base.Add(time.Minute + window)})
	assertCounter(t, "the first key", increment(t, c, "kind:a", time.Minute),
		counters.Counter{Count: 3, ExpireTime: base.Add(window)})
}

// testConcurrentIncrements is the hard case: n events at once count
// exactly n, each seeing a count of its own.
func testConcurrentIncrements(t *testing.T, c counters.Counters) {
	const n = 20
	counts := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			got, err := c.IncrementCounter(context.Background(), longKey, base, window)
			if err != nil {
				t.Errorf("IncrementCounter: %v", err)
				return
			}
			counts <- got.Count
		})
	}
	wg.Wait()
	close(counts)
	var got []int
	for count := range counts {
		got = append(got, count)
	}
	slices.Sort(got)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(got, want) {
		t.Errorf("concurrent increments saw counts %v, want each of 1..%d once", got, n)
	}
	assertCounter(t, "after them", increment(t, c, longKey, time.Second),
		counters.Counter{Count: n + 1, ExpireTime: base.Add(window)})
}

func testDecrementCounter(t *testing.T, c counters.Reversible) {
	ctx := context.Background()
	first := increment(t, c, longKey, 0)
	increment(t, c, longKey, time.Second)
	tests := []struct {
		name   string
		key    string
		expire time.Time
	}{
		{"in its window", longKey, first.ExpireTime},
		{"another window", longKey, first.ExpireTime.Add(time.Nanosecond)},
		{"in its window again", longKey, first.ExpireTime},
		{"at zero", longKey, first.ExpireTime},
		{"unknown key", "kind:nobody", first.ExpireTime},
	}
	for _, tc := range tests {
		if err := c.DecrementCounter(ctx, tc.key, tc.expire); err != nil {
			t.Fatalf("%s: DecrementCounter: %v", tc.name, err)
		}
	}
	assertCounter(t, "after two decrements of two events and more", increment(t, c, longKey, 2*time.Second),
		counters.Counter{Count: 1, ExpireTime: first.ExpireTime})
	assertCounter(t, "the unknown key", increment(t, c, "kind:nobody", 2*time.Second),
		counters.Counter{Count: 1, ExpireTime: base.Add(2*time.Second + window)})
}

func testDeleteCounter(t *testing.T, c counters.Reversible) {
	ctx := context.Background()
	increment(t, c, longKey, 0)
	increment(t, c, longKey, 0)
	increment(t, c, "other:kept", 0)
	for _, key := range []string{longKey, longKey, "kind:never-counted"} {
		if err := c.DeleteCounter(ctx, key); err != nil {
			t.Fatalf("DeleteCounter(%s): %v", key, err)
		}
	}
	assertCounter(t, "the deleted key", increment(t, c, longKey, time.Minute),
		counters.Counter{Count: 1, ExpireTime: base.Add(time.Minute + window)})
	assertCounter(t, "another key", increment(t, c, "other:kept", time.Minute),
		counters.Counter{Count: 2, ExpireTime: base.Add(window)})
}

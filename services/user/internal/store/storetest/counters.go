package storetest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// window is the length of the counters' windows in the suite.
const window = time.Hour

// counterBase is when the suite's first counted event happens. It has
// nanoseconds, to check that the store keeps them.
var counterBase = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// counterKey is a key of the longest length the store must take, 64 bytes.
var counterKey = "addr:" + strings.Repeat("k", 59)

// increment counts an event for key at counterBase+at and returns the counter.
func increment(t *testing.T, s store.Store, key string, at time.Duration) store.Counter {
	t.Helper()
	c, err := s.IncrementCounter(context.Background(), key, counterBase.Add(at), window)
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
		assertCounter(t, tc.name, got, store.Counter{Count: tc.wantCount, ExpireTime: counterBase.Add(tc.wantExpire)})
		if got.ExpireTime.Location() != time.UTC {
			t.Errorf("%s: expire time in %v, want UTC", tc.name, got.ExpireTime.Location())
		}
	}
}

func testCountersApart(t *testing.T, s store.Store) {
	increment(t, s, "addr:a", 0)
	increment(t, s, "addr:a", 0)
	assertCounter(t, "another key", increment(t, s, "addr:b", time.Minute),
		store.Counter{Count: 1, ExpireTime: counterBase.Add(time.Minute + window)})
	assertCounter(t, "the first key", increment(t, s, "addr:a", time.Minute),
		store.Counter{Count: 3, ExpireTime: counterBase.Add(window)})
}

// testConcurrentIncrements is the hard case: n events at once count
// exactly n, each seeing a count of its own.
func testConcurrentIncrements(t *testing.T, s store.Store) {
	const n = 20
	counts := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := s.IncrementCounter(context.Background(), counterKey, counterBase, window)
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
		store.Counter{Count: n + 1, ExpireTime: counterBase.Add(window)})
}

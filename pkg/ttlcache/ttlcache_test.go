package ttlcache

import (
	"testing"
	"time"
)

func newTestCache(ttl time.Duration, maxEntries int) (*Cache[string, int], *time.Time) {
	now := time.Unix(1_700_000_000, 0)
	c := New[string, int](ttl, maxEntries)
	c.Now = func() time.Time { return now }
	return c, &now
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		advance time.Duration
		want    bool
	}{
		{"within ttl", 29 * time.Second, true},
		{"at ttl", 30 * time.Second, false},
		{"after ttl", time.Minute, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, now := newTestCache(30*time.Second, 10)
			c.Put("a", 1)
			*now = now.Add(tc.advance)
			if v, ok := c.Get("a"); ok != tc.want || (ok && v != 1) {
				t.Errorf("Get after %v = %d, %v; want found %v", tc.advance, v, ok, tc.want)
			}
		})
	}
}

func TestPutReplacesAndRenews(t *testing.T) {
	t.Parallel()
	c, now := newTestCache(30*time.Second, 10)
	c.Put("a", 1)
	*now = now.Add(20 * time.Second)
	c.Put("a", 2)
	*now = now.Add(20 * time.Second)
	if v, ok := c.Get("a"); !ok || v != 2 {
		t.Errorf("Get = %d, %v; want the second value, still fresh", v, ok)
	}
	if c.Len() != 1 {
		t.Errorf("Len = %d, want 1", c.Len())
	}
}

func TestOldestEvictedWhenFull(t *testing.T) {
	t.Parallel()
	c, now := newTestCache(time.Minute, 3)
	for i, k := range []string{"a", "b", "c", "d"} {
		c.Put(k, i)
		*now = now.Add(time.Second)
	}
	if _, ok := c.Get("a"); ok {
		t.Error("the oldest entry is still there past maxEntries")
	}
	for _, k := range []string{"b", "c", "d"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted, want only the oldest gone", k)
		}
	}
	if c.Len() != 3 {
		t.Errorf("Len = %d, want 3", c.Len())
	}
}

func TestExpiredDroppedOnPut(t *testing.T) {
	t.Parallel()
	c, now := newTestCache(time.Second, 100)
	for _, k := range []string{"a", "b", "c"} {
		c.Put(k, 0)
	}
	*now = now.Add(2 * time.Second)
	c.Put("d", 0)
	if c.Len() != 1 {
		t.Errorf("Len = %d after the others expired, want 1", c.Len())
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	c, _ := newTestCache(time.Minute, 10)
	c.Put("a", 1)
	c.Put("b", 2)
	c.Delete("a")
	c.Delete("missing")
	if _, ok := c.Get("a"); ok {
		t.Error("a deleted entry is still there")
	}
	if v, ok := c.Get("b"); !ok || v != 2 {
		t.Errorf("Get(b) = %d, %v after deleting a; want 2, true", v, ok)
	}
}

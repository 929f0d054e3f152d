package auth

import (
	"container/list"
	"sync"
	"time"
)

// defaultThrottleEntries bounds the number of emails, and of addresses, the
// throttle remembers.
const defaultThrottleEntries = 100_000

// ThrottleConfig limits failed logins. A window opens with the first failed
// attempt for an email (or from an address) and lasts Window; within it at
// most MaxAttemptsPerEmail (MaxAttemptsPerAddr) attempts may fail.
type ThrottleConfig struct {
	// MaxAttemptsPerEmail bounds failed attempts per lower-cased email.
	MaxAttemptsPerEmail int
	// MaxAttemptsPerAddr bounds failed attempts per client address.
	MaxAttemptsPerAddr int
	// Window is how long failed attempts are counted.
	Window time.Duration
	// MaxEntries bounds how many emails, and how many addresses, are
	// remembered; zero means 100,000 each. When full, expired windows are
	// forgotten first, then the oldest.
	MaxEntries int
}

// throttle counts login attempts per email and per client address in this
// process's memory. It is per replica: with n replicas behind a balancer,
// a client gets up to n times the limits.
//
// An attempt is counted when it starts (so that a burst of parallel
// attempts cannot overshoot the limit) and released if it did not fail on
// the credentials.
type throttle struct {
	mu      sync.Mutex
	byEmail *counters
	byAddr  *counters
}

func newThrottle(cfg ThrottleConfig) *throttle {
	maxEntries := cfg.MaxEntries
	if maxEntries <= 0 {
		maxEntries = defaultThrottleEntries
	}
	return &throttle{
		byEmail: newCounters(cfg.MaxAttemptsPerEmail, cfg.Window, maxEntries),
		byAddr:  newCounters(cfg.MaxAttemptsPerAddr, cfg.Window, maxEntries),
	}
}

// begin counts an attempt for email from addr at now, or, when either is at
// its limit, counts nothing and returns how long until the attempt may be
// made again.
func (t *throttle) begin(email, addr string, now time.Time) (retryAfter time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	retryAfter = max(t.byEmail.wait(email, now), t.byAddr.wait(addr, now))
	if retryAfter > 0 {
		return retryAfter, false
	}
	t.byEmail.add(email, now)
	t.byAddr.add(addr, now)
	return 0, true
}

// release uncounts an attempt that begin counted and that did not fail on
// the credentials.
func (t *throttle) release(email, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byEmail.remove(email, now)
	t.byAddr.remove(addr, now)
}

// counters is a bounded map from key to the attempts of its current window.
type counters struct {
	limit      int
	window     time.Duration
	maxEntries int
	entries    map[string]*list.Element
	// order holds *counter by window start, oldest first.
	order *list.List
}

type counter struct {
	key   string
	start time.Time
	count int
}

func newCounters(limit int, window time.Duration, maxEntries int) *counters {
	return &counters{
		limit:      limit,
		window:     window,
		maxEntries: maxEntries,
		entries:    make(map[string]*list.Element),
		order:      list.New(),
	}
}

func (c *counters) expired(e *counter, now time.Time) bool {
	return !now.Before(e.start.Add(c.window))
}

// current returns the counter of key's window at now, if one is open.
func (c *counters) current(key string, now time.Time) *counter {
	elem, ok := c.entries[key]
	if !ok {
		return nil
	}
	e := elem.Value.(*counter)
	if c.expired(e, now) {
		c.drop(elem)
		return nil
	}
	return e
}

// wait returns how long key must wait at now, zero when it is under its
// limit.
func (c *counters) wait(key string, now time.Time) time.Duration {
	e := c.current(key, now)
	if e == nil || e.count < c.limit {
		return 0
	}
	return e.start.Add(c.window).Sub(now)
}

func (c *counters) add(key string, now time.Time) {
	if e := c.current(key, now); e != nil {
		e.count++
		return
	}
	for front := c.order.Front(); front != nil; front = c.order.Front() {
		if len(c.entries) < c.maxEntries && !c.expired(front.Value.(*counter), now) {
			break
		}
		c.drop(front)
	}
	c.entries[key] = c.order.PushBack(&counter{key: key, start: now, count: 1})
}

func (c *counters) remove(key string, now time.Time) {
	if e := c.current(key, now); e != nil && e.count > 0 {
		e.count--
	}
}

func (c *counters) drop(elem *list.Element) {
	delete(c.entries, elem.Value.(*counter).key)
	c.order.Remove(elem)
}

// Package ttlcache is a small in-memory cache whose entries live for a fixed
// time: what FotoGal keeps of answers it may repeat for a short while (a
// session's caller, whether one person may see another's photos).
package ttlcache

import (
	"container/list"
	"sync"
	"time"
)

// Cache maps keys to values for a fixed ttl each, and holds at most
// maxEntries of them: when full, the oldest goes first. All entries live
// for the same ttl, so the oldest is also the first to expire. It is safe
// for concurrent use.
type Cache[K comparable, V any] struct {
	ttl        time.Duration
	maxEntries int
	// Now is the cache's clock; tests replace it.
	Now func() time.Time

	mu      sync.Mutex
	entries map[K]*list.Element
	// order holds *entry[K, V], oldest first.
	order *list.List
}

type entry[K comparable, V any] struct {
	key     K
	value   V
	expires time.Time
}

// New returns an empty Cache whose entries live for ttl, at most maxEntries
// of them (both must be positive).
func New[K comparable, V any](ttl time.Duration, maxEntries int) *Cache[K, V] {
	return &Cache[K, V]{
		ttl:        ttl,
		maxEntries: maxEntries,
		Now:        time.Now,
		entries:    make(map[K]*list.Element),
		order:      list.New(),
	}
}

// Get returns the value of key, if it is there and has not expired.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	elem, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	e := elem.Value.(*entry[K, V])
	if !c.Now().Before(e.expires) {
		c.remove(elem)
		var zero V
		return zero, false
	}
	return e.value, true
}

// Put sets the value of key, for ttl from now, and drops the expired
// entries and, when the cache is full, the oldest.
func (c *Cache[K, V]) Put(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	if old, ok := c.entries[key]; ok {
		c.remove(old)
	}
	for front := c.order.Front(); front != nil; front = c.order.Front() {
		if c.order.Len() < c.maxEntries && now.Before(front.Value.(*entry[K, V]).expires) {
			break
		}
		c.remove(front)
	}
	c.entries[key] = c.order.PushBack(&entry[K, V]{key: key, value: value, expires: now.Add(c.ttl)})
}

// Delete drops the entry of key, if there is one.
func (c *Cache[K, V]) Delete(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if elem, ok := c.entries[key]; ok {
		c.remove(elem)
	}
}

// TTL returns how long an entry lives.
func (c *Cache[K, V]) TTL() time.Duration { return c.ttl }

// MaxEntries returns how many entries the cache holds at most.
func (c *Cache[K, V]) MaxEntries() int { return c.maxEntries }

// Len returns how many entries the cache holds, expired ones included.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *Cache[K, V]) remove(elem *list.Element) {
	delete(c.entries, elem.Value.(*entry[K, V]).key)
	c.order.Remove(elem)
}

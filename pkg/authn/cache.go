package authn

import (
	"container/list"
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Defaults of NewCachingValidator.
const (
	DefaultCacheTTL        = 5 * time.Second
	DefaultCacheMaxEntries = 10000
)

// NewCachingValidator returns a Validator that remembers the answers of next
// for ttl: the callers of valid tokens, and the Unauthenticated errors of bad
// ones (so that garbage tokens do not all reach next). Other errors are not
// remembered. A revoked session is thus refused within ttl. Entries are keyed
// by the SHA-256 of the token, never the token itself; at most maxEntries are
// kept, the oldest evicted first. A ttl or maxEntries of zero or less means
// DefaultCacheTTL or DefaultCacheMaxEntries. It is safe for concurrent use.
func NewCachingValidator(next Validator, ttl time.Duration, maxEntries int) Validator {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	if maxEntries <= 0 {
		maxEntries = DefaultCacheMaxEntries
	}
	return &cachingValidator{
		next:       next,
		ttl:        ttl,
		maxEntries: maxEntries,
		now:        time.Now,
		entries:    make(map[[sha256.Size]byte]*list.Element),
		order:      list.New(),
	}
}

type cachingValidator struct {
	next       Validator
	ttl        time.Duration
	maxEntries int
	now        func() time.Time

	mu      sync.Mutex
	entries map[[sha256.Size]byte]*list.Element
	// order holds *cacheEntry oldest first. All entries live for the same
	// ttl, so the front expires first.
	order *list.List
}

type cacheEntry struct {
	key     [sha256.Size]byte
	expires time.Time
	caller  Caller
	err     error
}

func (v *cachingValidator) ValidateSession(ctx context.Context, token string) (Caller, error) {
	key := sha256.Sum256([]byte(token))
	if e, ok := v.lookup(key); ok {
		return e.caller, e.err
	}
	caller, err := v.next.ValidateSession(ctx, token)
	if err == nil || status.Code(err) == codes.Unauthenticated {
		v.store(&cacheEntry{key: key, caller: caller, err: err})
	}
	return caller, err
}

func (v *cachingValidator) lookup(key [sha256.Size]byte) (cacheEntry, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	elem, ok := v.entries[key]
	if !ok {
		return cacheEntry{}, false
	}
	e := elem.Value.(*cacheEntry)
	if !v.now().Before(e.expires) {
		v.remove(elem)
		return cacheEntry{}, false
	}
	return *e, true
}

func (v *cachingValidator) store(e *cacheEntry) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	e.expires = now.Add(v.ttl)
	if old, ok := v.entries[e.key]; ok {
		v.remove(old)
	}
	for front := v.order.Front(); front != nil; front = v.order.Front() {
		if v.order.Len() < v.maxEntries && now.Before(front.Value.(*cacheEntry).expires) {
			break
		}
		v.remove(front)
	}
	v.entries[e.key] = v.order.PushBack(e)
}

func (v *cachingValidator) remove(elem *list.Element) {
	delete(v.entries, elem.Value.(*cacheEntry).key)
	v.order.Remove(elem)
}

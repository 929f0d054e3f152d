package authn

import (
	"context"
	"crypto/sha256"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/ttlcache"
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
	return &cachingValidator{next: next, cache: ttlcache.New[[sha256.Size]byte, cachedSession](ttl, maxEntries)}
}

type cachingValidator struct {
	next  Validator
	cache *ttlcache.Cache[[sha256.Size]byte, cachedSession]
}

// cachedSession is a remembered answer of the next Validator.
type cachedSession struct {
	caller Caller
	err    error
}

func (v *cachingValidator) ValidateSession(ctx context.Context, token string) (Caller, error) {
	key := sha256.Sum256([]byte(token))
	if e, ok := v.cache.Get(key); ok {
		return e.caller, e.err
	}
	caller, err := v.next.ValidateSession(ctx, token)
	if err == nil || status.Code(err) == codes.Unauthenticated {
		v.cache.Put(key, cachedSession{caller: caller, err: err})
	}
	return caller, err
}

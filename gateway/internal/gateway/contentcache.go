package gateway

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fotogal/fotogal/pkg/ttlcache"
)

// The gateway keeps the small variants of photos (thumb and display) in
// memory, beside what the image service's content port last said about
// them, so that a photo many people look at crosses the cluster once and
// not once a request. It never decides access itself: a variant is served
// from memory only to a session the content port let see the photo's
// owner within the last ContentCacheTTL, and only while the content port
// confirmed within as long that the photo still exists. Otherwise the
// request goes to the content port as before, asking for the bytes only if
// the gateway has none ("If-None-Match" with the entity tag it holds).
//
// So the revocation window of photo bytes grows by ContentCacheTTL at most,
// and a photo deleted through another gateway replica is gone from this one
// within ContentCacheTTL; one deleted through this replica is gone at once.
const (
	// DefaultContentCacheTTL is how long the gateway reuses an answer of
	// the content port when Config leaves ContentCacheTTL zero.
	DefaultContentCacheTTL = time.Second
	// DefaultContentCacheBytes bounds the variants kept when Config leaves
	// ContentCacheBytes zero.
	DefaultContentCacheBytes = 64 << 20
	// maxCachedVariantBytes bounds one variant kept: a display is a few
	// hundred KB, an original is never kept.
	maxCachedVariantBytes = 2 << 20
	// contentGrantEntries bounds the sessions' access answers kept (about
	// 100 bytes each).
	contentGrantEntries = 100_000
)

// contentOwnerHeader is the header with which the content port names the
// owner of the photo it answers for: the key of the access it granted. The
// gateway drops it before the client sees the answer.
const contentOwnerHeader = "Fotogal-Owner-Id"

// variantKey names a variant the gateway may keep.
type variantKey struct {
	image, size string
}

// sessionOwner is the key of an access answer: the SHA-256 of the session
// token, never the token itself, and the photos' owner.
type sessionOwner struct {
	session [sha256.Size]byte
	owner   string
}

// cachedVariant is a variant's bytes and the headers the content port
// served them with.
type cachedVariant struct {
	key          variantKey
	body         []byte
	owner        string
	etag         string
	contentType  string
	cacheControl string
	modTime      time.Time
	// header is the whole answer's header, shared by every answer and
	// changed by none.
	header http.Header
	// confirmed is when the content port last said the photo exists.
	confirmed time.Time
}

// contentCache holds variants, least recently used first out, within
// maxBytes, and the access answers of the content port.
type contentCache struct {
	ttl      time.Duration
	maxBytes int64

	grants *ttlcache.Cache[sessionOwner, struct{}]

	mu      sync.Mutex
	entries map[variantKey]*list.Element
	// order holds *cachedVariant, most recently used first.
	order *list.List
	bytes int64

	served *prometheus.CounterVec
	held   prometheus.GaugeFunc
}

func newContentCache(ttl time.Duration, maxBytes int64) *contentCache {
	c := &contentCache{
		ttl:      ttl,
		maxBytes: maxBytes,
		grants:   ttlcache.New[sessionOwner, struct{}](ttl, contentGrantEntries),
		entries:  make(map[variantKey]*list.Element),
		order:    list.New(),
		served: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fotogal_gateway_content_cache_requests_total",
			Help: "Requests for the variants the gateway may keep, by outcome: hit (served from memory), revalidated (the content port confirmed the bytes held), filled (the bytes were fetched and kept), passed (served by the content port alone).",
		}, []string{"outcome"}),
	}
	c.held = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fotogal_gateway_content_cache_bytes",
		Help: "Bytes of variants the gateway holds in memory.",
	}, func() float64 {
		c.mu.Lock()
		defer c.mu.Unlock()
		return float64(c.bytes)
	})
	for _, outcome := range []string{"hit", "revalidated", "filled", "passed"} {
		c.served.WithLabelValues(outcome)
	}
	return c
}

// collectors are the cache's metrics.
func (c *contentCache) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.served, c.held}
}

// cacheableVariant returns the key of the variant a request for image's
// bytes of size asks for, when the gateway may keep it.
func cacheableVariant(image, size string) (variantKey, bool) {
	switch size {
	case "", "display":
		return variantKey{image, "display"}, true
	case "thumb":
		return variantKey{image, size}, true
	}
	return variantKey{}, false
}

// sessionOf returns the key of the session an API request carries (the
// gateway has turned a cookie into the Authorization header by now).
func sessionOf(r *http.Request) ([sha256.Size]byte, bool) {
	authorization := r.Header.Get("Authorization")
	if authorization == "" {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256([]byte(authorization)), true
}

// lookup returns the variant of key and whether session may be served it
// from memory now: the content port granted session its owner, and
// confirmed the photo, within the TTL.
func (c *contentCache) lookup(key variantKey, session [sha256.Size]byte) (v *cachedVariant, servable bool) {
	c.mu.Lock()
	elem, ok := c.entries[key]
	if ok {
		c.order.MoveToFront(elem)
		v = elem.Value.(*cachedVariant)
	}
	fresh := ok && time.Since(v.confirmed) < c.ttl
	c.mu.Unlock()
	if !fresh {
		return v, false
	}
	_, granted := c.grants.Get(sessionOwner{session, v.owner})
	return v, granted
}

// grant records that the content port let session see owner's photos.
func (c *contentCache) grant(session [sha256.Size]byte, owner string) {
	c.grants.Put(sessionOwner{session, owner}, struct{}{})
}

// confirm records that the content port served v's bytes, or said they
// are still the same, just now.
func (c *contentCache) confirm(v *cachedVariant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v.confirmed = time.Now()
}

// keep holds v, dropping the least recently used variants to make room.
func (c *contentCache) keep(v *cachedVariant) {
	size := int64(len(v.body))
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v.confirmed = time.Now()
	if old, ok := c.entries[v.key]; ok {
		c.remove(old)
	}
	for c.bytes+size > c.maxBytes {
		c.remove(c.order.Back())
	}
	c.entries[v.key] = c.order.PushFront(v)
	c.bytes += size
}

// forget drops the variants of image.
func (c *contentCache) forget(image string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, size := range []string{"thumb", "display"} {
		if elem, ok := c.entries[variantKey{image, size}]; ok {
			c.remove(elem)
		}
	}
}

func (c *contentCache) remove(elem *list.Element) {
	v := c.order.Remove(elem).(*cachedVariant)
	delete(c.entries, v.key)
	c.bytes -= int64(len(v.body))
}

// serve answers r from the bytes f holds, as the content port would:
// ranges and conditional requests included. The request for the whole
// variant, the one a page makes, gets the headers built when the variant
// was kept and its bytes in one write.
func (c *contentCache) serve(w http.ResponseWriter, r *http.Request, f *contentFetch) {
	v, h := f.held, w.Header()
	if f.whole {
		for name, values := range v.header {
			h[name] = values
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(v.body)
		return
	}
	h.Set("Content-Type", v.contentType)
	h.Set("ETag", v.etag)
	h.Set("Cache-Control", v.cacheControl)
	http.ServeContent(w, r, "", v.modTime, bytes.NewReader(v.body))
}

// contentFetch is what the gateway knows of a request it sends to the
// content port for a variant it may keep.
type contentFetch struct {
	key     variantKey
	session [sha256.Size]byte
	// held is the variant the gateway holds, if any, and servable whether
	// it may be served to this session from memory.
	held     *cachedVariant
	servable bool
	// whole says the client asked for the whole variant, unconditionally:
	// the gateway may ask for what it needs itself, and answer from memory.
	whole bool
}

type contentFetchKey struct{}

func withContentFetch(ctx context.Context, f *contentFetch) context.Context {
	return context.WithValue(ctx, contentFetchKey{}, f)
}

func contentFetchFrom(ctx context.Context) *contentFetch {
	f, _ := ctx.Value(contentFetchKey{}).(*contentFetch)
	return f
}

// asksWhole reports whether r asks for a whole variant, with no range and
// no condition.
func asksWhole(r *http.Request) bool {
	for _, name := range []string{"Range", "If-Range", "If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if r.Header.Get(name) != "" {
			return false
		}
	}
	return true
}

// prepare adjusts the request to the content port: for a whole variant the
// gateway holds, it asks only whether the bytes are still the same.
func (f *contentFetch) prepare(out *http.Request) {
	if f.whole && f.held != nil {
		out.Header.Set("If-None-Match", f.held.etag)
	}
}

// learn records what a successful answer of the content port says, and
// turns it into the answer for the client: the held bytes when the
// content port confirmed them, the fetched bytes kept when they may be.
// The caller drops the owner's header afterwards.
func (c *contentCache) learn(f *contentFetch, resp *http.Response) error {
	owner := resp.Header.Get(contentOwnerHeader)
	switch resp.StatusCode {
	case http.StatusNotFound:
		// Deleted, or no longer to be seen by this session: either way the
		// bytes are not to be served from memory before asking again.
		if f.held != nil {
			c.forget(f.key.image)
		}
		return nil
	case http.StatusOK, http.StatusPartialContent, http.StatusNotModified:
	default:
		return nil
	}
	if owner == "" {
		c.served.WithLabelValues("passed").Inc()
		return nil
	}
	c.grant(f.session, owner)
	etag := resp.Header.Get("ETag")
	if f.held != nil && etag == f.held.etag {
		c.confirm(f.held)
		if !f.whole || resp.StatusCode != http.StatusNotModified {
			c.served.WithLabelValues("passed").Inc()
			return nil
		}
		// The gateway asked the question; the client wants the bytes.
		c.served.WithLabelValues("revalidated").Inc()
		resp.Body.Close()
		respondWith(resp, f.held)
		return nil
	}
	if !f.whole || resp.StatusCode != http.StatusOK || resp.ContentLength <= 0 || resp.ContentLength > maxCachedVariantBytes {
		c.served.WithLabelValues("passed").Inc()
		return nil
	}
	body := make([]byte, resp.ContentLength)
	_, err := io.ReadFull(resp.Body, body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	modTime, _ := http.ParseTime(resp.Header.Get("Last-Modified"))
	v := &cachedVariant{
		key:          f.key,
		body:         body,
		owner:        owner,
		etag:         etag,
		contentType:  resp.Header.Get("Content-Type"),
		cacheControl: resp.Header.Get("Cache-Control"),
		modTime:      modTime,
	}
	v.header = wholeHeader(v)
	c.keep(v)
	c.served.WithLabelValues("filled").Inc()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// wholeHeader returns the header of the whole answer of v, as
// http.ServeContent writes it.
func wholeHeader(v *cachedVariant) http.Header {
	h := http.Header{
		"Content-Type":   {v.contentType},
		"Content-Length": {strconv.Itoa(len(v.body))},
		"Etag":           {v.etag},
		"Cache-Control":  {v.cacheControl},
		"Accept-Ranges":  {"bytes"},
	}
	if !v.modTime.IsZero() {
		h["Last-Modified"] = []string{v.modTime.UTC().Format(http.TimeFormat)}
	}
	return h
}

// respondWith makes resp the whole answer of v.
func respondWith(resp *http.Response, v *cachedVariant) {
	resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
	for name, values := range v.header {
		resp.Header[name] = values
	}
	resp.ContentLength = int64(len(v.body))
	resp.Body = io.NopCloser(bytes.NewReader(v.body))
}

// deleteImagePattern is the route pattern of a photo's deletion, as
// recordRoute records it.
const deleteImagePattern = "/v1/images/{image_id=*}"

// forgetDeletedPhotos is the grpc-gateway middleware that drops the
// variants the gateway keeps of a photo deleted through it, once the image
// service has answered: its bytes are gone from this replica at once.
func (g *Gateway) forgetDeletedPhotos(next runtime.HandlerFunc) runtime.HandlerFunc {
	if g.contentCache == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request, pathParams map[string]string) {
		next(w, r, pathParams)
		if r.Method == http.MethodDelete && requestInfoFrom(r.Context()).route == deleteImagePattern {
			g.contentCache.forget(pathParams["image_id"])
		}
	}
}

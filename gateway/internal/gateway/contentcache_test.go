package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// ownedContentPort is a content port that names the owner of what it
// serves, as the image service's does: the gateway may then keep the
// thumbs and displays it fetches. Who may see the photo, and whether it
// still exists, can change under the test.
type ownedContentPort struct {
	mu       sync.Mutex
	deleted  bool
	refused  map[string]bool // Authorization headers refused
	requests []*http.Request
}

// ownedThumb is the thumb the port serves.
const ownedThumb = "thumb-bytes-0123456789"

func (p *ownedContentPort) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, r.Clone(context.Background()))
	gone := p.deleted || p.refused[r.Header.Get("Authorization")]
	p.mu.Unlock()
	if r.Header.Get("Authorization") == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":16,"message":"a session is required","details":[]}`))
		return
	}
	if gone || r.URL.Path != "/v1/images/img-1/content" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"code":5,"message":"image not found","details":[]}`))
		return
	}
	body := ownedThumb
	if r.URL.Query().Get("size") == "original" {
		body = "original-bytes"
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("ETag", `"v1"`)
	w.Header().Set("Cache-Control", "private, max-age=30")
	w.Header().Set("Fotogal-Owner-Id", "owner-1")
	http.ServeContent(w, r, "", contentModTime, strings.NewReader(body))
}

func (p *ownedContentPort) set(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
}

// reached returns the requests the port got since the last call.
func (p *ownedContentPort) reached() []*http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.requests
	p.requests = nil
	return got
}

const cacheTTL = 500 * time.Millisecond

func newCachingEnv(t *testing.T) (*testEnv, *ownedContentPort) {
	t.Helper()
	port := &ownedContentPort{refused: map[string]bool{}}
	upstream := httptest.NewServer(port)
	t.Cleanup(upstream.Close)
	env := newTestEnv(t, withConfig(gateway.Config{
		ImageContentURL:   upstream.URL,
		ContentCacheBytes: 1 << 20,
		ContentCacheTTL:   cacheTTL,
	}))
	return env, port
}

var (
	ana       = map[string]string{"Authorization": "Bearer tok-ana"}
	bia       = map[string]string{"Authorization": "Bearer tok-bia"}
	thumbPath = "/v1/images/img-1/content?size=thumb"
)

// getThumb asks for img-1's thumb with headers and checks the answer's
// status, and that the owner's header stays inside.
func getThumb(t *testing.T, env *testEnv, headers map[string]string, wantStatus int) (*http.Response, string) {
	t.Helper()
	resp, body := env.do(t, http.MethodGet, thumbPath, nil, headers)
	if resp.StatusCode != wantStatus {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, wantStatus, body)
	}
	if got := resp.Header.Get("Fotogal-Owner-Id"); got != "" {
		t.Errorf("the client sees Fotogal-Owner-Id %q", got)
	}
	return resp, string(body)
}

// A thumb a session has just been let see comes from memory, bytes and
// headers as the content port served them, ranges and revalidation
// included; once the TTL has passed the gateway asks the content port
// whether its bytes still stand, and gets no bytes back.
func TestContentCacheServesGrantedSession(t *testing.T) {
	t.Parallel()
	env, port := newCachingEnv(t)

	first, body := getThumb(t, env, ana, http.StatusOK)
	if body != ownedThumb {
		t.Fatalf("body %q, want %q", body, ownedThumb)
	}
	if n := len(port.reached()); n != 1 {
		t.Fatalf("the content port got %d requests for the first thumb, want 1", n)
	}

	again, body := getThumb(t, env, ana, http.StatusOK)
	if body != ownedThumb {
		t.Errorf("from memory: body %q, want %q", body, ownedThumb)
	}
	for _, h := range []string{"Content-Type", "ETag", "Cache-Control", "Last-Modified", "Content-Length"} {
		if again.Header.Get(h) != first.Header.Get(h) {
			t.Errorf("from memory %s %q, the content port's %q", h, again.Header.Get(h), first.Header.Get(h))
		}
	}
	if got := again.Header.Values("Cache-Control"); len(got) != 1 {
		t.Errorf("Cache-Control %q, want the content port's alone", got)
	}
	part, body := getThumb(t, env, map[string]string{"Authorization": ana["Authorization"], "Range": "bytes=6-10"}, http.StatusPartialContent)
	if body != ownedThumb[6:11] || part.Header.Get("Content-Range") != "bytes 6-10/22" {
		t.Errorf("Range from memory: %q, Content-Range %q", body, part.Header.Get("Content-Range"))
	}
	getThumb(t, env, map[string]string{"Authorization": ana["Authorization"], "If-None-Match": `"v1"`}, http.StatusNotModified)
	if got := port.reached(); len(got) != 0 {
		t.Errorf("within the TTL the content port got %d requests, want none", len(got))
	}

	time.Sleep(cacheTTL + 50*time.Millisecond)
	_, body = getThumb(t, env, ana, http.StatusOK)
	got := port.reached()
	if len(got) != 1 || got[0].Header.Get("If-None-Match") != `"v1"` {
		t.Fatalf("after the TTL the content port got %d requests (If-None-Match %q), want one revalidation", len(got), ifNoneMatch(got))
	}
	if body != ownedThumb {
		t.Errorf("revalidated: body %q, want %q", body, ownedThumb)
	}
	getThumb(t, env, ana, http.StatusOK)
	if n := len(port.reached()); n != 0 {
		t.Errorf("after the revalidation the content port got %d requests, want none", n)
	}
}

func ifNoneMatch(reqs []*http.Request) string {
	if len(reqs) == 0 {
		return ""
	}
	return reqs[0].Header.Get("If-None-Match")
}

// Bytes in memory are never served to a session the content port has not
// let see the photo: another session is asked about, and refused.
func TestContentCacheAsksForEverySession(t *testing.T) {
	t.Parallel()
	env, port := newCachingEnv(t)
	getThumb(t, env, ana, http.StatusOK)
	port.set(func() { port.refused[bia["Authorization"]] = true })
	port.reached()

	getThumb(t, env, bia, http.StatusNotFound)
	getThumb(t, env, bia, http.StatusNotFound)
	if n := len(port.reached()); n != 2 {
		t.Errorf("the content port got %d of the refused session's 2 requests", n)
	}
	getThumb(t, env, nil, http.StatusUnauthorized)
	if n := len(port.reached()); n != 1 {
		t.Errorf("the content port got %d of an anonymous request", n)
	}
}

// A revocation reaches the bytes in memory within the TTL: once the
// content port refuses the session, so does the gateway.
func TestContentCacheRevocationWithinTTL(t *testing.T) {
	t.Parallel()
	env, port := newCachingEnv(t)
	getThumb(t, env, ana, http.StatusOK)
	revoked := time.Now()
	port.set(func() { port.refused[ana["Authorization"]] = true })
	for {
		resp, _ := env.do(t, http.MethodGet, thumbPath, nil, ana)
		if resp.StatusCode == http.StatusNotFound {
			break
		}
		if since := time.Since(revoked); since > cacheTTL+200*time.Millisecond {
			t.Fatalf("the revoked session still gets the thumb %v after the content port refused it (TTL %v)", since, cacheTTL)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the revocation reached the gateway after %v (TTL %v)", time.Since(revoked).Round(time.Millisecond), cacheTTL)
}

// A photo deleted through the gateway is gone from its memory at once;
// one deleted through another replica is gone within the TTL.
func TestContentCacheDeletedPhoto(t *testing.T) {
	t.Parallel()
	t.Run("through this gateway", func(t *testing.T) {
		t.Parallel()
		env, port := newCachingEnv(t)
		getThumb(t, env, ana, http.StatusOK)
		port.set(func() { port.deleted = true })
		if resp, body := env.do(t, http.MethodDelete, "/v1/images/img-1", nil, ana); resp.StatusCode != http.StatusOK {
			t.Fatalf("delete: status %d: %s", resp.StatusCode, body)
		}
		getThumb(t, env, ana, http.StatusNotFound)
	})
	t.Run("elsewhere", func(t *testing.T) {
		t.Parallel()
		env, port := newCachingEnv(t)
		getThumb(t, env, ana, http.StatusOK)
		port.set(func() { port.deleted = true })
		time.Sleep(cacheTTL + 50*time.Millisecond)
		getThumb(t, env, ana, http.StatusNotFound)
		port.set(func() { port.deleted = false })
		port.reached()
		// The 404 dropped the bytes: the next answer is fetched whole.
		getThumb(t, env, ana, http.StatusOK)
		if got := port.reached(); len(got) != 1 || got[0].Header.Get("If-None-Match") != "" {
			t.Errorf("after a 404 the content port got %d requests (If-None-Match %q), want one for the whole thumb", len(got), ifNoneMatch(got))
		}
	})
}

// Originals, and answers the content port gives without naming an owner,
// are never kept.
func TestContentCacheKeepsOnlyOwnedSmallVariants(t *testing.T) {
	t.Parallel()
	env, port := newCachingEnv(t)
	for range 2 {
		resp, body := env.do(t, http.MethodGet, "/v1/images/img-1/content?size=original", nil, ana)
		if resp.StatusCode != http.StatusOK || string(body) != "original-bytes" {
			t.Fatalf("original: status %d, body %q", resp.StatusCode, body)
		}
	}
	if n := len(port.reached()); n != 2 {
		t.Errorf("the content port got %d of 2 requests for the original", n)
	}

	plain := &fakeContentPort{}
	upstream := httptest.NewServer(plain)
	t.Cleanup(upstream.Close)
	env = newTestEnv(t, withConfig(gateway.Config{ImageContentURL: upstream.URL, ContentCacheBytes: 1 << 20, ContentCacheTTL: time.Minute}))
	for range 2 {
		if resp, body := env.do(t, http.MethodGet, thumbPath, nil, ana); resp.StatusCode != http.StatusOK || string(body) != "0123456789" {
			t.Fatalf("status %d, body %q", resp.StatusCode, body)
		}
	}
	plain.mu.Lock()
	defer plain.mu.Unlock()
	if n := len(plain.requests); n != 2 {
		t.Errorf("a content port that names no owner got %d of 2 requests", n)
	}
}

// The gateway's metrics say how the variants were served and how many
// bytes it holds, never more than its bound.
func TestContentCacheMetrics(t *testing.T) {
	t.Parallel()
	env, _ := newCachingEnv(t)
	getThumb(t, env, ana, http.StatusOK)
	getThumb(t, env, ana, http.StatusOK)
	srv := httptest.NewServer(env.gw.MetricsHandler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`fotogal_gateway_content_cache_requests_total{outcome="filled"} 1`,
		`fotogal_gateway_content_cache_requests_total{outcome="hit"} 1`,
		"fotogal_gateway_content_cache_bytes 22",
	} {
		if !strings.Contains(string(text), want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func (f *fakeImage) DeleteImage(ctx context.Context, req *imagev1.DeleteImageRequest) (*imagev1.DeleteImageResponse, error) {
	f.calls.record(ctx, "DeleteImage")
	return &imagev1.DeleteImageResponse{}, nil
}

// The gateway holds no more bytes than its bound: the variant used least
// recently makes room.
func TestContentCacheBound(t *testing.T) {
	t.Parallel()
	port := &ownedContentPort{refused: map[string]bool{}}
	upstream := httptest.NewServer(port)
	t.Cleanup(upstream.Close)
	// Room for one 22-byte variant.
	env := newTestEnv(t, withConfig(gateway.Config{ImageContentURL: upstream.URL, ContentCacheBytes: 40, ContentCacheTTL: time.Minute}))
	display := "/v1/images/img-1/content?size=display"
	for _, path := range []string{thumbPath, display, display, thumbPath} {
		if resp, body := env.do(t, http.MethodGet, path, nil, ana); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, resp.StatusCode, body)
		}
	}
	var sizes []string
	for _, r := range port.reached() {
		sizes = append(sizes, r.URL.Query().Get("size"))
	}
	if got := strings.Join(sizes, ","); got != "thumb,display,thumb" {
		t.Errorf("the content port was asked for %s, want thumb,display,thumb (the display pushed the thumb out)", got)
	}
}

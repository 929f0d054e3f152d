package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
)

// contentModTime is when the fake content port's object was written.
var contentModTime = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// fakeContentPort is the image service's content port as the gateway sees
// it: it records what reaches it and answers as the path says.
type fakeContentPort struct {
	mu       sync.Mutex
	requests []*http.Request
}

func (f *fakeContentPort) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Clone(r.Context()))
	f.mu.Unlock()
	switch r.URL.Path {
	case "/v1/images/img-1/content":
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Cache-Control", "private, max-age=30")
		http.ServeContent(w, r, "", contentModTime, strings.NewReader("0123456789"))
	case "/v1/images/hidden/content":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"code":5,"message":"image not found","details":[]}`))
	case "/v1/images/expired/content":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":16,"message":"invalid or expired session","details":[]}`))
	default:
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("not a status"))
	}
}

func (f *fakeContentPort) last() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func TestContentProxy(t *testing.T) {
	t.Parallel()
	port := &fakeContentPort{}
	upstream := httptest.NewServer(port)
	t.Cleanup(upstream.Close)
	env := newTestEnv(t, withConfig(gateway.Config{ImageContentURL: upstream.URL}))
	cookie := map[string]string{"Cookie": "fotogal_session=tok-1"}

	t.Run("bytes and cache headers pass as they are", func(t *testing.T) {
		resp, body := env.do(t, http.MethodGet, "/v1/images/img-1/content?size=thumb", nil, cookie)
		if resp.StatusCode != http.StatusOK || string(body) != "0123456789" {
			t.Fatalf("status %d, body %q", resp.StatusCode, body)
		}
		if got := resp.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "private, max-age=30" {
			t.Errorf("Cache-Control %q, want the content port's alone", got)
		}
		if resp.Header.Get("ETag") != `"abc"` || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("headers %v, want the ETag and the gateway's security headers", resp.Header)
		}
		got := port.last()
		if got.URL.RawQuery != "size=thumb" || got.Header.Get("Authorization") != "Bearer tok-1" || got.Header.Get("Cookie") != "" {
			t.Errorf("the content port got query %q, Authorization %q, Cookie %q; want size=thumb, the cookie's token as a bearer, no cookie",
				got.URL.RawQuery, got.Header.Get("Authorization"), got.Header.Get("Cookie"))
		}
		if got.Header.Get("X-Request-Id") == "" || got.Header.Get("X-Request-Id") != resp.Header.Get("X-Request-Id") {
			t.Errorf("request id %q upstream, %q to the client", got.Header.Get("X-Request-Id"), resp.Header.Get("X-Request-Id"))
		}
	})
	t.Run("ranges and revalidation", func(t *testing.T) {
		resp, body := env.do(t, http.MethodGet, "/v1/images/img-1/content", nil, map[string]string{"Authorization": "Bearer t", "Range": "bytes=2-4"})
		if resp.StatusCode != http.StatusPartialContent || string(body) != "234" || resp.Header.Get("Content-Range") != "bytes 2-4/10" {
			t.Errorf("Range: status %d, body %q, Content-Range %q", resp.StatusCode, body, resp.Header.Get("Content-Range"))
		}
		resp, body = env.do(t, http.MethodGet, "/v1/images/img-1/content", nil, map[string]string{"Authorization": "Bearer t", "If-None-Match": `"abc"`})
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: status %d, %d bytes", resp.StatusCode, len(body))
		}
		resp, body = env.do(t, http.MethodGet, "/v1/images/img-1/content", nil, map[string]string{"Authorization": "Bearer t", "Range": "bytes=50-"})
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || resp.Header.Get("Content-Range") != "bytes */10" {
			t.Errorf("Range past the end: status %d, Content-Range %q", resp.StatusCode, resp.Header.Get("Content-Range"))
		}
		if st := decodeStatus(t, resp, body); st.Code != 11 {
			t.Errorf("416 body %s, want code 11 (OutOfRange)", body)
		}
	})

	tests := []struct {
		name, path  string
		headers     map[string]string
		wantStatus  int
		wantCode    int
		wantCleared bool
	}{
		{"an error answer becomes the gateway's", "/v1/images/hidden/content", map[string]string{"Authorization": "Bearer t"}, 404, 5, false},
		{"a refused cookie is cleared", "/v1/images/expired/content", cookie, 401, 16, true},
		{"an answer without a status is unavailable", "/v1/images/broken/content", map[string]string{"Authorization": "Bearer t"}, 503, 14, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.do(t, http.MethodGet, tc.path, nil, tc.headers)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			if st := decodeStatus(t, resp, body); st.Code != tc.wantCode {
				t.Errorf("body %s, want code %d", body, tc.wantCode)
			}
			if got := resp.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
				t.Errorf("Cache-Control %q, want one no-store", got)
			}
			cleared := strings.Contains(resp.Header.Get("Set-Cookie"), "fotogal_session=;")
			if cleared != tc.wantCleared {
				t.Errorf("Set-Cookie %q, want the cookie cleared: %v", resp.Header.Get("Set-Cookie"), tc.wantCleared)
			}
		})
	}
}

// A content port that cannot be reached is 503, its address kept from the
// client.
func TestContentProxyUnreachable(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, withConfig(gateway.Config{ImageContentURL: "http://" + deadAddr(t)}))
	resp, body := env.do(t, http.MethodGet, "/v1/images/img-1/content", nil, map[string]string{"Authorization": "Bearer t"})
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", resp.StatusCode, body)
	}
	if st := decodeStatus(t, resp, body); st.Code != 14 || strings.Contains(st.Message, "127.0.0.1") {
		t.Errorf("body %s, want code 14 without the address", body)
	}
}

// A content port that takes the request and never answers is 503 once the
// header timeout has passed, as a gRPC call past its deadline is.
func TestContentProxyStuck(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		close(release)
		stuck.Close()
	})
	env := newTestEnv(t, withConfig(gateway.Config{ImageContentURL: stuck.URL, ContentHeaderTimeout: 200 * time.Millisecond}))
	env.client.Timeout = 10 * time.Second
	resp, body := env.do(t, http.MethodGet, "/v1/images/img-1/content", nil, map[string]string{"Authorization": "Bearer t"})
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", resp.StatusCode, body)
	}
	if st := decodeStatus(t, resp, body); st.Code != 14 {
		t.Errorf("body %s, want code 14", body)
	}
}

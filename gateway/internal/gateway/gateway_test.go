package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
)

// do sends a request to the gateway and returns the response and its body.
func (e *testEnv) do(t *testing.T, method, path string, body io.Reader, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil && method != http.MethodGet {
		// JSON routes take application/json alone; a header of the test
		// replaces it, and an empty one removes it.
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, b
}

// rpcStatus is a google.rpc.Status as JSON.
type rpcStatus struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details"`
}

func decodeStatus(t *testing.T, resp *http.Response, body []byte) rpcStatus {
	t.Helper()
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	var st rpcStatus
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("body %q is not a Status: %v", body, err)
	}
	return st
}

func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "fotogal_session" {
			return c
		}
	}
	return nil
}

func TestLoginSetsSessionCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		trustProxy bool
		headers    map[string]string
		wantSecure bool
	}{
		{name: "plain HTTP", wantSecure: false},
		{name: "forwarded https, proxy trusted", trustProxy: true, headers: map[string]string{"X-Forwarded-Proto": "https"}, wantSecure: true},
		{name: "forwarded https, proxy not trusted", headers: map[string]string{"X-Forwarded-Proto": "https"}, wantSecure: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, withConfig(gateway.Config{TrustProxy: tc.trustProxy}))
			headers := map[string]string{"Content-Type": "application/json"}
			for k, v := range tc.headers {
				headers[k] = v
			}
			resp, body := env.do(t, http.MethodPost, "/v1/sessions", strings.NewReader(`{"email":"a@example.com","password":"secret-secret"}`), headers)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, body)
			}
			c := sessionCookieOf(resp)
			if c == nil {
				t.Fatalf("no session cookie in %q", resp.Header.Values("Set-Cookie"))
			}
			if c.Value != loginToken {
				t.Errorf("cookie value = %q, want %q", c.Value, loginToken)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Errorf("cookie = %+v, want HttpOnly, SameSite=Lax, Path=/", c)
			}
			if !c.Expires.Equal(loginExpiry) {
				t.Errorf("cookie expires %v, want %v", c.Expires, loginExpiry)
			}
			if c.Secure != tc.wantSecure {
				t.Errorf("cookie Secure = %v, want %v", c.Secure, tc.wantSecure)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			var login struct {
				SessionToken string `json:"sessionToken"`
				ExpireTime   string `json:"expireTime"`
			}
			if err := json.Unmarshal(body, &login); err != nil || login.SessionToken != loginToken || login.ExpireTime == "" {
				t.Errorf("body %s: want sessionToken and expireTime (err %v)", body, err)
			}
		})
	}
}

func TestLogoutClearsSessionCookie(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resp, body := env.do(t, http.MethodDelete, "/v1/sessions/current", nil, map[string]string{
		"Cookie": "fotogal_session=" + loginToken,
		"Origin": env.url,
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, body)
	}
	c := sessionCookieOf(resp)
	if c == nil || c.Value != "" || c.MaxAge >= 0 {
		t.Errorf("Set-Cookie %q: want fotogal_session cleared", resp.Header.Values("Set-Cookie"))
	}
}

func TestUnauthenticatedCookieIsCleared(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name        string
		headers     map[string]string
		wantCleared bool
	}{
		{name: "expired cookie", headers: map[string]string{"Cookie": "fotogal_session=expired"}, wantCleared: true},
		{name: "expired bearer", headers: map[string]string{"Authorization": "Bearer expired"}, wantCleared: false},
		{name: "no credentials", headers: map[string]string{}, wantCleared: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.do(t, http.MethodGet, "/v1/me", nil, tc.headers)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", resp.StatusCode, body)
			}
			c := sessionCookieOf(resp)
			if cleared := c != nil && c.Value == "" && c.MaxAge < 0; cleared != tc.wantCleared {
				t.Errorf("Set-Cookie %q: cleared = %v, want %v", resp.Header.Values("Set-Cookie"), cleared, tc.wantCleared)
			}
		})
	}
}

func TestSessionAndMetadataReachTheService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		headers   map[string]string
		wantAuthz string
	}{
		{name: "cookie", headers: map[string]string{"Cookie": "other=1; fotogal_session=tok-cookie"}, wantAuthz: "Bearer tok-cookie"},
		{name: "bearer", headers: map[string]string{"Authorization": "Bearer tok-bearer"}, wantAuthz: "Bearer tok-bearer"},
		{name: "bearer wins over cookie", headers: map[string]string{
			"Authorization": "Bearer tok-bearer",
			"Cookie":        "fotogal_session=tok-cookie",
		}, wantAuthz: "Bearer tok-bearer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			headers := map[string]string{
				"User-Agent":                  "fotogal-test/1.0",
				"Grpc-Metadata-X-Injected":    "evil",
				"X-Forwarded-For":             "198.51.100.1",
				"Grpc-Metadata-X-Request-Id":  "spoofed",
				"Grpc-Metadata-Authorization": "Bearer spoofed",
			}
			for k, v := range tc.headers {
				headers[k] = v
			}
			resp, body := env.do(t, http.MethodGet, "/v1/me", nil, headers)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, body)
			}
			mds := env.calls.of("GetMe")
			if len(mds) != 1 {
				t.Fatalf("GetMe calls = %d, want 1", len(mds))
			}
			md := mds[0]
			checks := []struct {
				key  string
				want []string
			}{
				{"authorization", []string{tc.wantAuthz}},
				{"x-request-id", []string{resp.Header.Get("X-Request-Id")}},
				{"x-forwarded-for", []string{"127.0.0.1"}},
				{"grpcgateway-user-agent", []string{"fotogal-test/1.0"}},
				{"cookie", nil},
				{"grpcgateway-cookie", nil},
				{"x-injected", nil},
			}
			for _, c := range checks {
				if got := md.Get(c.key); strings.Join(got, "|") != strings.Join(c.want, "|") {
					t.Errorf("metadata %q = %q, want %q", c.key, got, c.want)
				}
			}
		})
	}
}

func TestClientAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		trustProxy bool
		xff        string
		want       string
	}{
		{name: "peer when the proxy is not trusted", xff: "203.0.113.7", want: "127.0.0.1"},
		{name: "first forwarded entry when trusted", trustProxy: true, xff: "203.0.113.7, 10.0.0.1", want: "203.0.113.7"},
		{name: "peer when the forwarded entry is not an address", trustProxy: true, xff: "nonsense", want: "127.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, withConfig(gateway.Config{TrustProxy: tc.trustProxy}))
			env.do(t, http.MethodGet, "/v1/me", nil, map[string]string{"Authorization": "Bearer t", "X-Forwarded-For": tc.xff})
			mds := env.calls.of("GetMe")
			if len(mds) != 1 {
				t.Fatalf("GetMe calls = %d, want 1", len(mds))
			}
			if got := mds[0].Get("x-forwarded-for"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("x-forwarded-for = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name   string
		header string
		want   *regexp.Regexp
	}{
		{name: "valid id kept", header: "abc-123.DEF_4:5", want: regexp.MustCompile(`^abc-123\.DEF_4:5$`)},
		{name: "none given", want: regexp.MustCompile(`^[0-9a-f]{32}$`)},
		{name: "invalid id replaced", header: "has spaces\tand tabs", want: regexp.MustCompile(`^[0-9a-f]{32}$`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{"Authorization": "Bearer t"}
			if tc.header != "" {
				headers["X-Request-Id"] = tc.header
			}
			resp, _ := env.do(t, http.MethodGet, "/v1/users/bob", nil, headers)
			got := resp.Header.Get("X-Request-Id")
			if !tc.want.MatchString(got) {
				t.Errorf("X-Request-Id = %q, want match of %s", got, tc.want)
			}
			mds := env.calls.of("GetProfile")
			if last := mds[len(mds)-1].Get("x-request-id"); len(last) != 1 || last[0] != got {
				t.Errorf("x-request-id sent = %q, want [%q]", last, got)
			}
		})
	}
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	const foreign = "https://evil.example"
	const allowed = "https://app.fotogal.example"
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		headers    func(self string) map[string]string
		wantStatus int
		// rpc is the method the fake must (or must not) have received.
		rpc string
	}{
		{
			name: "cookie, foreign origin", method: http.MethodPatch, path: "/v1/me", body: `{"bio":"x"}`,
			headers: func(string) map[string]string {
				return map[string]string{"Cookie": "fotogal_session=t", "Origin": foreign}
			},
			wantStatus: http.StatusForbidden, rpc: "UpdateProfile",
		},
		{
			name: "cookie, no origin", method: http.MethodPatch, path: "/v1/me", body: `{"bio":"x"}`,
			headers:    func(string) map[string]string { return map[string]string{"Cookie": "fotogal_session=t"} },
			wantStatus: http.StatusForbidden, rpc: "UpdateProfile",
		},
		{
			name: "cookie, same origin", method: http.MethodPatch, path: "/v1/me", body: `{"bio":"x"}`,
			headers: func(self string) map[string]string {
				return map[string]string{"Cookie": "fotogal_session=t", "Origin": self}
			},
			wantStatus: http.StatusOK, rpc: "UpdateProfile",
		},
		{
			name: "cookie, allowed origin", method: http.MethodPatch, path: "/v1/me", body: `{"bio":"x"}`,
			headers: func(string) map[string]string {
				return map[string]string{"Cookie": "fotogal_session=t", "Origin": allowed}
			},
			wantStatus: http.StatusOK, rpc: "UpdateProfile",
		},
		{
			name: "bearer, foreign origin", method: http.MethodPatch, path: "/v1/me", body: `{"bio":"x"}`,
			headers: func(string) map[string]string {
				return map[string]string{"Authorization": "Bearer t", "Origin": foreign}
			},
			wantStatus: http.StatusOK, rpc: "UpdateProfile",
		},
		{
			name: "cookie, foreign origin, read", method: http.MethodGet, path: "/v1/me",
			headers: func(string) map[string]string {
				return map[string]string{"Cookie": "fotogal_session=t", "Origin": foreign}
			},
			wantStatus: http.StatusOK, rpc: "GetMe",
		},
		{
			name: "login from a foreign origin", method: http.MethodPost, path: "/v1/sessions", body: `{"email":"a@b.c","password":"p"}`,
			headers:    func(string) map[string]string { return map[string]string{"Origin": foreign} },
			wantStatus: http.StatusForbidden, rpc: "Login",
		},
		{
			name: "login without origin (API client)", method: http.MethodPost, path: "/v1/sessions", body: `{"email":"a@b.c","password":"p"}`,
			headers:    func(string) map[string]string { return map[string]string{} },
			wantStatus: http.StatusOK, rpc: "Login",
		},
		{
			name: "cookie upload from a foreign origin", method: http.MethodPost, path: "/v1/images", body: "",
			headers: func(string) map[string]string {
				return map[string]string{"Cookie": "fotogal_session=t", "Origin": foreign, "Content-Type": "multipart/form-data; boundary=x"}
			},
			wantStatus: http.StatusForbidden, rpc: "UploadImage",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, withConfig(gateway.Config{AllowedOrigins: []string{allowed}}))
			resp, body := env.do(t, tc.method, tc.path, strings.NewReader(tc.body), tc.headers(env.url))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			calls := len(env.calls.of(tc.rpc))
			if tc.wantStatus == http.StatusForbidden {
				st := decodeStatus(t, resp, body)
				if st.Code != 7 || st.Message != "cross-origin request refused" {
					t.Errorf("status body = %+v, want code 7, cross-origin request refused", st)
				}
				if calls != 0 {
					t.Errorf("%s reached the service %d times, want 0", tc.rpc, calls)
				}
			} else if calls != 1 {
				t.Errorf("%s calls = %d, want 1", tc.rpc, calls)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, withDeadFeed())
	bearer := map[string]string{"Authorization": "Bearer t"}
	tests := []struct {
		name           string
		method, path   string
		body           string
		wantStatus     int
		wantCode       int
		wantRetryAfter string
	}{
		{name: "malformed JSON", method: http.MethodPatch, path: "/v1/me", body: `{"bio":`, wantStatus: 400, wantCode: 3},
		{name: "unknown field", method: http.MethodPatch, path: "/v1/me", body: `{"nope":1}`, wantStatus: 400, wantCode: 3},
		{name: "not found", method: http.MethodGet, path: "/v1/users/ghost", wantStatus: 404, wantCode: 5},
		{name: "throttled", method: http.MethodGet, path: "/v1/users/busy", wantStatus: 429, wantCode: 8, wantRetryAfter: "3"},
		{name: "unknown path", method: http.MethodGet, path: "/v1/nope", wantStatus: 404, wantCode: 5},
		{name: "wrong method", method: http.MethodPut, path: "/v1/me", wantStatus: 405, wantCode: 12},
		{name: "upstream down", method: http.MethodGet, path: "/v1/feed", wantStatus: 503, wantCode: 14},
		// The service there but not answering is as unavailable to the
		// client: 503, not a 504 that would blame a proxy.
		{name: "upstream out of time", method: http.MethodGet, path: "/v1/users/stuck", wantStatus: 503, wantCode: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{"Authorization": bearer["Authorization"], "Content-Type": "application/json"}
			resp, body := env.do(t, tc.method, tc.path, strings.NewReader(tc.body), headers)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			st := decodeStatus(t, resp, body)
			if st.Code != tc.wantCode || st.Message == "" {
				t.Errorf("body = %s, want code %d with a message", body, tc.wantCode)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.wantRetryAfter)
			}
			if tc.wantStatus == 503 && strings.Contains(st.Message, "127.0.0.1") {
				t.Errorf("message %q reveals an internal address", st.Message)
			}
		})
	}
}

func TestZeroValuesAreShown(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resp, body := env.do(t, http.MethodGet, "/v1/users/bob", nil, map[string]string{"Authorization": "Bearer t"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d; body %s", resp.StatusCode, body)
	}
	var got struct {
		Profile map[string]any `json:"profile"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{"followerCount": "0", "followState": "FOLLOW_STATE_UNSPECIFIED", "isPrivate": false} {
		if got.Profile[field] != want {
			t.Errorf("profile.%s = %#v, want %#v (body %s)", field, got.Profile[field], want, body)
		}
	}
}

func TestHealthReadyOpenAPI(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resp, body := env.do(t, http.MethodGet, "/healthz", nil, nil)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}
	resp, body = env.do(t, http.MethodGet, "/openapi.json", nil, nil)
	var doc map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &doc) != nil || doc["swagger"] == nil {
		t.Errorf("/openapi.json = %d, want 200 with an OpenAPI document", resp.StatusCode)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       []envOption
		notServing string
		wantStatus int
		wantFeed   string
	}{
		{name: "all serving", wantStatus: 200, wantFeed: "SERVING"},
		{name: "feed unreachable", opts: []envOption{withDeadFeed()}, wantStatus: 503, wantFeed: "UNREACHABLE"},
		{name: "feed not serving", notServing: feedv1.FeedService_ServiceDesc.ServiceName, wantStatus: 503, wantFeed: "NOT_SERVING"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, tc.opts...)
			if tc.notServing != "" {
				env.health.SetServingStatus(tc.notServing, healthpb.HealthCheckResponse_NOT_SERVING)
			}
			resp, body := env.do(t, http.MethodGet, "/readyz", nil, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			var got struct {
				Ready     bool              `json:"ready"`
				Upstreams map[string]string `json:"upstreams"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Ready != (tc.wantStatus == 200) || got.Upstreams["feed"] != tc.wantFeed || got.Upstreams["auth"] != "SERVING" {
				t.Errorf("body = %s, want feed %s and auth SERVING", body, tc.wantFeed)
			}
		})
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for _, path := range []string{"/", "/app.js", "/v1/nope", "/v1/users/bob", "/healthz", "/missing.png"} {
		resp, _ := env.do(t, http.MethodGet, path, nil, map[string]string{"Authorization": "Bearer t"})
		for header, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "same-origin",
		} {
			if got := resp.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", path, header, got, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy = %q", path, csp)
		}
	}
}

func TestAccessLogAndMetrics(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resp, _ := env.do(t, http.MethodGet, "/v1/users/bob", nil, map[string]string{
		"Authorization": "Bearer secret-token-value",
		"Cookie":        "fotogal_session=secret-cookie-value",
	})
	entries := env.logs.FilterMessage("request").All()
	if len(entries) != 1 {
		t.Fatalf("request log lines = %d, want 1", len(entries))
	}
	fields := entries[0].ContextMap()
	want := map[string]any{
		"request_id": resp.Header.Get("X-Request-Id"),
		"method":     "GET",
		"path":       "/v1/users/bob",
		"status":     int64(200),
	}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("log field %s = %#v, want %#v", k, fields[k], v)
		}
	}
	for _, k := range []string{"bytes", "duration_ms"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("log line lacks %s: %v", k, fields)
		}
	}
	for _, e := range env.logs.All() {
		for _, v := range e.ContextMap() {
			if s, ok := v.(string); ok && strings.Contains(s, "secret") {
				t.Errorf("log line %q holds a credential: %v", e.Message, e.ContextMap())
			}
		}
	}

	rec := httptest.NewRecorder()
	env.gw.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics status = %d", rec.Code)
	}
	wantLine := `fotogal_gateway_http_requests_total{code="200",method="GET",route="/v1/users/{username=*}"} 1`
	if !strings.Contains(rec.Body.String(), wantLine) {
		t.Errorf("metrics lack %s", wantLine)
	}
}

// waitFor returns the next value of ch, failing after a few seconds.
func waitFor[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for the fake service")
		panic("unreachable")
	}
}

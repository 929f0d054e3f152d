package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
)

// nested returns a JSON object nested depth deep.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// onlyReader hides everything but Read, so that the client sends a body of
// unknown length (chunked).
type onlyReader struct{ io.Reader }

func TestJSONBodies(t *testing.T) {
	t.Parallel()
	big := `{"email":"a@b.c","password":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name        string
		body        io.Reader
		contentType string
		wantStatus  int
		wantCode    int
		wantMessage string
	}{
		{"over the limit, declared", strings.NewReader(big), "application/json", 413, 3, "request body too large: at most 64 KiB"},
		{"over the limit, chunked", onlyReader{strings.NewReader(big)}, "application/json", 413, 3, "request body too large: at most 64 KiB"},
		{"deeply nested", strings.NewReader(`{"email":` + nested(5000) + `}`), "application/json", 400, 3, ""},
		{"invalid UTF-8", bytes.NewReader([]byte("{\"email\":\"a\xff@b.c\",\"password\":\"p\"}")), "application/json", 400, 3, ""},
		{"a duplicate key", strings.NewReader(`{"email":"a@b.c","email":"c@d.e","password":"p"}`), "application/json", 400, 3, ""},
		{"an unknown field", strings.NewReader(`{"email":"a@b.c","password":"p","admin":true}`), "application/json", 400, 3, ""},
		{"a form", strings.NewReader(`email=a@b.c&password=p`), "application/x-www-form-urlencoded", 415, 3, "the request body must be application/json"},
		{"text", strings.NewReader(`{"email":"a@b.c","password":"p"}`), "text/plain", 415, 3, "the request body must be application/json"},
		{"no content type", strings.NewReader(`{"email":"a@b.c","password":"p"}`), "", 415, 3, "the request body must be application/json"},
		{"JSON with a charset", strings.NewReader(`{"email":"a@b.c","password":"p"}`), "application/json; charset=utf-8", 200, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			resp, body := env.do(t, http.MethodPost, "/v1/sessions", tc.body, map[string]string{"Content-Type": tc.contentType})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			logins := len(env.calls.of("Login"))
			if tc.wantStatus != 200 {
				st := decodeStatus(t, resp, body)
				if st.Code != tc.wantCode || (tc.wantMessage != "" && st.Message != tc.wantMessage) {
					t.Errorf("body %s, want code %d %q", body, tc.wantCode, tc.wantMessage)
				}
				if strings.Contains(st.Message, "grpc:") {
					t.Errorf("the message shows the gRPC client's text: %q", st.Message)
				}
				if logins != 0 {
					t.Errorf("the auth service was called %d times for a refused body", logins)
				}
			} else if logins != 1 {
				t.Errorf("Login called %d times, want 1", logins)
			}
		})
	}
}

// A limit above what gRPC sends makes the gateway's own client refuse the
// message: that is 413 too, never 429, and its text stays inside.
func TestRequestTooLargeForGRPC(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, withConfig(gateway.Config{MaxJSONBytes: 8 << 20}))
	body := `{"email":"a@b.c","password":"` + strings.Repeat("x", 5<<20) + `"}`
	resp, got := env.do(t, http.MethodPost, "/v1/sessions", strings.NewReader(body), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %.200s", resp.StatusCode, got)
	}
	if st := decodeStatus(t, resp, got); st.Code != 3 || strings.Contains(st.Message, "grpc") || strings.Contains(st.Message, "4194304") {
		t.Errorf("body %s, want code 3 without the gRPC client's text", got)
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// expectThrottled fails the test unless resp is a 429 with a Retry-After of
// whole seconds, at most an hour, and a google.rpc.Status body.
func expectThrottled(t *testing.T, what string, resp *Response) {
	t.Helper()
	if resp.Status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429; body %s", what, resp.Status, resp.Body)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 3600 {
		t.Errorf("%s: Retry-After %q, want 1 to 3600 seconds", what, resp.Header.Get("Retry-After"))
	}
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(resp.Body, &st); err != nil || st.Code != 8 || st.Message == "" {
		t.Errorf("%s: body %s, want a Status of code 8 (RESOURCE_EXHAUSTED) with a message", what, resp.Body)
	}
}

// registerFrom posts a registration of username through the gateway, from
// the client address the X-Forwarded-For header names.
func registerFrom(t *testing.T, s *Stack, username, addr string) *Response {
	t.Helper()
	body, err := json.Marshal(map[string]string{
		"email": username + "@example.com", "fullName": "Person " + username,
		"username": username, "password": "correct horse " + username,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.GatewayURL+"/v1/users", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	return s.NewAPIClient().Send(t, req)
}

// Registrations from one client address stop at FOTOGAL_REGISTER_MAX_PER_ADDR
// an hour with 429 and Retry-After; another address still registers.
func TestThrottleRegistrationsPerAddress(t *testing.T) {
	const limit = 3
	s := startStack(t, map[string]string{
		"FOTOGAL_REGISTER_MAX_PER_ADDR": strconv.Itoa(limit),
		// The gateway believes X-Forwarded-For, so that the test can be
		// two clients.
		"FOTOGAL_TRUST_PROXY": "true",
	})
	for range limit {
		registerFrom(t, s, Unique("reg"), "198.51.100.7").Expect(t, http.StatusOK)
	}
	expectThrottled(t, "registration past the limit", registerFrom(t, s, Unique("reg"), "198.51.100.7"))
	registerFrom(t, s, Unique("reg"), "198.51.100.8").Expect(t, http.StatusOK)
}

// Uploads by one account stop at FOTOGAL_UPLOAD_MAX_PER_HOUR with 429 and
// Retry-After, and the refused photo is not posted; another account still
// uploads.
func TestThrottleUploadsPerAccount(t *testing.T) {
	const limit = 2
	s := startStack(t, map[string]string{"FOTOGAL_UPLOAD_MAX_PER_HOUR": strconv.Itoa(limit)})
	alice := s.Register(t, Unique("uploader"))
	photo := testimages.PNG(64, 48)
	for range limit {
		alice.Upload(t, http.MethodPost, "/v1/images", "within the limit", "photo.png", photo, true).Expect(t, http.StatusOK)
	}
	expectThrottled(t, "upload past the limit",
		alice.Upload(t, http.MethodPost, "/v1/images", "one too many", "photo.png", photo, true))
	if got := len(alice.ImageIDs(t)); got != limit {
		t.Errorf("alice has %d photos, want %d", got, limit)
	}
	bob := s.Register(t, Unique("other"))
	bob.Upload(t, http.MethodPost, "/v1/images", "another account", "photo.png", photo, true).Expect(t, http.StatusOK)
}

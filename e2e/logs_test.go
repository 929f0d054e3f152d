package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// No log line of any binary carries a password, a raw session token or the
// service secret, whatever the requests did: not on stdout, and not in OCI
// Logging when the entries go there too.
func TestLogsCarryNoSecrets(t *testing.T) {
	s := startStack(t, nil)
	frank := s.Register(t, Unique("frank"))
	browser := s.NewBrowserClient()
	browser.Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": frank.Email, "password": frank.Password}).Expect(t, http.StatusOK)
	var cookieToken string
	for _, c := range browser.HTTP.Jar.Cookies(mustURL(t, s.GatewayURL)) {
		if c.Name == "fotogal_session" {
			cookieToken = c.Value
		}
	}
	if cookieToken == "" {
		t.Fatal("login set no fotogal_session cookie")
	}
	wrongPassword := "this is the wrong password"
	s.NewAPIClient().Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": frank.Email, "password": wrongPassword}).Expect(t, http.StatusUnauthorized)
	newPassword := "the second secret password"
	frank.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)
	browser.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)
	frank.Do(t, http.MethodPut, "/v1/me/password", map[string]string{"oldPassword": frank.Password, "newPassword": newPassword}).Expect(t, http.StatusOK)
	frank.Do(t, http.MethodDelete, "/v1/sessions/current", nil).Expect(t, http.StatusOK)
	garbage := "garbage-token-that-must-not-be-logged"
	c := s.NewAPIClient()
	c.Token = garbage
	c.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusUnauthorized)

	logs := s.Logs()
	if !strings.Contains(logs, "/fotogal.user.v1.UserService/GetMe") {
		t.Fatalf("the logs hold no access line for GetMe; logs:\n%s", tail(logs, 3000))
	}
	if s.Logging != nil {
		// The same lines went to OCI Logging.
		Eventually(t, 15*time.Second, "the GetMe access line in OCI Logging", func() bool {
			return strings.Contains(shippedData(s), "/fotogal.user.v1.UserService/GetMe")
		})
		logs += shippedData(s)
	}
	secrets := map[string]string{
		"password":       frank.Password,
		"new password":   newPassword,
		"wrong password": wrongPassword,
		"bearer token":   frank.Token,
		"cookie token":   cookieToken,
		"garbage token":  garbage,
		"service secret": s.Secret,
	}
	for what, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs carry the %s", what)
		}
	}
}

// shippedData joins the data of every entry OCI Logging received.
func shippedData(s *Stack) string {
	var b strings.Builder
	for _, e := range s.Logging.Entries() {
		b.WriteString(e.Data)
		b.WriteByte('\n')
	}
	return b.String()
}

package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The whole life of an account, as the README's curl walk-through does it:
// register → log in → me → edit profile → change password (the other session
// is refused afterwards) → log out (the token is refused afterwards).
func TestAccountLifecycle(t *testing.T) {
	s := startStack(t, nil)
	alice := s.Register(t, Unique("alice"))

	other := s.NewAPIClient()
	other.Token = s.Login(t, alice.Email, alice.Password)

	me := alice.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK).JSON(t)
	user := me["user"].(map[string]any)
	if got := user["username"]; got != alice.Username {
		t.Errorf("me.username = %v, want %v", got, alice.Username)
	}
	if got := user["email"]; got != alice.Email {
		t.Errorf("me.email = %v, want %v", got, alice.Email)
	}
	if strings.Contains(string(alice.Do(t, http.MethodGet, "/v1/me", nil).Body), "argon2") {
		t.Error("GET /v1/me carries the password hash")
	}

	edited := alice.Do(t, http.MethodPatch, "/v1/me", map[string]any{
		"bio": "Fotógrafa em São Paulo", "website": "https://example.com/alice", "isPrivate": true,
	}).Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
	if edited["bio"] != "Fotógrafa em São Paulo" || edited["isPrivate"] != true {
		t.Errorf("after PATCH /v1/me: %v", edited)
	}
	again := alice.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
	if again["website"] != "https://example.com/alice" || again["fullName"] != "Person "+alice.Username {
		t.Errorf("profile after edit = %v", again)
	}

	newPassword := "a brand new password"
	alice.Do(t, http.MethodPut, "/v1/me/password", map[string]string{
		"oldPassword": "not the password", "newPassword": newPassword,
	}).Expect(t, http.StatusForbidden)
	alice.Do(t, http.MethodPut, "/v1/me/password", map[string]string{
		"oldPassword": alice.Password, "newPassword": newPassword,
	}).Expect(t, http.StatusOK)

	// The auth service owns sessions: the revocation holds there at once,
	// and everywhere else within seconds.
	other.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusUnauthorized)
	Eventually(t, 10*time.Second, "the other session refused by the user service", func() bool {
		return other.Do(t, http.MethodGet, "/v1/me", nil).Status == http.StatusUnauthorized
	})
	alice.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)

	anon := s.NewAPIClient()
	anon.Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": alice.Email, "password": alice.Password}).
		Expect(t, http.StatusUnauthorized)
	s.Login(t, alice.Email, newPassword)

	alice.Do(t, http.MethodDelete, "/v1/sessions/current", nil).Expect(t, http.StatusOK)
	alice.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusUnauthorized)
	Eventually(t, 10*time.Second, "the logged-out token refused by the user service", func() bool {
		return alice.Do(t, http.MethodGet, "/v1/me", nil).Status == http.StatusUnauthorized
	})
}

func TestRegistrationConflicts(t *testing.T) {
	s := startStack(t, nil)
	bob := s.Register(t, Unique("bob"))
	anon := s.NewAPIClient()

	tests := []struct {
		name, email, username string
	}{
		{"same email", bob.Email, Unique("other")},
		{"same email in another case", strings.ToUpper(bob.Email), Unique("other")},
		{"same username", Unique("x") + "@example.com", bob.Username},
		{"same username in another case", Unique("x") + "@example.com", strings.ToUpper(bob.Username)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := anon.Do(t, http.MethodPost, "/v1/users", map[string]string{
				"email": tc.email, "fullName": "Someone", "username": tc.username, "password": "long enough password",
			})
			resp.Expect(t, http.StatusConflict)
		})
	}

	t.Run("20 concurrent registrations of one username", func(t *testing.T) {
		username := Unique("race")
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := anon.Do(t, http.MethodPost, "/v1/users", map[string]string{
					"email":    Unique("race") + "@example.com",
					"fullName": "Racer", "username": username, "password": "long enough password",
				})
				statuses[i] = resp.Status
			}()
		}
		wg.Wait()
		counts := map[int]int{}
		for _, st := range statuses {
			counts[st]++
		}
		if counts[http.StatusOK] != 1 || counts[http.StatusConflict] != 19 {
			t.Errorf("statuses = %v, want exactly one 200 and nineteen 409", counts)
		}
	})
}

func TestBadInput(t *testing.T) {
	s := startStack(t, nil)
	anon := s.NewAPIClient()
	valid := func() map[string]string {
		return map[string]string{"email": Unique("v") + "@example.com", "fullName": "Valid Person", "username": Unique("v"), "password": "long enough password"}
	}
	fields := []struct {
		name, field, value, inMessage string
	}{
		{"username too short", "username", "abc", "username"},
		{"username with a dash", "username", "not-allowed", "username"},
		{"username too long", "username", strings.Repeat("a", 31), "username"},
		{"password too short", "password", "short", "password"},
		{"password too long", "password", strings.Repeat("p", 129), "password"},
		{"full name missing", "fullName", "", "full_name"},
		{"full name too long", "fullName", strings.Repeat("n", 501), "full_name"},
		{"email not an address", "email", "not-an-email", "email"},
	}
	for _, tc := range fields {
		t.Run(tc.name, func(t *testing.T) {
			body := valid()
			body[tc.field] = tc.value
			resp := anon.Do(t, http.MethodPost, "/v1/users", body).Expect(t, http.StatusBadRequest)
			if msg, _ := resp.JSON(t)["message"].(string); !strings.Contains(msg, tc.inMessage) {
				t.Errorf("message %q does not name %q", msg, tc.inMessage)
			}
		})
	}

	t.Run("malformed JSON", func(t *testing.T) {
		resp := anon.Do(t, http.MethodPost, "/v1/users", `{"email": "x@example.com", `).Expect(t, http.StatusBadRequest)
		if _, ok := resp.JSON(t)["code"]; !ok {
			t.Errorf("error body is not a google.rpc.Status: %s", resp.Body)
		}
	})

	carol := s.Register(t, Unique("carol"))
	t.Run("wrong password and unknown email answer alike", func(t *testing.T) {
		wrong := anon.Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": carol.Email, "password": "wrong password!"})
		unknown := anon.Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": "nobody_" + carol.Email, "password": "wrong password!"})
		wrong.Expect(t, http.StatusUnauthorized)
		unknown.Expect(t, http.StatusUnauthorized)
		if string(wrong.Body) != string(unknown.Body) {
			t.Errorf("answers differ:\nwrong password: %s\nunknown email:  %s", wrong.Body, unknown.Body)
		}
	})

	t.Run("tokens refused", func(t *testing.T) {
		for name, token := range map[string]string{"no token": "", "garbage token": "not-a-real-token"} {
			c := s.NewAPIClient()
			c.Token = token
			for _, path := range []string{"/v1/me", "/v1/sessions", "/v1/users/" + carol.Username} {
				if got := c.Do(t, http.MethodGet, path, nil).Status; got != http.StatusUnauthorized {
					t.Errorf("%s: GET %s = %d, want 401", name, path, got)
				}
			}
		}
	})

	t.Run("revoked session refused", func(t *testing.T) {
		second := s.NewAPIClient()
		second.Token = s.Login(t, carol.Email, carol.Password)
		var list struct {
			Sessions []struct {
				SessionID string `json:"sessionId"`
				Current   bool   `json:"current"`
			} `json:"sessions"`
		}
		second.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusOK).Decode(t, &list)
		var id string
		for _, sess := range list.Sessions {
			if sess.Current {
				id = sess.SessionID
			}
		}
		if id == "" || len(list.Sessions) < 2 {
			t.Fatalf("sessions = %+v, want at least two with the current one marked", list.Sessions)
		}
		carol.Do(t, http.MethodDelete, "/v1/sessions/"+id, nil).Expect(t, http.StatusOK)
		second.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusUnauthorized)
		Eventually(t, 10*time.Second, "revoked token refused by the user service", func() bool {
			return second.Do(t, http.MethodGet, "/v1/me", nil).Status == http.StatusUnauthorized
		})
		carol.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)
	})

	t.Run("cookie change from another origin", func(t *testing.T) {
		browser := s.NewBrowserClient()
		browser.Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": carol.Email, "password": carol.Password}).
			Expect(t, http.StatusOK)
		browser.Origin = "http://evil.example"
		browser.Do(t, http.MethodPatch, "/v1/me", map[string]any{"bio": "pwned"}).Expect(t, http.StatusForbidden)
		browser.Origin = s.GatewayURL
		me := browser.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
		if me["bio"] == "pwned" {
			t.Fatal("a cross-origin request changed the profile")
		}
		browser.Do(t, http.MethodPatch, "/v1/me", map[string]any{"bio": "same origin"}).Expect(t, http.StatusOK)
	})

	t.Run("nobody edits someone else's profile", func(t *testing.T) {
		mallory := s.Register(t, Unique("mallory"))
		resp := mallory.Do(t, http.MethodPatch, "/v1/users/"+carol.Username, map[string]any{"bio": "pwned"})
		if resp.Status < 400 {
			t.Fatalf("PATCH /v1/users/%s = %d, want an error", carol.Username, resp.Status)
		}
		profile := mallory.Do(t, http.MethodGet, "/v1/users/"+carol.Username, nil).Expect(t, http.StatusOK).JSON(t)["profile"].(map[string]any)
		if profile["bio"] == "pwned" {
			t.Fatal("someone else's profile was changed")
		}
	})
}

func TestExpiredSessionRefused(t *testing.T) {
	s := startStack(t, map[string]string{"FOTOGAL_SESSION_TTL": "2s"})
	dave := s.Register(t, Unique("dave"))
	dave.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusOK)
	Eventually(t, 10*time.Second, "expired session refused", func() bool {
		return dave.Do(t, http.MethodGet, "/v1/sessions", nil).Status == http.StatusUnauthorized &&
			dave.Do(t, http.MethodGet, "/v1/me", nil).Status == http.StatusUnauthorized
	})
}

func TestLoginThrottled(t *testing.T) {
	s := startStack(t, map[string]string{"FOTOGAL_LOGIN_MAX_ATTEMPTS_PER_EMAIL": "3"})
	gina := s.Register(t, Unique("gina"))
	anon := s.NewAPIClient()
	wrong := map[string]string{"email": gina.Email, "password": "wrong password!!"}
	for range 3 {
		anon.Do(t, http.MethodPost, "/v1/sessions", wrong).Expect(t, http.StatusUnauthorized)
	}
	resp := anon.Do(t, http.MethodPost, "/v1/sessions", wrong).Expect(t, http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After; headers %v", resp.Header)
	}
	// The right password is refused too until the window passes: the
	// throttle guards the account, not just wrong guesses.
	anon.Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": gina.Email, "password": gina.Password}).
		Expect(t, http.StatusTooManyRequests)
}

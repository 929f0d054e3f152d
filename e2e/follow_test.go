package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// profile is the part of GET /v1/users/{username} the follow tests read.
type profile struct {
	FollowerCount  string `json:"followerCount"`
	FollowingCount string `json:"followingCount"`
	FollowState    string `json:"followState"`
	FollowsYou     bool   `json:"followsYou"`
	CanView        bool   `json:"canView"`
}

func getProfile(t *testing.T, viewer *Person, username string) profile {
	t.Helper()
	var resp struct {
		Profile profile `json:"profile"`
	}
	viewer.Do(t, http.MethodGet, "/v1/users/"+username, nil).Expect(t, http.StatusOK).Decode(t, &resp)
	return resp.Profile
}

// counts asserts who follows whom, as both sides' profiles show it.
func wantCounts(t *testing.T, viewer *Person, username, followers, following string) {
	t.Helper()
	p := getProfile(t, viewer, username)
	if p.FollowerCount != followers || p.FollowingCount != following {
		t.Errorf("%s: followers/following = %s/%s, want %s/%s", username, p.FollowerCount, p.FollowingCount, followers, following)
	}
}

func followState(t *testing.T, resp *Response) string {
	t.Helper()
	var body struct {
		FollowState string `json:"followState"`
	}
	resp.Decode(t, &body)
	return body.FollowState
}

func TestFollowRules(t *testing.T) {
	s := startStack(t, nil)
	pub := s.Register(t, Unique("pub"))
	priv := s.Register(t, Unique("priv"))
	fan := s.Register(t, Unique("fan"))
	priv.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)

	t.Run("public account: FOLLOWING at once, repeat is idempotent", func(t *testing.T) {
		for range 2 {
			resp := fan.Do(t, http.MethodPost, "/v1/users/"+pub.Username+"/follow", nil).Expect(t, http.StatusOK)
			if got := followState(t, resp); got != "FOLLOW_STATE_FOLLOWING" {
				t.Fatalf("follow public = %s, want FOLLOW_STATE_FOLLOWING", got)
			}
		}
		wantCounts(t, fan, pub.Username, "1", "0")
		wantCounts(t, fan, fan.Username, "0", "1")
		if p := getProfile(t, pub, fan.Username); !p.FollowsYou {
			t.Error("followsYou = false after the follow")
		}
	})

	t.Run("unfollow, repeat is idempotent", func(t *testing.T) {
		for range 2 {
			resp := fan.Do(t, http.MethodDelete, "/v1/users/"+pub.Username+"/follow", nil).Expect(t, http.StatusOK)
			if got := followState(t, resp); got != "FOLLOW_STATE_NONE" {
				t.Fatalf("unfollow = %s, want FOLLOW_STATE_NONE", got)
			}
		}
		wantCounts(t, fan, pub.Username, "0", "0")
		wantCounts(t, fan, fan.Username, "0", "0")
	})

	t.Run("private account: REQUESTED until accepted", func(t *testing.T) {
		for range 2 {
			resp := fan.Do(t, http.MethodPost, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
			if got := followState(t, resp); got != "FOLLOW_STATE_REQUESTED" {
				t.Fatalf("follow private = %s, want FOLLOW_STATE_REQUESTED", got)
			}
		}
		wantCounts(t, fan, priv.Username, "0", "0")
		if p := getProfile(t, fan, priv.Username); p.FollowState != "FOLLOW_STATE_REQUESTED" || p.CanView {
			t.Errorf("requester's view of the private profile = %+v", p)
		}
		fan.Do(t, http.MethodGet, "/v1/users/"+priv.Username+"/followers", nil).Expect(t, http.StatusForbidden)
		fan.Do(t, http.MethodGet, "/v1/users/"+priv.Username+"/following", nil).Expect(t, http.StatusForbidden)

		// Only the recipient sees the request.
		if body := string(priv.Do(t, http.MethodGet, "/v1/me/follow-requests", nil).Expect(t, http.StatusOK).Body); !strings.Contains(body, fan.Username) {
			t.Errorf("recipient's requests lack %s: %s", fan.Username, body)
		}
		if body := string(fan.Do(t, http.MethodGet, "/v1/me/follow-requests", nil).Expect(t, http.StatusOK).Body); strings.Contains(body, priv.Username) {
			t.Errorf("the requester sees the request as received: %s", body)
		}
		if body := string(pub.Do(t, http.MethodGet, "/v1/me/follow-requests", nil).Expect(t, http.StatusOK).Body); strings.Contains(body, fan.Username) {
			t.Errorf("a third person sees the request: %s", body)
		}
		pub.Do(t, http.MethodPost, "/v1/me/follow-requests/"+fan.Username+":accept", nil).Expect(t, http.StatusNotFound)

		priv.Do(t, http.MethodPost, "/v1/me/follow-requests/"+fan.Username+":accept", nil).Expect(t, http.StatusOK)
		wantCounts(t, fan, priv.Username, "1", "0")
		wantCounts(t, fan, fan.Username, "0", "1")
		if p := getProfile(t, fan, priv.Username); p.FollowState != "FOLLOW_STATE_FOLLOWING" || !p.CanView {
			t.Errorf("approved follower's view = %+v", p)
		}
		body := string(fan.Do(t, http.MethodGet, "/v1/users/"+priv.Username+"/followers", nil).Expect(t, http.StatusOK).Body)
		if !strings.Contains(body, fan.Username) {
			t.Errorf("followers list lacks the approved follower: %s", body)
		}
	})

	t.Run("remove a follower, repeat is idempotent", func(t *testing.T) {
		for range 2 {
			priv.Do(t, http.MethodDelete, "/v1/me/followers/"+fan.Username, nil).Expect(t, http.StatusOK)
		}
		wantCounts(t, priv, priv.Username, "0", "0")
		wantCounts(t, fan, fan.Username, "0", "0")
		fan.Do(t, http.MethodGet, "/v1/users/"+priv.Username+"/followers", nil).Expect(t, http.StatusForbidden)
	})

	t.Run("reject a request", func(t *testing.T) {
		fan.Do(t, http.MethodPost, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
		priv.Do(t, http.MethodDelete, "/v1/me/follow-requests/"+fan.Username, nil).Expect(t, http.StatusOK)
		if p := getProfile(t, fan, priv.Username); p.FollowState != "FOLLOW_STATE_NONE" {
			t.Errorf("after reject: state %s, want NONE", p.FollowState)
		}
		wantCounts(t, priv, priv.Username, "0", "0")
	})

	t.Run("cancel a request", func(t *testing.T) {
		fan.Do(t, http.MethodPost, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
		fan.Do(t, http.MethodDelete, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
		body := string(priv.Do(t, http.MethodGet, "/v1/me/follow-requests", nil).Expect(t, http.StatusOK).Body)
		if strings.Contains(body, fan.Username) {
			t.Errorf("a cancelled request is still listed: %s", body)
		}
		wantCounts(t, priv, priv.Username, "0", "0")
	})

	t.Run("follow self or an unknown person", func(t *testing.T) {
		fan.Do(t, http.MethodPost, "/v1/users/"+fan.Username+"/follow", nil).Expect(t, http.StatusBadRequest)
		fan.Do(t, http.MethodPost, "/v1/users/nobody_"+fan.Username+"/follow", nil).Expect(t, http.StatusNotFound)
	})

	t.Run("a public profile carries no private fields", func(t *testing.T) {
		body := string(fan.Do(t, http.MethodGet, "/v1/users/"+priv.Username, nil).Expect(t, http.StatusOK).Body)
		for _, secret := range []string{priv.Email, "email", "argon2", "password", "gender"} {
			if strings.Contains(body, secret) {
				t.Errorf("public profile carries %q: %s", secret, body)
			}
		}
	})
}

package e2e

import (
	"net/http"
	"slices"
	"testing"
)

// suggestedUsernames lists, in order, the usernames GET /v1/suggestions
// gives p with the query q ("" for none).
func suggestedUsernames(t *testing.T, p *Person, q string) []string {
	t.Helper()
	var res struct {
		Users []struct {
			Username string `json:"username"`
		} `json:"users"`
	}
	p.Do(t, http.MethodGet, "/v1/suggestions"+q, nil).Expect(t, http.StatusOK).Decode(t, &res)
	var names []string
	for _, u := range res.Users {
		names = append(names, u.Username)
	}
	return names
}

// TestProfessionalAccount: an account made professional with PATCH /v1/me
// says so in GET /v1/me and on its profile, and comes first in the
// suggestions of someone who follows no one, ahead of newer personal
// accounts; made personal again, it falls back to its place by age.
func TestProfessionalAccount(t *testing.T) {
	s := startStack(t, nil)
	viewer := s.Register(t, Unique("viewer"))
	pro := s.Register(t, Unique("pro"))
	newer := s.Register(t, Unique("newer"))
	newest := s.Register(t, Unique("newest"))

	step(t, "PATCH /v1/me sets isProfessional and GET /v1/me returns it", func(t *testing.T) {
		edited := pro.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isProfessional": true}).
			Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
		if edited["isProfessional"] != true {
			t.Errorf("PATCH /v1/me answered %v, want isProfessional true", edited)
		}
		me := pro.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
		if me["isProfessional"] != true || me["fullName"] != "Person "+pro.Username {
			t.Errorf("GET /v1/me = %v, want isProfessional true and the name untouched", me)
		}
	})

	step(t, "the profile shows it to others", func(t *testing.T) {
		tests := []struct {
			name     string
			username string
			want     bool
		}{
			{"professional", pro.Username, true},
			{"personal", newer.Username, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				profile := viewer.Do(t, http.MethodGet, "/v1/users/"+tc.username, nil).
					Expect(t, http.StatusOK).JSON(t)["profile"].(map[string]any)
				if got, ok := profile["isProfessional"].(bool); !ok || got != tc.want {
					t.Errorf("isProfessional of %s = %v, want %v", tc.username, got, tc.want)
				}
			})
		}
	})

	step(t, "a professional account is suggested first", func(t *testing.T) {
		want := []string{pro.Username, newest.Username, newer.Username}
		if got := suggestedUsernames(t, viewer, ""); !slices.Equal(got, want) {
			t.Errorf("suggestions = %v, want %v", got, want)
		}
		if got := suggestedUsernames(t, viewer, "?pageSize=1"); !slices.Equal(got, want[:1]) {
			t.Errorf("suggestions of one = %v, want %v", got, want[:1])
		}
	})

	step(t, "made personal again, it is ranked by age", func(t *testing.T) {
		pro.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isProfessional": false}).Expect(t, http.StatusOK)
		want := []string{newest.Username, newer.Username, pro.Username}
		if got := suggestedUsernames(t, viewer, ""); !slices.Equal(got, want) {
			t.Errorf("suggestions = %v, want %v", got, want)
		}
	})
}

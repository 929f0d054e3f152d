package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// searchUsernames returns the usernames viewer's GET /v1/search/users
// finds for query (with extra parameters), in order.
func searchUsernames(t *testing.T, viewer *Person, query string) []string {
	t.Helper()
	var res struct {
		Users []struct {
			Username string `json:"username"`
			FullName string `json:"fullName"`
		} `json:"users"`
	}
	viewer.Do(t, http.MethodGet, "/v1/search/users?"+query, nil).Expect(t, http.StatusOK).Decode(t, &res)
	names := []string{}
	for _, u := range res.Users {
		names = append(names, u.Username)
	}
	return names
}

func TestSearchUsers(t *testing.T) {
	s := startStack(t, map[string]string{"FOTOGAL_REGISTER_MAX_PER_ADDR": "100"})
	joao := s.Register(t, "joao_silva")
	joao.Do(t, http.MethodPatch, "/v1/me", map[string]any{"fullName": "João Silva"}).Expect(t, http.StatusOK)
	hidden := s.Register(t, "hidden_reis")
	hidden.Do(t, http.MethodPatch, "/v1/me", map[string]any{"fullName": "Joana Reis", "isPrivate": true}).Expect(t, http.StatusOK)
	photo := upload(t, hidden, "only for followers", "photo.png", testimages.PNG(32, 32))
	stranger := s.Register(t, "stranger_1")

	t.Run("by a prefix of the username or a name word, whatever the case and accents", func(t *testing.T) {
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"joao", []string{"joao_silva"}},
			{"JOAO", []string{"joao_silva"}},
			{"Jo%C3%A3o", []string{"joao_silva"}},
			{"silv", []string{"joao_silva"}},
			{"jo", []string{"hidden_reis", "joao_silva"}},
			{"nobody", []string{}},
		} {
			if got := searchUsernames(t, stranger, "q="+tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("q=%s: got %q, want %q", tc.q, got, tc.want)
			}
		}
	})

	t.Run("a private account is found, its photos stay private", func(t *testing.T) {
		if got := searchUsernames(t, stranger, "q=joana"); !slices.Equal(got, []string{"hidden_reis"}) {
			t.Fatalf("q=joana: got %q, want the private account", got)
		}
		stranger.Do(t, http.MethodGet, "/v1/users/hidden_reis/images", nil).Expect(t, http.StatusForbidden)
		stranger.Do(t, http.MethodGet, "/v1/images/"+photo, nil).Expect(t, http.StatusNotFound)
	})

	t.Run("refused", func(t *testing.T) {
		s.NewAPIClient().Do(t, http.MethodGet, "/v1/search/users?q=joao", nil).Expect(t, http.StatusUnauthorized)
		stranger.Do(t, http.MethodGet, "/v1/search/users?q=", nil).Expect(t, http.StatusBadRequest)
		stranger.Do(t, http.MethodGet, "/v1/search/users?q="+url.QueryEscape("   "), nil).Expect(t, http.StatusBadRequest)
	})

	t.Run("at most 20 people", func(t *testing.T) {
		client := s.NewAPIClient()
		for i := range 22 {
			name := fmt.Sprintf("mara_%02d", i)
			client.Do(t, http.MethodPost, "/v1/users", map[string]string{
				"email": name + "@example.com", "fullName": "Mara", "username": name, "password": "correct horse " + name,
			}).Expect(t, http.StatusOK)
		}
		if got := searchUsernames(t, stranger, "q=mara&pageSize=50"); len(got) != 20 {
			t.Errorf("pageSize=50: %d people, want 20", len(got))
		}
		if got := searchUsernames(t, stranger, "q=mara&pageSize=3"); len(got) != 3 || !slices.IsSorted(got) {
			t.Errorf("pageSize=3: got %q, want three people by username", got)
		}
	})
}

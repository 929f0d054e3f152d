package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// newPerson returns a valid account with username and fullName, not yet
// stored.
func newPerson(username, fullName string) *store.User {
	u := newUser(username)
	u.FullName = fullName
	return u
}

// search runs SearchUsers and returns the usernames found, in order.
func search(t *testing.T, s store.Store, q store.SearchQuery) []string {
	t.Helper()
	users, err := s.SearchUsers(context.Background(), q)
	if err != nil {
		t.Fatalf("SearchUsers(%+v): %v", q, err)
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	return names
}

func testSearch(t *testing.T, s store.Store) {
	ctx := context.Background()
	joao := mustCreate(t, s, newPerson("joao_silva", "João da Silva"))
	mustCreate(t, s, newPerson("mari", "Mariana Costa"))
	mustCreate(t, s, newPerson("aaron_x", "Mari Lou"))
	mustCreate(t, s, newPerson("maria_1", "Maria Maria Marques"))
	mustCreate(t, s, newPerson("Zoe_Ng", "ZOË NG"))
	long := strings.Repeat("wolfeschlegel", 4) // 52 letters, one word
	mustCreate(t, s, newPerson("long_name", "Hubert "+long))

	for _, tc := range []struct {
		name, q string
		want    []string
	}{
		{"prefix of a username", "joao_s", []string{"joao_silva"}},
		{"whole username", "joao_silva", []string{"joao_silva"}},
		{"prefix of the first word", "joa", []string{"joao_silva"}},
		{"prefix of a middle word", "da", []string{"joao_silva"}},
		{"prefix of the last word", "silv", []string{"joao_silva"}},
		{"without the accent", "joao", []string{"joao_silva"}},
		{"upper case with the accent", "JOÃO", []string{"joao_silva"}},
		{"accent in the query only", "sílv", []string{"joao_silva"}},
		{"diaeresis and case", "zoe", []string{"Zoe_Ng"}},
		{"username in another case", "ZOE_NG", []string{"Zoe_Ng"}},
		{"no match", "xavier", []string{}},
		{"more than a word", "joao da", []string{}},
		{"punctuation only", "--", []string{}},
		{"exact username first, then by username", "mari", []string{"mari", "aaron_x", "maria_1"}},
		{"a person matching on three words counts once", "maria", []string{"mari", "maria_1"}},
		{"a long word by its cut start", long[:32], []string{"long_name"}},
		{"a long word by its whole start", long[:45], []string{"long_name"}},
		{"a long word's cut start with another end", long[:32] + "zzz", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := search(t, s, store.SearchQuery{Prefix: tc.q, Limit: 20})
			if !slices.Equal(got, tc.want) {
				t.Errorf("SearchUsers(%q) = %q, want %q", tc.q, got, tc.want)
			}
		})
	}

	t.Run("limit", func(t *testing.T) {
		for limit := range 4 {
			if got := search(t, s, store.SearchQuery{Prefix: "mar", Limit: limit}); len(got) != min(limit, 3) {
				t.Errorf("limit %d: got %q, want %d people", limit, got, min(limit, 3))
			}
		}
	})

	t.Run("excluded people are left out and others take their place", func(t *testing.T) {
		maria, err := s.GetUserByUsername(ctx, "maria_1")
		if err != nil {
			t.Fatal(err)
		}
		mari, err := s.GetUserByUsername(ctx, "mari")
		if err != nil {
			t.Fatal(err)
		}
		got := search(t, s, store.SearchQuery{Prefix: "mari", Limit: 2, ExcludeIDs: []string{mari.ID, maria.ID}})
		if want := []string{"aaron_x"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("a rename moves the terms", func(t *testing.T) {
		if _, err := s.UpdateUser(ctx, joao.ID, func(u *store.User) error {
			u.FullName = "João Pereira"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"silv", []string{}},
			{"da", []string{}},
			{"pere", []string{"joao_silva"}},
			{"joao", []string{"joao_silva"}},
		} {
			if got := search(t, s, store.SearchQuery{Prefix: tc.q, Limit: 20}); !slices.Equal(got, tc.want) {
				t.Errorf("after the rename, SearchUsers(%q) = %q, want %q", tc.q, got, tc.want)
			}
		}
	})

	t.Run("an update that keeps the name keeps the terms", func(t *testing.T) {
		if _, err := s.UpdateUser(ctx, joao.ID, func(u *store.User) error {
			u.Bio = "Lisboa"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := search(t, s, store.SearchQuery{Prefix: "pere", Limit: 20}), []string{"joao_silva"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// testSearchCrowded pages through 500 people who all match a prefix twice,
// by username and by a word of their name.
func testSearchCrowded(t *testing.T, s store.Store) {
	const n = 500
	var want []string
	for i := range n {
		u := mustCreate(t, s, newPerson(fmt.Sprintf("zed_%03d", i), fmt.Sprintf("Zedekiah %d", i)))
		want = append(want, u.Username)
	}
	mustCreate(t, s, newPerson("zebra", "Other Name"))
	for _, limit := range []int{1, 20, 499, n} {
		got := search(t, s, store.SearchQuery{Prefix: "zed", Limit: limit})
		if !slices.Equal(got, want[:limit]) {
			t.Errorf("limit %d: got %d people (%q...), want the first %d zed_ by username", limit, len(got), got[:min(len(got), 3)], limit)
		}
	}
	if got := search(t, s, store.SearchQuery{Prefix: "ZE", Limit: n + 10}); len(got) != n+1 {
		t.Errorf("ZE: got %d people, want %d", len(got), n+1)
	}
}

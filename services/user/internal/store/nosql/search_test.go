package nosql_test

import (
	"context"
	"slices"
	"testing"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

const searchTable = "fotogal_ntable_usersearch"

// termsOf returns the terms the search table holds for id, sorted.
func termsOf(f *ocifake.NoSQL, id string) []string {
	var terms []string
	for _, row := range f.Rows(searchTable) {
		if row["user_id"] == id {
			terms = append(terms, row["term"].(string))
		}
	}
	slices.Sort(terms)
	return terms
}

func TestSearchRowsFollowTheName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := newStore(t)
	u := newUser("Joao_S", "joao@example.com")
	u.FullName = "João da Silva"
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, want := termsOf(f, u.ID), []string{"da", "joao", "joao_s", "silva"}; !slices.Equal(got, want) {
		t.Errorf("after CreateUser: terms %q, want %q", got, want)
	}
	if _, err := s.UpdateUser(ctx, u.ID, func(u *store.User) error { u.FullName = "João Pereira"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, want := termsOf(f, u.ID), []string{"joao", "joao_s", "pereira"}; !slices.Equal(got, want) {
		t.Errorf("after the rename: terms %q, want %q", got, want)
	}
}

func TestOpenBackfillsTheSearchIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c, f := newStore(t)
	var users []*store.User
	for _, name := range []string{"Ann_1", "Bob_1", "Cid_1"} {
		u := newUser(name, name+"@example.com")
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	// An index from before search existed: no row.
	for _, row := range f.Rows(searchTable) {
		key := types.NewMapValue(map[string]any{"user_id": row["user_id"], "term": row["term"]})
		if _, err := c.Delete(ctx, &nosqldb.DeleteRequest{TableName: searchTable, Key: key}); err != nil {
			t.Fatal(err)
		}
	}
	again := open(t, c)
	for _, u := range users {
		got, err := again.SearchUsers(ctx, store.SearchQuery{Prefix: u.Username, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != u.ID {
			t.Errorf("SearchUsers(%q) after the backfill: %v, want %s", u.Username, got, u.ID)
		}
	}
	for _, u := range users {
		want := store.SearchTerms(u)
		slices.Sort(want)
		if got := termsOf(f, u.ID); !slices.Equal(got, want) {
			t.Errorf("%s after the backfill: terms %q, want %q", u.Username, got, want)
		}
	}
}

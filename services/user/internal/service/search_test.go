package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// rename sets who's full name.
func (e *env) rename(t *testing.T, who person, fullName string) {
	t.Helper()
	if _, err := e.users.UpdateProfile(who.ctx, &userv1.UpdateProfileRequest{FullName: new(fullName)}); err != nil {
		t.Fatalf("rename %s: %v", who.user.GetUsername(), err)
	}
}

// searchNames returns the usernames viewer's search for q finds, in order.
func (e *env) searchNames(t *testing.T, viewer person, q string) []string {
	t.Helper()
	resp, err := e.users.SearchUsers(viewer.ctx, &userv1.SearchUsersRequest{Q: q})
	if err != nil {
		t.Fatalf("SearchUsers(%q): %v", q, err)
	}
	var names []string
	for _, u := range resp.GetUsers() {
		names = append(names, u.GetUsername())
	}
	return names
}

func TestSearchUsers(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	joao := e.register(t, "joao_silva")
	e.rename(t, joao, "João Silva")
	hidden := e.register(t, "Hidden_1")
	e.rename(t, hidden, "Joana Reis")
	e.makePrivate(t, hidden, true)

	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"joao", []string{"joao_silva"}},
		{"  JOÃO ", []string{"joao_silva"}},
		{"silv", []string{"joao_silva"}},
		{"jo", []string{"Hidden_1", "joao_silva"}},
		{"joana", []string{"Hidden_1"}},
		{"ann", []string{"Ann_1"}},
		{"nobody", nil},
		{"--", nil},
	} {
		if got := e.searchNames(t, ann, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("SearchUsers(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}

	t.Run("summaries carry the caller's follow state", func(t *testing.T) {
		e.follow(t, ann, "joao_silva", following)
		e.follow(t, ann, "hidden_1", requested)
		resp, err := e.users.SearchUsers(ann.ctx, &userv1.SearchUsersRequest{Q: "j"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]userv1.FollowState{}
		for _, u := range resp.GetUsers() {
			got[u.GetUsername()] = u.GetFollowState()
		}
		want := map[string]userv1.FollowState{"joao_silva": following, "Hidden_1": requested}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("states %v, want %v", got, want)
		}
		self, err := e.users.SearchUsers(ann.ctx, &userv1.SearchUsersRequest{Q: "ann_1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(self.GetUsers()) != 1 || self.GetUsers()[0].GetFollowState() != userv1.FollowState_FOLLOW_STATE_SELF {
			t.Errorf("searching oneself: %v, want oneself with state SELF", self.GetUsers())
		}
		if u := self.GetUsers()[0]; u.GetFullName() != "Full Ann_1" || u.GetUserId() != ann.user.GetUserId() {
			t.Errorf("summary %v, want Ann_1's id and full name", u)
		}
	})
}

func TestSearchUsersPageSize(t *testing.T) {
	e := newEnv(t)
	viewer := e.register(t, "viewer_1")
	// More people than the registration throttle lets one address make.
	for i := range 25 {
		name := fmt.Sprintf("mara_%02d", i)
		at := time.Now().UTC()
		u := &store.User{ID: "id-" + name, Email: name + "@example.com", Username: name, FullName: "Mara", CreatedAt: at, UpdatedAt: at}
		if err := e.store.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		pageSize int32
		want     int
	}{{0, 20}, {5, 5}, {20, 20}, {50, 20}} {
		resp, err := e.users.SearchUsers(viewer.ctx, &userv1.SearchUsersRequest{Q: "mara", PageSize: tc.pageSize})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(resp.GetUsers()); got != tc.want {
			t.Errorf("page size %d: %d people, want %d", tc.pageSize, got, tc.want)
		}
	}
}

func TestSearchUsersRefuses(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")

	_, err := e.users.SearchUsers(context.Background(), &userv1.SearchUsersRequest{Q: "ann"})
	wantCode(t, err, codes.Unauthenticated)

	for _, tc := range []struct {
		name      string
		req       *userv1.SearchUsersRequest
		wantField string
	}{
		{"no query", &userv1.SearchUsersRequest{}, "q"},
		{"only spaces", &userv1.SearchUsersRequest{Q: " \t "}, "q"},
		{"101 characters", &userv1.SearchUsersRequest{Q: strings.Repeat("ã", 101)}, "q"},
		{"negative page size", &userv1.SearchUsersRequest{Q: "ann", PageSize: -1}, "page_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.users.SearchUsers(ann.ctx, tc.req)
			wantCode(t, err, codes.InvalidArgument)
			if got := violatedFields(err); !slices.Equal(got, []string{tc.wantField}) {
				t.Errorf("fields %q, want %q", got, tc.wantField)
			}
		})
	}

	if _, err := e.users.SearchUsers(ann.ctx, &userv1.SearchUsersRequest{Q: strings.Repeat("ã", 100)}); err != nil {
		t.Errorf("a query of 100 characters: %v, want none found", err)
	}
}

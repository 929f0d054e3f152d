package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// usernameHold is how long the deletions of these tests hold a username;
// nothing here waits for it, the stores only keep it.
const usernameHold = 30 * 24 * time.Hour

// newDeletion returns the record of a deletion of userID, who registered
// username, requested now.
func newDeletion(userID, username string) store.Deletion {
	at := now()
	return store.Deletion{
		UserID: userID, Username: username, Step: store.DeletionRequested,
		RequestedAt: at, StepAt: at, ReleaseAt: at.Add(usernameHold),
	}
}

// diffDeletions names the first field in which got and want differ.
func diffDeletions(got, want store.Deletion) string {
	switch {
	case got.UserID != want.UserID, got.Username != want.Username:
		return "identity"
	case got.Step != want.Step:
		return fmt.Sprintf("step %d, want %d", got.Step, want.Step)
	case !got.RequestedAt.Equal(want.RequestedAt), !got.StepAt.Equal(want.StepAt), !got.ReleaseAt.Equal(want.ReleaseAt):
		return "times"
	}
	return ""
}

func mustPutDeletion(t *testing.T, s store.Store, d store.Deletion) store.Deletion {
	t.Helper()
	got, err := s.PutDeletion(context.Background(), d)
	if err != nil {
		t.Fatalf("PutDeletion(%s): %v", d.UserID, err)
	}
	return got
}

func testDeletionRecords(t *testing.T, s store.Store) {
	ctx := context.Background()
	get := func(userID string) store.Deletion {
		t.Helper()
		d, err := s.GetDeletion(ctx, userID)
		if err != nil {
			t.Fatalf("GetDeletion(%s): %v", userID, err)
		}
		return d
	}

	if _, err := s.GetDeletion(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetDeletion of nobody: got %v, want ErrNotFound", err)
	}
	first := newDeletion("del-c", "Cee_1")
	if got := mustPutDeletion(t, s, first); diffDeletions(got, first) != "" {
		t.Errorf("PutDeletion: got %+v, want %+v", got, first)
	}

	t.Run("PutDeletion twice keeps the first", func(t *testing.T) {
		second := newDeletion("del-c", "Other_1")
		second.Step = store.DeletionImagesDone
		if got := mustPutDeletion(t, s, second); diffDeletions(got, first) != "" {
			t.Errorf("second PutDeletion returned %+v, want the first %+v (%s)", got, first, diffDeletions(got, first))
		}
		if got := get("del-c"); diffDeletions(got, first) != "" {
			t.Errorf("stored %+v, want the first %+v (%s)", got, first, diffDeletions(got, first))
		}
	})

	t.Run("AdvanceDeletion never moves back", func(t *testing.T) {
		reached := now()
		steps := []struct {
			step     store.DeletionStep
			at       time.Time
			wantStep store.DeletionStep
			wantAt   time.Time
			what     string
		}{
			{store.DeletionImagesDone, reached, store.DeletionImagesDone, reached, "forward, past steps"},
			{store.DeletionSessionsDone, now(), store.DeletionImagesDone, reached, "back"},
			{store.DeletionAccountDone, now(), store.DeletionImagesDone, reached, "back again"},
			{store.DeletionImagesDone, now(), store.DeletionImagesDone, reached, "to the same step"},
			{store.DeletionRequested, now(), store.DeletionImagesDone, reached, "back to the start"},
		}
		for _, tc := range steps {
			if err := s.AdvanceDeletion(ctx, "del-c", tc.step, tc.at); err != nil {
				t.Fatalf("%s: %v", tc.what, err)
			}
			got := get("del-c")
			if got.Step != tc.wantStep || !got.StepAt.Equal(tc.wantAt) {
				t.Errorf("%s: step %d at %v, want %d at %v", tc.what, got.Step, got.StepAt, tc.wantStep, tc.wantAt)
			}
			if got.Username != first.Username || !got.RequestedAt.Equal(first.RequestedAt) || !got.ReleaseAt.Equal(first.ReleaseAt) {
				t.Errorf("%s: changed more than the step: %+v", tc.what, got)
			}
		}
		done := now()
		if err := s.AdvanceDeletion(ctx, "del-c", store.DeletionComplete, done); err != nil {
			t.Fatal(err)
		}
		if got := get("del-c"); got.Step != store.DeletionComplete || !got.StepAt.Equal(done) {
			t.Errorf("to the last step: got step %d at %v, want %d at %v", got.Step, got.StepAt, store.DeletionComplete, done)
		}
		if err := s.AdvanceDeletion(ctx, "nobody", store.DeletionComplete, now()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AdvanceDeletion of nobody: got %v, want ErrNotFound", err)
		}
		if _, err := s.GetDeletion(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AdvanceDeletion of nobody recorded a deletion: %v", err)
		}
	})

	want := []string{"del-c"}
	for _, id := range []string{"del-e", "del-a", "del-f", "del-b", "del-d"} {
		mustPutDeletion(t, s, newDeletion(id, "N"+id))
		want = append(want, id)
	}
	slices.Sort(want)
	listAll := func(limit int) []string {
		t.Helper()
		var ids []string
		after := ""
		for range len(want) + 2 {
			page, err := s.ListDeletions(ctx, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > limit {
				t.Fatalf("page of %d, want at most %d", len(page), limit)
			}
			if len(page) == 0 {
				return ids
			}
			for _, d := range page {
				ids = append(ids, d.UserID)
			}
			after = page[len(page)-1].UserID
		}
		t.Fatal("paging does not end")
		return nil
	}

	t.Run("ListDeletions pages by user id", func(t *testing.T) {
		for _, limit := range []int{1, 2, 4, 100} {
			if got := listAll(limit); !slices.Equal(got, want) {
				t.Errorf("page size %d: got %v, want %v", limit, got, want)
			}
		}
		page, err := s.ListDeletions(ctx, "del-c", 2)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range page {
			got = append(got, d.UserID)
		}
		if want := []string{"del-d", "del-e"}; !slices.Equal(got, want) {
			t.Errorf("after del-c: got %v, want %v", got, want)
		}
		if diff := diffDeletions(page[0], get("del-d")); diff != "" {
			t.Errorf("listed %+v, not as stored (%s)", page[0], diff)
		}
	})

	t.Run("ReleaseUsername deletes the record", func(t *testing.T) {
		for range 2 {
			if err := s.ReleaseUsername(ctx, "del-a"); err != nil {
				t.Fatalf("ReleaseUsername: %v", err)
			}
		}
		if _, err := s.GetDeletion(ctx, "del-a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetDeletion after ReleaseUsername: got %v, want ErrNotFound", err)
		}
		if got := listAll(100); slices.Contains(got, "del-a") || len(got) != len(want)-1 {
			t.Errorf("listed after the release: %v", got)
		}
		if err := s.ReleaseUsername(ctx, "nobody"); err != nil {
			t.Errorf("ReleaseUsername of nobody: %v", err)
		}
	})
}

func testDeleteAccount(t *testing.T, s store.Store) {
	ctx := context.Background()
	gone := mustCreate(t, s, newPerson("Gone_1", "Gwendolyn Parting"))
	stay := mustCreate(t, s, newPerson("Stay_1", "Gwen Remaining"))
	mustPutDeletion(t, s, newDeletion(gone.ID, gone.Username))
	for i := range 2 {
		if err := s.DeleteAccount(ctx, gone.ID); err != nil {
			t.Fatalf("DeleteAccount, call %d: %v", i+1, err)
		}
	}
	if err := s.DeleteAccount(ctx, "nobody"); err != nil {
		t.Errorf("DeleteAccount of nobody: %v", err)
	}

	t.Run("the account is not found", func(t *testing.T) {
		lookups := []struct {
			name string
			get  func() (*store.User, error)
		}{
			{"GetUser", func() (*store.User, error) { return s.GetUser(ctx, gone.ID) }},
			{"GetUserByUsername", func() (*store.User, error) { return s.GetUserByUsername(ctx, "gONE_1") }},
			{"GetUserByEmail", func() (*store.User, error) { return s.GetUserByEmail(ctx, strings.ToUpper(gone.Email)) }},
		}
		for _, tc := range lookups {
			if u, err := tc.get(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: got %v, %v, want ErrNotFound", tc.name, u, err)
			}
		}
		byID, err := s.GetUsers(ctx, []string{gone.ID, stay.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sortedKeys(byID), []string{stay.ID}; !slices.Equal(got, want) {
			t.Errorf("GetUsers: got %v, want %v", got, want)
		}
		byName, err := s.GetUsersByUsernames(ctx, []string{gone.Username, stay.Username})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sortedKeys(byName), []string{stay.ID}; !slices.Equal(got, want) {
			t.Errorf("GetUsersByUsernames: got %v, want %v", got, want)
		}
	})

	t.Run("search does not find it", func(t *testing.T) {
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"gone", []string{}},
			{"parting", []string{}},
			{"gwen", []string{"Stay_1"}},
		} {
			got := search(t, s, store.SearchQuery{Prefix: tc.q, Limit: 10})
			if len(got) == 0 {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("SearchUsers(%q) = %v, want %v", tc.q, got, tc.want)
			}
		}
	})

	t.Run("the email is free at once", func(t *testing.T) {
		u := newUser("Newcomer_1")
		u.Email = strings.ToUpper(gone.Email)
		mustCreate(t, s, u)
		if got, err := s.GetUserByEmail(ctx, gone.Email); err != nil || got.ID != u.ID {
			t.Errorf("GetUserByEmail: got %v, %v, want %s", got, err, u.ID)
		}
	})

	claimant := func(username string) *store.User {
		u := newUser(username)
		u.ID, u.Email = "id-claimant-"+username, "claimant-"+strings.ToLower(username)+"@example.com"
		return u
	}
	t.Run("the username stays taken while the deletion is recorded", func(t *testing.T) {
		for _, step := range []store.DeletionStep{store.DeletionAccountDone, store.DeletionComplete} {
			if err := s.AdvanceDeletion(ctx, gone.ID, step, now()); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"Gone_1", "gONE_1"} {
				if err := s.CreateUser(ctx, claimant(name)); !errors.Is(err, store.ErrUsernameTaken) {
					t.Errorf("at step %d, CreateUser(%s): got %v, want ErrUsernameTaken", step, name, err)
				}
			}
		}
	})

	t.Run("ReleaseUsername frees it", func(t *testing.T) {
		if err := s.ReleaseUsername(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		heir := mustCreate(t, s, claimant("gONE_1"))
		// Another release finds no record and leaves the new claim alone.
		if err := s.ReleaseUsername(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetUserByUsername(ctx, "Gone_1"); err != nil || got.ID != heir.ID {
			t.Errorf("GetUserByUsername: got %v, %v, want %s", got, err, heir.ID)
		}
	})

	t.Run("ReleaseUsername leaves a claim of another account", func(t *testing.T) {
		// A record naming a username that another account holds: the
		// claim is that account's and stays.
		mustPutDeletion(t, s, newDeletion("id-ghost", stay.Username))
		if err := s.ReleaseUsername(ctx, "id-ghost"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetUserByUsername(ctx, stay.Username); err != nil || got.ID != stay.ID {
			t.Errorf("GetUserByUsername(%s): got %v, %v, want %s", stay.Username, got, err, stay.ID)
		}
		if err := s.CreateUser(ctx, claimant(stay.Username)); !errors.Is(err, store.ErrUsernameTaken) {
			t.Errorf("CreateUser(%s): got %v, want ErrUsernameTaken", stay.Username, err)
		}
		if _, err := s.GetDeletion(ctx, "id-ghost"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetDeletion after ReleaseUsername: got %v, want ErrNotFound", err)
		}
	})
}

// relationsOf are the ids of testDeleteRelations: x, whose relations are
// deleted, and the people around x, linked as setUpRelations says.
type relationsOf struct {
	x, a, b, c, d, e, f, g, h string
}

func testDeleteRelations(t *testing.T, s store.Store) {
	tests := []struct {
		limit int
		// extraFollowers are more followers of x, so that one call meets
		// more rows of one kind than one write of a batch holds.
		extraFollowers int
		wantCalls      int
	}{
		{limit: 1, wantCalls: 8},
		{limit: 3, wantCalls: 3},
		{limit: 8, wantCalls: 1},
		{limit: 100, extraFollowers: 120, wantCalls: 2},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("limit %d", tc.limit), func(t *testing.T) {
			p := func(name string) string { return fmt.Sprintf("r%d-%s", tc.limit, name) }
			ids := relationsOf{x: p("x"), a: p("a"), b: p("b"), c: p("c"), d: p("d"), e: p("e"), f: p("f"), g: p("g"), h: p("h")}
			setUpRelations(t, s, ids)
			var fans []string
			for i := range tc.extraFollowers {
				fans = append(fans, p(fmt.Sprintf("fan-%03d", i)))
				if _, err := s.PutFollowIfAbsent(context.Background(), store.Follow{
					FollowerID: fans[i], FolloweeID: ids.x, State: store.FollowFollowing, CreatedAt: now(),
				}); err != nil {
					t.Fatal(err)
				}
			}
			calls := 0
			for done := false; !done; {
				if calls++; calls > 2*tc.wantCalls+10 {
					t.Fatalf("not done after %d calls", calls-1)
				}
				var err error
				if done, err = s.DeleteRelations(context.Background(), ids.x, tc.limit); err != nil {
					t.Fatalf("DeleteRelations, call %d: %v", calls, err)
				}
			}
			if calls != tc.wantCalls {
				t.Errorf("done after %d calls, want %d: every call but the last leaves rows, the last none", calls, tc.wantCalls)
			}
			checkRelationsGone(t, s, ids, fans)
			if done, err := s.DeleteRelations(context.Background(), ids.x, tc.limit); err != nil || !done {
				t.Errorf("DeleteRelations once more: got %v, %v, want done", done, err)
			}
		})
	}
}

// setUpRelations links ids.x to each of the others in one way, and the
// others among themselves: x follows a, b follows x, c asked to follow x,
// x asked to follow d (private), x blocked e, f blocked x, x muted g, h
// muted x; a and b follow each other, c asked to follow d, e blocked f, g
// muted h.
func setUpRelations(t *testing.T, s store.Store, ids relationsOf) {
	t.Helper()
	ctx := context.Background()
	for _, f := range []store.Follow{
		{FollowerID: ids.x, FolloweeID: ids.a, State: store.FollowFollowing},
		{FollowerID: ids.b, FolloweeID: ids.x, State: store.FollowFollowing},
		{FollowerID: ids.c, FolloweeID: ids.x, State: store.FollowRequested},
		{FollowerID: ids.x, FolloweeID: ids.d, State: store.FollowRequested},
		{FollowerID: ids.a, FolloweeID: ids.b, State: store.FollowFollowing},
		{FollowerID: ids.b, FolloweeID: ids.a, State: store.FollowFollowing},
		{FollowerID: ids.c, FolloweeID: ids.d, State: store.FollowRequested},
	} {
		f.CreatedAt = now()
		if _, err := s.PutFollowIfAbsent(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range [][2]string{{ids.x, ids.e}, {ids.f, ids.x}, {ids.e, ids.f}} {
		if err := s.PutBlock(ctx, b[0], b[1], now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{ids.x, ids.g}, {ids.h, ids.x}, {ids.g, ids.h}} {
		if err := s.PutMute(ctx, m[0], m[1], now()); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRelationsGone checks, through every read of the follow graph, the
// blocks and the mutes, that nothing links ids.x to anyone (fans included)
// and that the others' links among themselves are as setUpRelations made
// them.
func checkRelationsGone(t *testing.T, s store.Store, ids relationsOf, fans []string) {
	t.Helper()
	ctx := context.Background()
	everyone := []string{ids.a, ids.b, ids.c, ids.d, ids.e, ids.f, ids.g, ids.h}
	for _, dir := range []store.Direction{store.Followers, store.Following} {
		for _, state := range []store.FollowState{store.FollowFollowing, store.FollowRequested} {
			page, err := s.ListFollows(ctx, store.ListFollowsQuery{UserID: ids.x, Direction: dir, State: state, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Follows) != 0 {
				t.Errorf("ListFollows(x, %d, %s): %v, want none", dir, state, page.Follows)
			}
			if n, err := s.CountFollows(ctx, ids.x, dir, state); err != nil || n != 0 {
				t.Errorf("CountFollows(x, %d, %s) = %d, %v, want 0", dir, state, n, err)
			}
		}
	}
	if states, err := s.GetFollowStates(ctx, ids.x, everyone); err != nil || len(states) != 0 {
		t.Errorf("GetFollowStates(x, ...) = %v, %v, want none", states, err)
	}
	for _, other := range slices.Concat(everyone, fans) {
		if states, err := s.GetFollowStates(ctx, other, []string{ids.x}); err != nil || len(states) != 0 {
			t.Errorf("GetFollowStates(%s, x) = %v, %v, want none", other, states, err)
		}
	}

	if got, err := s.BlockedIDs(ctx, ids.x); err != nil || len(got) != 0 {
		t.Errorf("BlockedIDs(x) = %v, %v, want none", got, err)
	}
	for _, other := range []string{ids.e, ids.f} {
		if ab, ba, err := s.BlocksBetween(ctx, ids.x, other); err != nil || ab || ba {
			t.Errorf("BlocksBetween(x, %s) = %v, %v, %v, want none", other, ab, ba, err)
		}
	}
	if got, err := s.MutedIDs(ctx, ids.x); err != nil || len(got) != 0 {
		t.Errorf("MutedIDs(x) = %v, %v, want none", got, err)
	}
	for _, tc := range []struct{ muter, muted string }{{ids.x, ids.g}, {ids.h, ids.x}} {
		if muted, err := s.IsMuted(ctx, tc.muter, tc.muted); err != nil || muted {
			t.Errorf("IsMuted(%s, %s) = %v, %v, want false", tc.muter, tc.muted, muted, err)
		}
	}
	for _, user := range []string{ids.x, ids.f, ids.h} {
		for what, list := range map[string]func(context.Context, store.ListPeopleQuery) (store.PeoplePage, error){
			"ListBlocks": s.ListBlocks, "ListMutes": s.ListMutes,
		} {
			page, err := list(ctx, store.ListPeopleQuery{UserID: user, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(page.UserIDs, ids.x) || (user == ids.x && len(page.UserIDs) != 0) {
				t.Errorf("%s(%s) = %v, want no x", what, user, page.UserIDs)
			}
		}
	}

	t.Run("the others' links stay", func(t *testing.T) {
		if states, err := s.GetFollowStates(ctx, ids.a, []string{ids.b}); err != nil || states[ids.b] != store.FollowFollowing {
			t.Errorf("a follows b: %v, %v", states, err)
		}
		if states, err := s.GetFollowStates(ctx, ids.c, []string{ids.d}); err != nil || states[ids.d] != store.FollowRequested {
			t.Errorf("c asked to follow d: %v, %v", states, err)
		}
		if ab, _, err := s.BlocksBetween(ctx, ids.e, ids.f); err != nil || !ab {
			t.Errorf("e blocked f: %v, %v", ab, err)
		}
		if got, err := s.BlockedIDs(ctx, ids.f); err != nil || !slices.Equal(got, []string{ids.e}) {
			t.Errorf("BlockedIDs(f) = %v, %v, want [e]", got, err)
		}
		if muted, err := s.IsMuted(ctx, ids.g, ids.h); err != nil || !muted {
			t.Errorf("g muted h: %v, %v", muted, err)
		}
		counts := []struct {
			user  string
			dir   store.Direction
			state store.FollowState
			want  int64
		}{
			{ids.a, store.Followers, store.FollowFollowing, 1},
			{ids.a, store.Following, store.FollowFollowing, 1},
			{ids.b, store.Following, store.FollowFollowing, 1},
			{ids.b, store.Followers, store.FollowFollowing, 1},
			{ids.d, store.Followers, store.FollowRequested, 1},
			{ids.c, store.Following, store.FollowRequested, 1},
		}
		for _, tc := range counts {
			if n, err := s.CountFollows(ctx, tc.user, tc.dir, tc.state); err != nil || n != tc.want {
				t.Errorf("CountFollows(%s, %d, %s) = %d, %v, want %d", tc.user, tc.dir, tc.state, n, err, tc.want)
			}
		}
		page, err := s.ListFollows(ctx, store.ListFollowsQuery{UserID: ids.a, Direction: store.Followers, State: store.FollowFollowing, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Follows) != 1 || page.Follows[0].FollowerID != ids.b {
			t.Errorf("followers of a: %v, want b alone", page.Follows)
		}
	})
}

// Package storetest is the contract every store.Store implementation
// passes: each adapter's test calls Run with a constructor of fresh, empty
// stores.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitytest"
	"github.com/fotogal/fotogal/pkg/counters/counterstest"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// Run runs the contract suite against the stores newStore makes; each call
// of newStore must return a new, empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("CreateAndGetUser", func(t *testing.T) { testCreateAndGetUser(t, newStore(t)) })
	t.Run("UniqueEmailAndUsername", func(t *testing.T) { testUnique(t, newStore(t)) })
	t.Run("ConcurrentCreateOneUsername", func(t *testing.T) { testConcurrentCreate(t, newStore(t)) })
	t.Run("GetUsersInBatch", func(t *testing.T) { testGetUsers(t, newStore(t)) })
	t.Run("UpdateUser", func(t *testing.T) { testUpdateUser(t, newStore(t)) })
	t.Run("UpdateUserConcurrently", func(t *testing.T) { testUpdateUserConcurrently(t, newStore(t)) })
	t.Run("FollowEdges", func(t *testing.T) { testFollowEdges(t, newStore(t)) })
	t.Run("ListFollowsPagingAcrossInserts", func(t *testing.T) { testPaging(t, newStore(t)) })
	t.Run("ListFollowsFollowedAfter", func(t *testing.T) { testFollowedAfter(t, newStore(t)) })
	t.Run("ListSuggestions", func(t *testing.T) { testSuggestions(t, newStore(t)) })
	t.Run("SearchUsers", func(t *testing.T) { testSearch(t, newStore(t)) })
	t.Run("SearchUsersCrowded", func(t *testing.T) { testSearchCrowded(t, newStore(t)) })
	t.Run("Blocks", func(t *testing.T) { testBlocks(t, newStore(t)) })
	t.Run("Mutes", func(t *testing.T) { testMutes(t, newStore(t)) })
	t.Run("DeletionRecords", func(t *testing.T) { testDeletionRecords(t, newStore(t)) })
	t.Run("DeleteAccount", func(t *testing.T) { testDeleteAccount(t, newStore(t)) })
	t.Run("DeleteRelations", func(t *testing.T) { testDeleteRelations(t, newStore(t)) })
	counterstest.Run(t, func(t *testing.T) store.Counters { return newStore(t) })
	activitytest.Run(t, func(t *testing.T) activity.Log { return newStore(t) })
}

var clock = struct {
	sync.Mutex
	last time.Time
}{}

// now returns strictly increasing UTC times, in microseconds so that every
// backend keeps them exactly.
func now() time.Time {
	clock.Lock()
	defer clock.Unlock()
	t := time.Now().UTC().Truncate(time.Microsecond)
	if !t.After(clock.last) {
		t = clock.last.Add(time.Microsecond)
	}
	clock.last = t
	return t
}

// newUser returns a valid account named name, not yet stored.
func newUser(name string) *store.User {
	ts := now()
	return &store.User{
		ID:           "id-" + strings.ToLower(name),
		Email:        strings.ToLower(name) + "@example.com",
		Username:     name,
		FullName:     "Full " + name,
		PasswordHash: "$argon2id$hash-of-" + name,
		CreatedAt:    ts,
		UpdatedAt:    ts,
	}
}

func mustCreate(t *testing.T, s store.Store, u *store.User) *store.User {
	t.Helper()
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.Username, err)
	}
	return u
}

func testCreateAndGetUser(t *testing.T, s store.Store) {
	ctx := context.Background()
	want := newUser("Alice_1")
	want.Bio, want.Website, want.Gender = "bio", "https://example.com", "f"
	want.IsPrivate, want.IsProfessional, want.AvatarImageID = true, true, "img-1"
	mustCreate(t, s, want)

	lookups := []struct {
		name string
		get  func() (*store.User, error)
	}{
		{"GetUser", func() (*store.User, error) { return s.GetUser(ctx, want.ID) }},
		{"GetUserByUsername same case", func() (*store.User, error) { return s.GetUserByUsername(ctx, "Alice_1") }},
		{"GetUserByUsername other case", func() (*store.User, error) { return s.GetUserByUsername(ctx, "aLICE_1") }},
		{"GetUserByEmail other case", func() (*store.User, error) { return s.GetUserByEmail(ctx, "ALICE_1@Example.COM") }},
	}
	for _, tc := range lookups {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get()
			if err != nil {
				t.Fatal(err)
			}
			if diff := diffUsers(got, want); diff != "" {
				t.Errorf("got %+v, want %+v (%s)", got, want, diff)
			}
		})
	}

	missing := []struct {
		name string
		get  func() (*store.User, error)
	}{
		{"GetUser", func() (*store.User, error) { return s.GetUser(ctx, "nobody") }},
		{"GetUserByUsername", func() (*store.User, error) { return s.GetUserByUsername(ctx, "nobody") }},
		{"GetUserByEmail", func() (*store.User, error) { return s.GetUserByEmail(ctx, "nobody@example.com") }},
	}
	for _, tc := range missing {
		t.Run(tc.name+" missing", func(t *testing.T) {
			if _, err := tc.get(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
}

// diffUsers names the first field in which got and want differ.
func diffUsers(got, want *store.User) string {
	switch {
	case got.ID != want.ID, got.Email != want.Email, got.Username != want.Username:
		return "identity"
	case got.FullName != want.FullName, got.Bio != want.Bio, got.Website != want.Website, got.Gender != want.Gender:
		return "profile text"
	case got.IsPrivate != want.IsPrivate, got.IsProfessional != want.IsProfessional:
		return "flags"
	case got.PasswordHash != want.PasswordHash, got.AvatarImageID != want.AvatarImageID:
		return "hash or avatar"
	case !got.CreatedAt.Equal(want.CreatedAt), !got.UpdatedAt.Equal(want.UpdatedAt):
		return "times"
	}
	return ""
}

func testUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreate(t, s, newUser("Bob_1"))

	tests := []struct {
		name string
		user func() *store.User
		want error
	}{
		{"same email other case", func() *store.User {
			u := newUser("Carol_1")
			u.Email = "BOB_1@EXAMPLE.com"
			return u
		}, store.ErrEmailTaken},
		{"same username other case", func() *store.User {
			u := newUser("bOB_1")
			u.ID, u.Email = "id-other", "other@example.com"
			return u
		}, store.ErrUsernameTaken},
		{"same id", func() *store.User {
			u := newUser("Dave_1")
			u.ID = "id-bob_1"
			return u
		}, store.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateUser(ctx, tc.user()); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}

	// The failed attempts left no lookup row behind: their email and
	// usernames are still free.
	t.Run("failed attempts leave nothing", func(t *testing.T) {
		for _, name := range []string{"Carol_1", "Dave_1"} {
			u := newUser(name)
			u.ID = "id-new-" + name
			if err := s.CreateUser(ctx, u); err != nil {
				t.Errorf("CreateUser(%s) after a failed attempt: %v", name, err)
			}
		}
		u := newUser("Erin_1")
		u.Email = "other@example.com"
		if err := s.CreateUser(ctx, u); err != nil {
			t.Errorf("CreateUser with the email of a failed attempt: %v", err)
		}
	})
}

func testConcurrentCreate(t *testing.T, s store.Store) {
	const n = 20
	ctx := context.Background()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u := newUser("Racer_1")
			// Each attempt has its own id and email; half spell the
			// username in another case.
			u.ID = fmt.Sprintf("id-racer-%d", i)
			u.Email = fmt.Sprintf("racer%d@example.com", i)
			if i%2 == 1 {
				u.Username = "rACER_1"
			}
			errs[i] = s.CreateUser(ctx, u)
		})
	}
	wg.Wait()
	var won int
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrUsernameTaken):
			t.Errorf("attempt %d: got %v, want nil or ErrUsernameTaken", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d attempts won, want exactly 1", won)
	}
	// Only the winner's email is taken.
	free := 0
	for i := range n {
		if _, err := s.GetUserByEmail(ctx, fmt.Sprintf("racer%d@example.com", i)); errors.Is(err, store.ErrNotFound) {
			free++
		}
	}
	if free != n-1 {
		t.Errorf("%d emails free after the race, want %d", free, n-1)
	}
}

func testGetUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustCreate(t, s, newUser("Anna_1"))
	b := mustCreate(t, s, newUser("Ben_1"))

	byID, err := s.GetUsers(ctx, []string{a.ID, "nobody", b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sortedKeys(byID), []string{a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("GetUsers: got %v, want %v", got, want)
	}

	byName, err := s.GetUsersByUsernames(ctx, []string{"ANNA_1", "nobody", "ben_1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sortedKeys(byName), []string{a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("GetUsersByUsernames: got %v, want %v", got, want)
	}

	empty, err := s.GetUsers(ctx, nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("GetUsers(nil): got %v, %v, want nothing", empty, err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func testUpdateUser(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, newUser("Fay_1"))

	t.Run("applies the change", func(t *testing.T) {
		later := now()
		got, err := s.UpdateUser(ctx, u.ID, func(u *store.User) error {
			u.Bio, u.IsPrivate, u.IsProfessional, u.UpdatedAt = "new bio", true, true, later
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := s.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, user := range []*store.User{got, stored} {
			if user.Bio != "new bio" || !user.IsPrivate || !user.IsProfessional || !user.UpdatedAt.Equal(later) {
				t.Errorf("got %+v, want the new bio, private, professional, updated at %v", user, later)
			}
		}
	})

	t.Run("an error from update changes nothing", func(t *testing.T) {
		errStop := errors.New("stop")
		_, err := s.UpdateUser(ctx, u.ID, func(u *store.User) error {
			u.Bio = "discarded"
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Errorf("got %v, want the error of update", err)
		}
		stored, err := s.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Bio != "new bio" {
			t.Errorf("bio %q, want it unchanged", stored.Bio)
		}
	})

	t.Run("cannot change the username", func(t *testing.T) {
		_, err := s.UpdateUser(ctx, u.ID, func(u *store.User) error {
			u.Username = "Renamed_1"
			return nil
		})
		if err == nil {
			t.Error("changed the username")
		}
	})

	t.Run("missing", func(t *testing.T) {
		_, err := s.UpdateUser(ctx, "nobody", func(*store.User) error { return nil })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}

func testUpdateUserConcurrently(t *testing.T, s store.Store) {
	const n = 20
	ctx := context.Background()
	u := mustCreate(t, s, newUser("Gus_1"))

	t.Run("no update is lost", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := s.UpdateUser(ctx, u.ID, func(u *store.User) error {
					u.Bio += fmt.Sprintf("[%d]", i)
					return nil
				})
				if err != nil {
					t.Errorf("update %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		stored, err := s.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if !strings.Contains(stored.Bio, fmt.Sprintf("[%d]", i)) {
				t.Errorf("bio %q lost update %d", stored.Bio, i)
			}
		}
	})

	t.Run("exactly one wins a conditional change", func(t *testing.T) {
		errTaken := errors.New("avatar already set")
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			won []int
		)
		for i := range n {
			wg.Go(func() {
				_, err := s.UpdateUser(ctx, u.ID, func(u *store.User) error {
					if u.AvatarImageID != "" {
						return errTaken
					}
					u.AvatarImageID = fmt.Sprintf("img-%d", i)
					return nil
				})
				switch {
				case err == nil:
					mu.Lock()
					won = append(won, i)
					mu.Unlock()
				case !errors.Is(err, errTaken):
					t.Errorf("update %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("%d updates won, want exactly 1", len(won))
		}
		stored, err := s.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := stored.AvatarImageID, fmt.Sprintf("img-%d", won[0]); got != want {
			t.Errorf("avatar %q, want the winner's %q", got, want)
		}
	})
}

func testFollowEdges(t *testing.T, s store.Store) {
	ctx := context.Background()
	const ann, bob, cat = "ann", "bob", "cat"

	put := func(follower, followee string, state store.FollowState) store.Follow {
		t.Helper()
		f, err := s.PutFollowIfAbsent(ctx, store.Follow{FollowerID: follower, FolloweeID: followee, State: state, CreatedAt: now()})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	count := func(user string, d store.Direction, state store.FollowState) int64 {
		t.Helper()
		n, err := s.CountFollows(ctx, user, d, state)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	first := put(ann, bob, store.FollowRequested)
	if again := put(ann, bob, store.FollowFollowing); again.State != store.FollowRequested || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("PutFollowIfAbsent over an edge: got %+v, want the existing %+v", again, first)
	}
	put(cat, bob, store.FollowFollowing)
	put(ann, cat, store.FollowFollowing)

	states, err := s.GetFollowStates(ctx, ann, []string{bob, cat, "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if states[bob] != store.FollowRequested || states[cat] != store.FollowFollowing || len(states) != 2 {
		t.Errorf("GetFollowStates: got %v", states)
	}

	counts := []struct {
		user  string
		dir   store.Direction
		state store.FollowState
		want  int64
	}{
		{bob, store.Followers, store.FollowFollowing, 1},
		{bob, store.Followers, store.FollowRequested, 1},
		{ann, store.Following, store.FollowFollowing, 1},
		{ann, store.Following, store.FollowRequested, 1},
		{cat, store.Followers, store.FollowFollowing, 1},
		{cat, store.Following, store.FollowFollowing, 1},
	}
	for _, tc := range counts {
		if got := count(tc.user, tc.dir, tc.state); got != tc.want {
			t.Errorf("CountFollows(%s, %d, %s) = %d, want %d", tc.user, tc.dir, tc.state, got, tc.want)
		}
	}

	t.Run("SetFollowState is conditional", func(t *testing.T) {
		if err := s.SetFollowState(ctx, cat, bob, store.FollowRequested, store.FollowFollowing, now()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("from a state the edge is not in: got %v, want ErrNotFound", err)
		}
		if err := s.SetFollowState(ctx, "nobody", bob, store.FollowRequested, store.FollowFollowing, now()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing edge: got %v, want ErrNotFound", err)
		}
		if err := s.SetFollowState(ctx, ann, bob, store.FollowRequested, store.FollowFollowing, now()); err != nil {
			t.Fatal(err)
		}
		if got := count(bob, store.Followers, store.FollowFollowing); got != 2 {
			t.Errorf("followers after accepting: %d, want 2", got)
		}
	})

	t.Run("DeleteFollow honours the state", func(t *testing.T) {
		deleted, err := s.DeleteFollow(ctx, ann, bob, store.FollowRequested)
		if err != nil || deleted {
			t.Errorf("delete in the wrong state: got %v, %v, want false", deleted, err)
		}
		deleted, err = s.DeleteFollow(ctx, ann, bob, "")
		if err != nil || !deleted {
			t.Errorf("delete in any state: got %v, %v, want true", deleted, err)
		}
		deleted, err = s.DeleteFollow(ctx, ann, bob, "")
		if err != nil || deleted {
			t.Errorf("delete again: got %v, %v, want false", deleted, err)
		}
	})

	t.Run("AcceptFollowRequests", func(t *testing.T) {
		const dan = "dan"
		put(ann, dan, store.FollowRequested)
		put(bob, dan, store.FollowRequested)
		put(cat, dan, store.FollowFollowing)
		n, err := s.AcceptFollowRequests(ctx, dan, now())
		if err != nil || n != 2 {
			t.Errorf("got %d, %v, want 2 accepted", n, err)
		}
		if got := count(dan, store.Followers, store.FollowFollowing); got != 3 {
			t.Errorf("followers after accepting all: %d, want 3", got)
		}
		if got := count(dan, store.Followers, store.FollowRequested); got != 0 {
			t.Errorf("requests after accepting all: %d, want 0", got)
		}
	})
}

func testPaging(t *testing.T, s store.Store) {
	ctx := context.Background()
	const star = "star"
	follow := func(follower string) {
		t.Helper()
		_, err := s.PutFollowIfAbsent(ctx, store.Follow{FollowerID: follower, FolloweeID: star, State: store.FollowFollowing, CreatedAt: now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("fan-%02d", i)
		follow(id)
		want = append([]string{id}, want...)
	}
	// A pending request is not a follower.
	if _, err := s.PutFollowIfAbsent(ctx, store.Follow{FollowerID: "asker", FolloweeID: star, State: store.FollowRequested, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}

	var got []string
	token := ""
	for page := 0; ; page++ {
		res, err := s.ListFollows(ctx, store.ListFollowsQuery{UserID: star, Direction: store.Followers, State: store.FollowFollowing, Limit: 10, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Follows {
			got = append(got, f.FollowerID)
		}
		// New followers arrive between pages: newer than what is being
		// paged, they belong before the first page and must not appear.
		follow(fmt.Sprintf("late-%02d", page))
		if res.NextPageToken == "" {
			break
		}
		token = res.NextPageToken
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged followers:\n got %v\nwant %v", got, want)
	}

	following, err := s.ListFollows(ctx, store.ListFollowsQuery{UserID: "fan-03", Direction: store.Following, State: store.FollowFollowing, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(following.Follows) != 1 || following.Follows[0].FolloweeID != star || following.NextPageToken != "" {
		t.Errorf("following of fan-03: got %+v, want just %s", following, star)
	}

	for _, token := range []string{"garbage!", "bm90LWEtY3Vyc29y"} {
		_, err := s.ListFollows(ctx, store.ListFollowsQuery{UserID: star, Direction: store.Followers, State: store.FollowFollowing, Limit: 10, PageToken: token})
		if !errors.Is(err, store.ErrInvalidPageToken) {
			t.Errorf("token %q: got %v, want ErrInvalidPageToken", token, err)
		}
	}
}

// testFollowedAfter checks that ListFollows keeps only the edges that
// reached the state asked for strictly after FollowedAfter, and that
// accepting a request, one by one or all at once, dates the edge anew: a
// timeline that learns of new follows by their dates must not miss an
// accepted request.
func testFollowedAfter(t *testing.T, s store.Store) {
	ctx := context.Background()
	const reader = "reader"
	put := func(followee string, state store.FollowState) time.Time {
		t.Helper()
		at := now()
		if _, err := s.PutFollowIfAbsent(ctx, store.Follow{FollowerID: reader, FolloweeID: followee, State: state, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		return at
	}
	followingSince := func(after time.Time, limit int) []string {
		t.Helper()
		var ids []string
		token := ""
		for range 10 {
			page, err := s.ListFollows(ctx, store.ListFollowsQuery{
				UserID: reader, Direction: store.Following, State: store.FollowFollowing,
				Limit: limit, PageToken: token, FollowedAfter: after,
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range page.Follows {
				ids = append(ids, f.FolloweeID)
			}
			if token = page.NextPageToken; token == "" {
				return ids
			}
		}
		t.Fatal("paging does not end")
		return nil
	}

	first := put("first", store.FollowFollowing)
	put("second", store.FollowFollowing)
	put("asked-one", store.FollowRequested)
	put("asked-all", store.FollowRequested)
	third := put("third", store.FollowFollowing)

	tests := []struct {
		name  string
		after time.Time
		want  []string
	}{
		{"unset lists all", time.Time{}, []string{"third", "second", "first"}},
		{"strictly after", first, []string{"third", "second"}},
		{"after the newest", third, nil},
		{"long before", first.Add(-time.Hour), []string{"third", "second", "first"}},
		{"beyond what nanoseconds hold", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), []string{"third", "second", "first"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, limit := range []int{1, 10} {
				if got := followingSince(tc.after, limit); !slices.Equal(got, tc.want) {
					t.Errorf("page size %d: got %v, want %v", limit, got, tc.want)
				}
			}
		})
	}

	t.Run("accepting a request dates the follow anew", func(t *testing.T) {
		since := now()
		if err := s.SetFollowState(ctx, reader, "asked-one", store.FollowRequested, store.FollowFollowing, now()); err != nil {
			t.Fatal(err)
		}
		if got, want := followingSince(since, 10), []string{"asked-one"}; !slices.Equal(got, want) {
			t.Errorf("after SetFollowState: got %v, want %v", got, want)
		}
		since = now()
		if _, err := s.AcceptFollowRequests(ctx, "asked-all", now()); err != nil {
			t.Fatal(err)
		}
		if got, want := followingSince(since, 10), []string{"asked-all"}; !slices.Equal(got, want) {
			t.Errorf("after AcceptFollowRequests: got %v, want %v", got, want)
		}
	})
}

func testSuggestions(t *testing.T, s store.Store) {
	ctx := context.Background()
	me := mustCreate(t, s, newUser("Me_1"))
	older := mustCreate(t, s, newUser("Older_1"))
	pro := newUser("Pro_1")
	pro.IsProfessional = true
	mustCreate(t, s, pro)
	hidden := newUser("Hidden_1")
	hidden.IsPrivate = true
	mustCreate(t, s, hidden)
	followed := mustCreate(t, s, newUser("Followed_1"))
	asked := mustCreate(t, s, newUser("Asked_1"))
	newer := mustCreate(t, s, newUser("Newer_1"))
	for _, f := range []store.Follow{
		{FollowerID: me.ID, FolloweeID: followed.ID, State: store.FollowFollowing, CreatedAt: now()},
		{FollowerID: me.ID, FolloweeID: asked.ID, State: store.FollowRequested, CreatedAt: now()},
		// An edge towards me does not hide its follower.
		{FollowerID: newer.ID, FolloweeID: me.ID, State: store.FollowFollowing, CreatedAt: now()},
	} {
		if _, err := s.PutFollowIfAbsent(ctx, f); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		limit int
		want  []string
	}{
		{10, []string{pro.ID, newer.ID, older.ID}},
		{2, []string{pro.ID, newer.ID}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("limit %d", tc.limit), func(t *testing.T) {
			users, err := s.ListSuggestions(ctx, me.ID, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range users {
				got = append(got, u.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

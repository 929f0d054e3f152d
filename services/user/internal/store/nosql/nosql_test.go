package nosql_test

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/user/internal/store"
	"github.com/fotogal/fotogal/services/user/internal/store/nosql"
	"github.com/fotogal/fotogal/services/user/internal/store/storetest"
)

// The tables of the adapter, as the package doc names them.
var tables = []string{"fotogal_ntable_users", "fotogal_ntable_usernames", "fotogal_ntable_emails", "fotogal_ntable_follows", "fotogal_ntable_useractivity"}

func open(t *testing.T, c *nosqlclient.Client) *nosql.Store {
	t.Helper()
	s, err := nosql.Open(context.Background(), c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// newStore opens a store on a fresh fake and returns it with its client and
// the fake.
func newStore(t *testing.T) (*nosql.Store, *nosqlclient.Client, *ocifake.NoSQL) {
	t.Helper()
	c, f := nosqltest.New(t)
	return open(t, c), c, f
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _, _ := newStore(t)
		return s
	})
}

func TestSchemaMatchesDoc(t *testing.T) {
	nosqltest.CheckSchemaMatchesDoc(t, func(c *nosqlclient.Client) { open(t, c) })
}

// newID returns an id shaped as the user service makes them: 16 random
// bytes in lower-case base32 without padding, 26 bytes.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// newUser returns an account named username with the email, not yet
// stored.
func newUser(username, email string) *store.User {
	ts := time.Now().UTC()
	return &store.User{
		ID: newID(), Email: email, Username: username, FullName: "Full " + username,
		PasswordHash: "$argon2id$hash", CreatedAt: ts, UpdatedAt: ts,
	}
}

func TestSecondOpenChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := newStore(t)
	ann, bob := newUser("Ann_1", "ann@example.com"), newUser("Bob_1", "bob@example.com")
	for _, u := range []*store.User{ann, bob} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	edge := store.Follow{FollowerID: ann.ID, FolloweeID: bob.ID, State: store.FollowFollowing, CreatedAt: time.Now()}
	if _, err := s.PutFollowIfAbsent(ctx, edge); err != nil {
		t.Fatal(err)
	}
	follow := activity.Event{ID: activity.NewID(), Time: edge.CreatedAt.UTC(), Kind: activity.Follow, ActorID: ann.ID, RecipientID: bob.ID}
	if err := s.AppendEvents(ctx, follow); err != nil {
		t.Fatal(err)
	}
	again := nosqltest.Reopen(t, f, tables, func(c *nosqlclient.Client) *nosql.Store { return open(t, c) })

	t.Run("data still there", func(t *testing.T) {
		got, err := again.GetUserByUsername(ctx, "ann_1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != ann.ID {
			t.Errorf("got id %q, want %q", got.ID, ann.ID)
		}
		states, err := again.GetFollowStates(ctx, ann.ID, []string{bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := states[bob.ID], store.FollowFollowing; got != want {
			t.Errorf("edge state %q, want %q", got, want)
		}
		events, err := again.ListEventsAfter(ctx, activity.Cursor{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].ID != follow.ID {
			t.Errorf("activity log %+v, want the one follow", events)
		}
	})
}

func TestLongestEmailAndUsernameFitTheirKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	const domain = "@example.com"
	email := strings.Repeat("e", 254-len(domain)) + domain
	username := strings.Repeat("u", 29) + "X"
	if len(email) != 254 || len(username) != 30 {
		t.Fatalf("email %d and username %d characters, want 254 and 30", len(email), len(username))
	}
	u := newUser(username, email)
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	lookups := []struct {
		name string
		get  func() (*store.User, error)
	}{
		{"by email", func() (*store.User, error) { return s.GetUserByEmail(ctx, strings.ToUpper(email)) }},
		{"by username", func() (*store.User, error) { return s.GetUserByUsername(ctx, strings.ToLower(username)) }},
	}
	for _, tc := range lookups {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get()
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u.ID || got.Email != email || got.Username != username {
				t.Errorf("got %s %q %q, want %s %q %q", got.ID, got.Email, got.Username, u.ID, email, username)
			}
		})
	}
}

func TestAcceptManyFollowRequests(t *testing.T) {
	t.Parallel()
	const requests = 120
	ctx := context.Background()
	s, _, f := newStore(t)
	star := newID()
	requested := time.Now().UTC()
	for i := range requests {
		edge := store.Follow{FollowerID: newID(), FolloweeID: star, State: store.FollowRequested, CreatedAt: requested.Add(time.Duration(i))}
		if _, err := s.PutFollowIfAbsent(ctx, edge); err != nil {
			t.Fatal(err)
		}
	}

	n, err := s.AcceptFollowRequests(ctx, star, time.Now())
	if err != nil {
		t.Fatalf("AcceptFollowRequests: %v", err)
	}
	if n != requests {
		t.Errorf("accepted %d, want %d", n, requests)
	}
	if got, want := f.OpCount(ocifake.OpWriteMultiple, "fotogal_ntable_follows"), 3; got != want {
		t.Errorf("%d WriteMultiple requests, want %d (50 + 50 + 20)", got, want)
	}

	t.Run("again accepts nothing", func(t *testing.T) {
		n, err := s.AcceptFollowRequests(ctx, star, time.Now())
		if err != nil || n != 0 {
			t.Errorf("got %d, %v, want 0 accepted", n, err)
		}
	})

	t.Run("counts agree with the lists", func(t *testing.T) {
		for _, state := range []store.FollowState{store.FollowFollowing, store.FollowRequested} {
			count, err := s.CountFollows(ctx, star, store.Followers, state)
			if err != nil {
				t.Fatal(err)
			}
			listed := 0
			token := ""
			for range requests {
				page, err := s.ListFollows(ctx, store.ListFollowsQuery{
					UserID: star, Direction: store.Followers, State: state, Limit: 50, PageToken: token,
				})
				if err != nil {
					t.Fatal(err)
				}
				listed += len(page.Follows)
				if token = page.NextPageToken; token == "" {
					break
				}
			}
			want := map[store.FollowState]int{store.FollowFollowing: requests}[state]
			if count != int64(listed) || listed != want {
				t.Errorf("%s: CountFollows %d, ListFollows %d, want both %d", state, count, listed, want)
			}
		}
	})
}

// putClaim writes a claim row as a registration does at its first step, as
// if it had been made at claimedAt.
func putClaim(t *testing.T, c *nosqlclient.Client, table, keyColumn, key, userID string, claimedAt time.Time) {
	t.Helper()
	res, err := c.Put(context.Background(), &nosqldb.PutRequest{
		TableName: table,
		Value: types.NewMapValue(map[string]any{
			keyColumn: key, "user_id": userID, "claimed_ts": claimedAt.UnixNano(),
		}),
		PutOption: types.PutIfAbsent,
	})
	if err != nil || !res.Success() {
		t.Fatalf("put claim %s: %v", key, err)
	}
}

// TestClaimsLeftBehind plays the claims a registration leaves when it
// crashes between its steps: no name stays blocked for longer than a
// registration may take.
func TestClaimsLeftBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	long := time.Now().Add(-time.Hour)

	t.Run("claims of a missing account are taken over", func(t *testing.T) {
		s, c, _ := newStore(t)
		u := newUser("Left_1", "left@example.com")
		putClaim(t, c, "fotogal_ntable_usernames", "username_key", store.UsernameKey(u.Username), newID(), long)
		putClaim(t, c, "fotogal_ntable_emails", "email_key", store.EmailKey(u.Email), newID(), long)
		if _, err := s.GetUserByUsername(ctx, u.Username); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lookup through a claim left behind: got %v, want ErrNotFound", err)
		}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser over claims left behind: %v", err)
		}
		for _, get := range []func() (*store.User, error){
			func() (*store.User, error) { return s.GetUserByUsername(ctx, u.Username) },
			func() (*store.User, error) { return s.GetUserByEmail(ctx, u.Email) },
		} {
			if got, err := get(); err != nil || got.ID != u.ID {
				t.Errorf("lookup after taking over: got %v, %v, want %s", got, err, u.ID)
			}
		}
	})

	t.Run("a claim naming an account that holds another name is taken over", func(t *testing.T) {
		s, c, _ := newStore(t)
		other := newUser("Other_1", "other@example.com")
		if err := s.CreateUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		u := newUser("Taken_1", "taken@example.com")
		putClaim(t, c, "fotogal_ntable_usernames", "username_key", store.UsernameKey(u.Username), other.ID, long)
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	})

	t.Run("a fresh claim is a registration under way", func(t *testing.T) {
		s, c, _ := newStore(t)
		u := newUser("Busy_1", "busy@example.com")
		putClaim(t, c, "fotogal_ntable_usernames", "username_key", store.UsernameKey(u.Username), newID(), time.Now())
		if err := s.CreateUser(ctx, u); !errors.Is(err, store.ErrUsernameTaken) {
			t.Errorf("got %v, want ErrUsernameTaken", err)
		}
		// The email claimed before the username was given back.
		u.Username = "Free_1"
		if err := s.CreateUser(ctx, u); err != nil {
			t.Errorf("CreateUser with the same email and a free username: %v", err)
		}
	})
}

// createUsers stores n public accounts named prefix-00, prefix-01 ...,
// oldest first, and returns them in that order.
func createUsers(t *testing.T, s *nosql.Store, prefix string, n int) []*store.User {
	t.Helper()
	users := make([]*store.User, n)
	start := time.Now().UTC()
	for i := range users {
		name := fmt.Sprintf("%s-%02d", prefix, i)
		u := newUser(name, name+"@example.com")
		u.CreatedAt = start.Add(time.Duration(i) * time.Microsecond)
		if err := s.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		users[i] = u
	}
	return users
}

// TestLookupsInBatches reads more accounts and edges at once than one
// query binds.
func TestLookupsInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	users := createUsers(t, s, "many", 120)
	var ids, names []string
	for _, u := range users {
		ids, names = append(ids, u.ID), append(names, strings.ToUpper(u.Username))
	}

	t.Run("GetUsers", func(t *testing.T) {
		got, err := s.GetUsers(ctx, append(ids, "nobody"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(users) {
			t.Errorf("got %d accounts, want %d", len(got), len(users))
		}
	})
	t.Run("GetUsersByUsernames", func(t *testing.T) {
		got, err := s.GetUsersByUsernames(ctx, append(names, "nobody"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(users) {
			t.Errorf("got %d accounts, want %d", len(got), len(users))
		}
	})
	t.Run("GetFollowStates", func(t *testing.T) {
		me := users[0].ID
		for _, u := range users[1:] {
			if _, err := s.PutFollowIfAbsent(ctx, store.Follow{FollowerID: me, FolloweeID: u.ID, State: store.FollowFollowing, CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.GetFollowStates(ctx, me, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(users)-1 {
			t.Errorf("got %d states, want %d", len(got), len(users)-1)
		}
	})
}

// TestSuggestionsPastManyFollowed finds suggestions behind more followed
// accounts than one batch of candidates holds.
func TestSuggestionsPastManyFollowed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	users := createUsers(t, s, "cand", 60)
	me := users[0]
	// Every professional account but the oldest one, and the 40 newest of
	// the others, are followed or asked for.
	pro := users[1:11]
	for _, u := range pro {
		if _, err := s.UpdateUser(ctx, u.ID, func(u *store.User) error {
			u.IsProfessional = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	followed := append(slices.Clone(pro[1:]), users[20:]...)
	for i, u := range followed {
		state := store.FollowFollowing
		if i%2 == 1 {
			state = store.FollowRequested
		}
		if _, err := s.PutFollowIfAbsent(ctx, store.Follow{FollowerID: me.ID, FolloweeID: u.ID, State: state, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.ListSuggestions(ctx, me.ID, 4)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, u := range got {
		gotIDs = append(gotIDs, u.Username)
	}
	want := []string{pro[0].Username, users[19].Username, users[18].Username, users[17].Username}
	if !slices.Equal(gotIDs, want) {
		t.Errorf("got %v, want %v", gotIDs, want)
	}
}

package nosql_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/user/internal/store"
	"github.com/fotogal/fotogal/services/user/internal/store/nosql"
)

const (
	usernamesTable = "fotogal_ntable_usernames"
	usersTable     = "fotogal_ntable_users"
	deletionsTable = "fotogal_ntable_userdeletions"
)

// backdateClaim rewrites the username claim of key, keeping its holder, as
// if it had been made at claimedAt: what the claim of an account
// registered long ago looks like.
func backdateClaim(t *testing.T, c *nosqlclient.Client, key string, claimedAt time.Time) {
	t.Helper()
	ctx := context.Background()
	res, err := c.Get(ctx, &nosqldb.GetRequest{TableName: usernamesTable, Key: types.NewMapValue(map[string]any{"username_key": key})})
	if err != nil || res.Value == nil {
		t.Fatalf("get the claim of %s: %v, %v", key, res, err)
	}
	res.Value.Put("claimed_ts", claimedAt.UnixNano())
	if _, err := c.Put(ctx, &nosqldb.PutRequest{TableName: usernamesTable, Value: res.Value}); err != nil {
		t.Fatalf("backdate the claim of %s: %v", key, err)
	}
}

// deletionOf returns the record of a deletion of u, requested now.
func deletionOf(u *store.User) store.Deletion {
	at := time.Now().UTC()
	return store.Deletion{
		UserID: u.ID, Username: u.Username, Step: store.DeletionRequested,
		RequestedAt: at, StepAt: at, ReleaseAt: at.Add(30 * 24 * time.Hour),
	}
}

// createAndDelete stores u, records its deletion and deletes the account.
func createAndDelete(t *testing.T, s *nosql.Store, u *store.User) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutDeletion(ctx, deletionOf(u)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
}

// TestDeletionHoldsUsernamePastClaimGrace plays a deleted account whose
// username claim is older than a registration may take: without the
// deletion record it would pass for a claim left behind and be taken over.
func TestDeletionHoldsUsernamePastClaimGrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	long := time.Now().Add(-time.Hour)

	t.Run("held at every step until released", func(t *testing.T) {
		s, c, f := newStore(t)
		gone := newUser("Held_1", "held@example.com")
		createAndDelete(t, s, gone)
		backdateClaim(t, c, store.UsernameKey(gone.Username), long)
		for _, step := range []store.DeletionStep{
			store.DeletionRequested, store.DeletionAccountDone, store.DeletionSessionsDone,
			store.DeletionImagesDone, store.DeletionFeedDone, store.DeletionComplete,
		} {
			if err := s.AdvanceDeletion(ctx, gone.ID, step, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateUser(ctx, newUser("hELD_1", fmt.Sprintf("other%d@example.com", step))); !errors.Is(err, store.ErrUsernameTaken) {
				t.Errorf("at step %d: CreateUser got %v, want ErrUsernameTaken", step, err)
			}
			if _, err := s.GetUserByUsername(ctx, "held_1"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("at step %d: GetUserByUsername got %v, want ErrNotFound", step, err)
			}
		}
		// The email claim went with the account.
		if err := s.CreateUser(ctx, newUser("Else_1", "HELD@example.com")); err != nil {
			t.Errorf("CreateUser with the deleted account's email: %v", err)
		}

		if err := s.ReleaseUsername(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		for _, row := range f.Rows(usernamesTable) {
			if row["user_id"] == gone.ID {
				t.Errorf("a username claim of the deleted account is left: %v", row)
			}
		}
		heir := newUser("hELD_1", "heir@example.com")
		if err := s.CreateUser(ctx, heir); err != nil {
			t.Fatalf("CreateUser after ReleaseUsername: %v", err)
		}
		if got, err := s.GetUserByUsername(ctx, "Held_1"); err != nil || got.ID != heir.ID {
			t.Errorf("GetUserByUsername: got %v, %v, want %s", got, err, heir.ID)
		}
	})

	t.Run("a deletion of another username holds nothing", func(t *testing.T) {
		s, c, _ := newStore(t)
		// A claim left behind by a crash, whose holder's deletion names
		// another username: it is taken over as any claim left behind.
		holder := newUser("Other_9", "other9@example.com")
		if _, err := s.PutDeletion(ctx, deletionOf(holder)); err != nil {
			t.Fatal(err)
		}
		u := newUser("Drift_1", "drift@example.com")
		putClaim(t, c, usernamesTable, "username_key", store.UsernameKey(u.Username), holder.ID, long)
		if err := s.CreateUser(ctx, u); err != nil {
			t.Errorf("CreateUser over a claim left behind: %v", err)
		}
	})
}

// searchRowsOf returns how many search rows the fake holds for id.
func searchRowsOf(f *ocifake.NoSQL, id string) int {
	n := 0
	for _, row := range f.Rows(searchTable) {
		if row["user_id"] == id {
			n++
		}
	}
	return n
}

func TestDeleteAccountDeletesEverySearchRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c, f := newStore(t)
	u := newUser("Terms_1", "terms@example.com")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	// A row of a name the account no longer has, as a rename that did
	// not finish leaves.
	stale := types.NewMapValue(map[string]any{"user_id": u.ID, "term": "formerly"})
	if _, err := c.Put(ctx, &nosqldb.PutRequest{TableName: searchTable, Value: stale}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if n := searchRowsOf(f, u.ID); n != 0 {
		t.Errorf("%d search rows left, want none", n)
	}
}

// TestDeletionResumesAfterAFailure fails the step after the first of
// DeleteAccount and of ReleaseUsername, as a crash there would leave them,
// and checks that what was done holds and that the next call finishes.
func TestDeletionResumesAfterAFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := newStore(t)
	gone := newUser("Crash_1", "crash@example.com")
	if err := s.CreateUser(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutDeletion(ctx, deletionOf(gone)); err != nil {
		t.Fatal(err)
	}

	clear := f.InjectFault(ocifake.Fault{Op: ocifake.OpDelete, Table: usersTable, Code: nosqlerr.IllegalArgument, Times: 1})
	if err := s.DeleteAccount(ctx, gone.ID); err == nil {
		t.Fatal("DeleteAccount succeeded through a failed delete of the account row")
	}
	clear()
	// The email claim went first: the email is free, and taken again,
	// before the deletion is finished.
	if _, err := s.GetUserByEmail(ctx, gone.Email); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUserByEmail after the email claim went: got %v, want ErrNotFound", err)
	}
	next := newUser("Next_1", gone.Email)
	if err := s.CreateUser(ctx, next); err != nil {
		t.Fatalf("CreateUser with the freed email: %v", err)
	}
	if err := s.DeleteAccount(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteAccount again: %v", err)
	}
	if _, err := s.GetUser(ctx, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser after the second DeleteAccount: got %v, want ErrNotFound", err)
	}
	if n := searchRowsOf(f, gone.ID); n != 0 {
		t.Errorf("%d search rows left, want none", n)
	}
	// The second call left the new account's claim of the email alone.
	if got, err := s.GetUserByEmail(ctx, gone.Email); err != nil || got.ID != next.ID {
		t.Errorf("GetUserByEmail: got %v, %v, want %s", got, err, next.ID)
	}

	clear = f.InjectFault(ocifake.Fault{Op: ocifake.OpDelete, Table: deletionsTable, Code: nosqlerr.IllegalArgument, Times: 1})
	if err := s.ReleaseUsername(ctx, gone.ID); err == nil {
		t.Fatal("ReleaseUsername succeeded through a failed delete of the record")
	}
	clear()
	if _, err := s.GetDeletion(ctx, gone.ID); err != nil {
		t.Fatalf("GetDeletion after the failed release: %v", err)
	}
	if err := s.ReleaseUsername(ctx, gone.ID); err != nil {
		t.Fatalf("ReleaseUsername again: %v", err)
	}
	if _, err := s.GetDeletion(ctx, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetDeletion after the release: got %v, want ErrNotFound", err)
	}
	if err := s.CreateUser(ctx, newUser("cRASH_1", "heir@example.com")); err != nil {
		t.Errorf("CreateUser with the released username: %v", err)
	}
}

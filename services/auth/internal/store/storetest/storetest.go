// Package storetest is the contract every store.Store implementation must
// meet. An adapter's test calls Run with a function that returns a new,
// empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/counters/counterstest"
	"github.com/fotogal/fotogal/services/auth/internal/store"
)

// base is the creation time of the sessions the suite writes. It has
// nanoseconds, to check that the store keeps them.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// Run runs the contract suite against the stores newStore returns; each
// subtest gets a new, empty one.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"GetMissing", testGetMissing},
		{"CreateDuplicateTokenHash", testCreateDuplicate},
		{"ListUserSessionsNewestFirst", testList},
		{"DeleteUserSession", testDeleteUserSession},
		{"DeleteUserSessionsKeepsOne", testDeleteUserSessions},
		{"DeleteExpired", testDeleteExpired},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentCreatesSameTokenHash", testConcurrentCreatesSameHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t))
		})
	}
	counterstest.RunReversible(t, func(t *testing.T) store.Counters { return newStore(t) })
}

// session returns a session of user created at base+age minutes that
// expires a week later.
func session(user, id string, age int) store.Session {
	created := base.Add(time.Duration(age) * time.Minute)
	return store.Session{
		TokenHash:     "hash-" + user + "-" + id,
		ID:            id,
		UserID:        user,
		UserAgent:     "agent/" + id,
		ClientAddress: "192.0.2.1",
		CreateTime:    created,
		ExpireTime:    created.Add(7 * 24 * time.Hour),
	}
}

func create(t *testing.T, s store.Store, sessions ...store.Session) {
	t.Helper()
	for _, sess := range sessions {
		if err := s.CreateSession(context.Background(), sess); err != nil {
			t.Fatalf("CreateSession(%s): %v", sess.ID, err)
		}
	}
}

func ids(sessions []store.Session) []string {
	out := make([]string, len(sessions))
	for i, s := range sessions {
		out[i] = s.ID
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// assertSame compares sessions field by field, times with Equal.
func assertSame(t *testing.T, got, want store.Session) {
	t.Helper()
	if got.TokenHash != want.TokenHash || got.ID != want.ID || got.UserID != want.UserID ||
		got.UserAgent != want.UserAgent || got.ClientAddress != want.ClientAddress ||
		!got.CreateTime.Equal(want.CreateTime) || !got.ExpireTime.Equal(want.ExpireTime) {
		t.Errorf("session = %+v, want %+v", got, want)
	}
}

func testCreateAndGet(t *testing.T, s store.Store) {
	want := session("u1", "s1", 0)
	create(t, s, want)
	got, err := s.GetSession(context.Background(), want.TokenHash)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	assertSame(t, got, want)
	if got.CreateTime.Location() != time.UTC || got.ExpireTime.Location() != time.UTC {
		t.Errorf("times are in %v and %v, want UTC", got.CreateTime.Location(), got.ExpireTime.Location())
	}
}

func testGetMissing(t *testing.T, s store.Store) {
	_, err := s.GetSession(context.Background(), "no-such-hash")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSession(missing) error = %v, want ErrNotFound", err)
	}
}

func testCreateDuplicate(t *testing.T, s store.Store) {
	first := session("u1", "s1", 0)
	create(t, s, first)
	second := session("u2", "s2", 1)
	second.TokenHash = first.TokenHash
	if err := s.CreateSession(context.Background(), second); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateSession(same hash) error = %v, want ErrConflict", err)
	}
	got, err := s.GetSession(context.Background(), first.TokenHash)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	assertSame(t, got, first)
}

func testList(t *testing.T, s store.Store) {
	create(t, s,
		session("u1", "old", 0),
		session("u1", "new", 2),
		session("u2", "other", 1),
		session("u1", "mid", 1),
	)
	tests := []struct {
		user string
		want []string
	}{
		{"u1", []string{"new", "mid", "old"}},
		{"u2", []string{"other"}},
		{"nobody", []string{}},
	}
	for _, tc := range tests {
		got, err := s.ListUserSessions(context.Background(), tc.user)
		if err != nil {
			t.Fatalf("ListUserSessions(%s): %v", tc.user, err)
		}
		if !equalStrings(ids(got), tc.want) {
			t.Errorf("ListUserSessions(%s) = %v, want %v", tc.user, ids(got), tc.want)
		}
	}
}

func testDeleteUserSession(t *testing.T, s store.Store) {
	mine := session("u1", "s1", 0)
	theirs := session("u2", "s2", 0)
	create(t, s, mine, theirs)
	ctx := context.Background()

	tests := []struct {
		name      string
		user, id  string
		wantErr   error
		wantGone  string
		wantStays string
	}{
		{"another user's session", "u1", "s2", store.ErrNotFound, "", theirs.TokenHash},
		{"unknown session", "u1", "nope", store.ErrNotFound, "", mine.TokenHash},
		{"own session", "u1", "s1", nil, mine.TokenHash, theirs.TokenHash},
		{"own session again", "u1", "s1", store.ErrNotFound, mine.TokenHash, theirs.TokenHash},
	}
	for _, tc := range tests {
		err := s.DeleteUserSession(ctx, tc.user, tc.id)
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("%s: DeleteUserSession error = %v, want %v", tc.name, err, tc.wantErr)
		}
		if tc.wantGone != "" {
			if _, err := s.GetSession(ctx, tc.wantGone); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: deleted session still there (error %v)", tc.name, err)
			}
		}
		if _, err := s.GetSession(ctx, tc.wantStays); err != nil {
			t.Errorf("%s: other session gone: %v", tc.name, err)
		}
	}
}

func testDeleteUserSessions(t *testing.T, s store.Store) {
	tests := []struct {
		name      string
		keep      string
		wantCount int
		wantLeft  []string
	}{
		{"keep one", "s2", 2, []string{"s2"}},
		{"keep none", "", 3, []string{}},
		{"keep unknown", "nope", 3, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			user := "user-" + tc.name
			create(t, s, session(user, "s1", 0), session(user, "s2", 1), session(user, "s3", 2))
			bystander := session("bystander-"+tc.name, "b1", 0)
			create(t, s, bystander)

			got, err := s.DeleteUserSessions(ctx, user, tc.keep)
			if err != nil {
				t.Fatalf("DeleteUserSessions: %v", err)
			}
			if got != tc.wantCount {
				t.Errorf("deleted %d, want %d", got, tc.wantCount)
			}
			left, err := s.ListUserSessions(ctx, user)
			if err != nil {
				t.Fatalf("ListUserSessions: %v", err)
			}
			if !equalStrings(ids(left), tc.wantLeft) {
				t.Errorf("left %v, want %v", ids(left), tc.wantLeft)
			}
			if _, err := s.GetSession(ctx, bystander.TokenHash); err != nil {
				t.Errorf("another user's session gone: %v", err)
			}
		})
	}
}

func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := base.Add(time.Hour)
	expired := session("u1", "expired", 0)
	expired.ExpireTime = now.Add(-time.Nanosecond)
	expiringNow := session("u1", "expiring-now", 1)
	expiringNow.ExpireTime = now
	live := session("u1", "live", 2)
	live.ExpireTime = now.Add(time.Nanosecond)
	create(t, s, expired, expiringNow, live)

	got, err := s.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if got != 2 {
		t.Errorf("DeleteExpired deleted %d, want 2", got)
	}
	left, err := s.ListUserSessions(ctx, "u1")
	if err != nil {
		t.Fatalf("ListUserSessions: %v", err)
	}
	if want := []string{"live"}; !equalStrings(ids(left), want) {
		t.Errorf("left %v, want %v", ids(left), want)
	}
}

func testConcurrentCreates(t *testing.T, s store.Store) {
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.CreateSession(context.Background(), session("u1", fmt.Sprintf("s%02d", i), i))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("CreateSession: %v", err)
		}
	}
	got, err := s.ListUserSessions(context.Background(), "u1")
	if err != nil {
		t.Fatalf("ListUserSessions: %v", err)
	}
	if len(got) != n {
		t.Errorf("listed %d sessions, want %d", len(got), n)
	}
}

func testConcurrentCreatesSameHash(t *testing.T, s store.Store) {
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			sess := session(fmt.Sprintf("u%d", i), "s", 0)
			sess.TokenHash = "contended"
			errs <- s.CreateSession(context.Background(), sess)
		})
	}
	wg.Wait()
	close(errs)
	var wins int
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("CreateSession error = %v, want nil or ErrConflict", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d creates won, want exactly 1", wins)
	}
}

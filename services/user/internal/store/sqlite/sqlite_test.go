package sqlite_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/user/internal/store"
	"github.com/fotogal/fotogal/services/user/internal/store/sqlite"
	"github.com/fotogal/fotogal/services/user/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "user.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "user.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, &store.User{ID: "id-1", Email: "a@example.com", Username: "Anna_1", FullName: "Anna"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetUserByUsername(ctx, "anna_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "id-1" {
		t.Errorf("got id %q, want id-1", got.ID)
	}
}

func TestImportFollows(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "user.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	if _, err := s.PutFollowIfAbsent(ctx, store.Follow{FollowerID: "f0", FolloweeID: "star", State: store.FollowRequested, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	var follows []store.Follow
	for i := range 1000 {
		follows = append(follows, store.Follow{FollowerID: "f" + strconv.Itoa(i), FolloweeID: "star", State: store.FollowFollowing, CreatedAt: at.Add(time.Duration(i) * time.Microsecond)})
	}
	if err := s.ImportFollows(ctx, follows); err != nil {
		t.Fatal(err)
	}
	// The edge already there is left as it was.
	for _, tc := range []struct {
		state store.FollowState
		want  int64
	}{{store.FollowFollowing, 999}, {store.FollowRequested, 1}} {
		if n, err := s.CountFollows(ctx, "star", store.Followers, tc.state); err != nil || n != tc.want {
			t.Errorf("%s followers: got %d, %v, want %d", tc.state, n, err, tc.want)
		}
	}
}

package service_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/user/internal/service"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// The waits of the deletion saga in these tests.
const (
	deletionSettle = 50 * time.Millisecond
	usernameHold   = time.Hour
)

// erasureLog records the calls the fake erasers get, in order.
type erasureLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *erasureLog) add(call string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, call)
}

func (l *erasureLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// fakeEraser is another service's part of a deletion: it reports done on
// every batches-th call for a user, and fails while err is set.
type fakeEraser struct {
	name    string
	batches int
	log     *erasureLog

	mu    sync.Mutex
	err   error
	calls map[string]int
}

func (f *fakeEraser) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeEraser) DeleteUserData(_ context.Context, userID string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return false, f.err
	}
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[userID]++
	f.log.add(f.name + " " + userID)
	return f.calls[userID]%f.batches == 0, nil
}

// deletionOf reads the deletion record of userID.
func deletionOf(t *testing.T, e *env, userID string) store.Deletion {
	t.Helper()
	d, err := e.store.GetDeletion(context.Background(), userID)
	if err != nil {
		t.Fatalf("GetDeletion(%s): %v", userID, err)
	}
	return d
}

// sweepUntil runs the deletion sweep until done says so, or fails after a
// few seconds.
func sweepUntil(t *testing.T, e *env, what string, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		e.svc.RunDeletions(ctx, 10*time.Millisecond)
	}()
	defer func() {
		cancel()
		<-swept
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("the sweep did not get %s within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDeleteAccountWrongPassword(t *testing.T) {
	e := newEnv(t)
	alice := e.register(t, "alice")
	_, err := e.users.DeleteAccount(alice.ctx, &userv1.DeleteAccountRequest{Password: "not the password"})
	wantCode(t, err, codes.PermissionDenied)
	if _, err := e.users.GetMe(alice.ctx, &userv1.GetMeRequest{}); err != nil {
		t.Errorf("GetMe after a refused deletion: %v", err)
	}
	if _, err := e.store.GetDeletion(context.Background(), alice.user.GetUserId()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused deletion was recorded: %v", err)
	}
	if calls := e.erasures.snapshot(); len(calls) > 0 {
		t.Errorf("a refused deletion erased %q", calls)
	}
}

// The saga in order: own rows, sessions, image, feed; then, after the
// settle, the last pass; the email free at once, the username held until
// its release.
func TestDeleteAccount(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.register(t, "alice"), e.register(t, "bobby")
	id := alice.user.GetUserId()
	for _, f := range [][2]person{{alice, bob}, {bob, alice}} {
		if _, err := e.users.Follow(f[0].ctx, &userv1.FollowRequest{Username: f[1].user.GetUsername()}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := e.users.DeleteAccount(alice.ctx, &userv1.DeleteAccountRequest{Password: testPassword})
	if err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	if !resp.GetDeletionComplete() {
		t.Error("deletion_complete = false with every service up")
	}
	d := deletionOf(t, e, id)
	if d.Step != store.DeletionFeedDone {
		t.Errorf("step after the call = %d, want %d (the last pass waits for the settle)", d.Step, store.DeletionFeedDone)
	}
	if got, want := resp.GetUsernameReleaseTime().AsTime(), d.RequestedAt.Add(usernameHold); !got.Equal(want) {
		t.Errorf("username_release_time = %v, want %v", got, want)
	}
	want := []string{"image " + id, "image " + id, "image " + id, "feed " + id, "feed " + id}
	if got := e.erasures.snapshot(); !slices.Equal(got, want) {
		t.Errorf("erasures = %q, want %q", got, want)
	}
	e.sessions.mu.Lock()
	revoked := slices.Clone(e.sessions.calls)
	e.sessions.mu.Unlock()
	if !slices.Equal(revoked, []string{id + " keep "}) {
		t.Errorf("sessions revoked: %q, want every session of %s", revoked, id)
	}

	_, err = e.users.GetMe(alice.ctx, &userv1.GetMeRequest{})
	wantCode(t, err, codes.NotFound)
	_, err = e.users.GetProfile(bob.ctx, &userv1.GetProfileRequest{Username: "alice"})
	wantCode(t, err, codes.NotFound)
	followers, err := e.users.ListFollowers(bob.ctx, &userv1.ListFollowersRequest{Username: "bobby"})
	if err != nil || len(followers.GetUsers()) != 0 {
		t.Errorf("bob's followers after alice's deletion: %v, %v", followers.GetUsers(), err)
	}
	_, err = e.users.Register(context.Background(), &userv1.RegisterRequest{
		Email: "ALICE@example.com", FullName: "Another", Username: "someone_else", Password: testPassword,
	})
	if err != nil {
		t.Errorf("registering with the deleted account's email: %v", err)
	}
	_, err = e.users.Register(context.Background(), &userv1.RegisterRequest{
		Email: "poser@example.com", FullName: "Poser", Username: "Alice", Password: testPassword,
	})
	wantCode(t, err, codes.AlreadyExists)

	// Asking again answers from the record.
	again, err := e.users.DeleteAccount(alice.ctx, &userv1.DeleteAccountRequest{Password: testPassword})
	if err != nil || !again.GetDeletionComplete() {
		t.Errorf("DeleteAccount again: %v, %v", again, err)
	}

	before := len(e.erasures.snapshot())
	sweepUntil(t, e, "the deletion complete", func() bool {
		return deletionOf(t, e, id).Step == store.DeletionComplete
	})
	last := e.erasures.snapshot()[before:]
	if !slices.Contains(last, "image "+id) || !slices.Contains(last, "feed "+id) {
		t.Errorf("the last pass erased %q, want both services again", last)
	}
}

// A service down mid-saga: the call still answers, with the deletion not
// complete; the sweep resumes it from the step recorded once the service
// is back.
func TestDeleteAccountResumesAfterAFailure(t *testing.T) {
	e := newEnv(t)
	alice := e.register(t, "alice")
	id := alice.user.GetUserId()
	e.images.fail(status.Error(codes.Unavailable, "image service down"))
	resp, err := e.users.DeleteAccount(alice.ctx, &userv1.DeleteAccountRequest{Password: testPassword})
	if err != nil {
		t.Fatalf("DeleteAccount with the image service down: %v", err)
	}
	if resp.GetDeletionComplete() {
		t.Error("deletion_complete = true with the image service down")
	}
	if d := deletionOf(t, e, id); d.Step != store.DeletionSessionsDone {
		t.Errorf("step = %d, want %d: the steps before the image service's done", d.Step, store.DeletionSessionsDone)
	}
	if calls := e.erasures.snapshot(); len(calls) > 0 {
		t.Errorf("erasures while the image service is down: %q", calls)
	}
	// The account is gone from sight already.
	_, err = e.users.GetMe(alice.ctx, &userv1.GetMeRequest{})
	wantCode(t, err, codes.NotFound)

	e.images.fail(nil)
	sweepUntil(t, e, "the deletion complete", func() bool {
		return deletionOf(t, e, id).Step == store.DeletionComplete
	})
	calls := e.erasures.snapshot()
	if i := slices.Index(calls, "feed "+id); i < 3 || !slices.Equal(calls[:3], []string{"image " + id, "image " + id, "image " + id}) {
		t.Errorf("erasures = %q, want the image service's part done before the feed's", calls)
	}
}

// Once its hold has passed, the sweep frees a deleted account's username
// and forgets the deletion.
func TestDeletedUsernameReleased(t *testing.T) {
	const hold = 300 * time.Millisecond
	e := newEnvOn(t, func(s store.Store) store.Store { return s }, func(c *service.Config) { c.UsernameHold = hold })
	alice := e.register(t, "alice")
	ctx := context.Background()
	if _, err := e.users.DeleteAccount(alice.ctx, &userv1.DeleteAccountRequest{Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	again := &userv1.RegisterRequest{Email: "new.alice@example.com", FullName: "New Alice", Username: "ALICE", Password: testPassword}
	_, err := e.users.Register(ctx, again)
	wantCode(t, err, codes.AlreadyExists)
	sweepUntil(t, e, "the record forgotten", func() bool {
		_, err := e.store.GetDeletion(ctx, alice.user.GetUserId())
		return errors.Is(err, store.ErrNotFound)
	})
	if d := time.Since(alice.user.GetCreateTime().AsTime()); d < hold {
		t.Errorf("the username was released %v after the account was made, before its hold of %v", d, hold)
	}
	if _, err := e.users.Register(ctx, again); err != nil {
		t.Errorf("registering a released username: %v", err)
	}
}

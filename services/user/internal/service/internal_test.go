package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

func TestInternalNeedsServiceCredential(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	wrongSecret := metadata.AppendToOutgoingContext(context.Background(), "x-fotogal-service-credential", "not-the-secret-at-all")

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"CheckCredentials", func(ctx context.Context) error {
			_, err := e.noCredential.CheckCredentials(ctx, &userv1.CheckCredentialsRequest{Email: "ann_1@example.com", Password: testPassword})
			return err
		}},
		{"BatchGetUsers", func(ctx context.Context) error {
			_, err := e.noCredential.BatchGetUsers(ctx, &userv1.BatchGetUsersRequest{Usernames: []string{"ann_1"}})
			return err
		}},
		{"CanView", func(ctx context.Context) error {
			_, err := e.noCredential.CanView(ctx, &userv1.CanViewRequest{ViewerId: "x", OwnerId: ann.user.GetUserId()})
			return err
		}},
		{"ListFollowingIds", func(ctx context.Context) error {
			_, err := e.noCredential.ListFollowingIds(ctx, &userv1.ListFollowingIdsRequest{UserId: ann.user.GetUserId()})
			return err
		}},
		{"ListFollowerIds", func(ctx context.Context) error {
			_, err := e.noCredential.ListFollowerIds(ctx, &userv1.ListFollowerIdsRequest{UserId: ann.user.GetUserId()})
			return err
		}},
		{"SetAvatar", func(ctx context.Context) error {
			_, err := e.noCredential.SetAvatar(ctx, &userv1.SetAvatarRequest{UserId: ann.user.GetUserId(), AvatarImageId: "img"})
			return err
		}},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.call(context.Background()), codes.Unauthenticated)
			// A person's session is not a service credential.
			wantCode(t, tc.call(ann.ctx), codes.Unauthenticated)
			wantCode(t, tc.call(wrongSecret), codes.PermissionDenied)
		})
	}
}

func TestCheckCredentials(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")

	resp, err := e.internal.CheckCredentials(context.Background(), &userv1.CheckCredentialsRequest{Email: "ANN_1@Example.com", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.GetUser().GetUserId(), ann.user.GetUserId(); got != want {
		t.Errorf("user %q, want %q", got, want)
	}
	assertNoSecrets(t, resp)

	failures := []struct {
		name            string
		email, password string
	}{
		{"wrong password", "ann_1@example.com", "wrong password!"},
		{"unknown email", "nobody@example.com", testPassword},
		{"empty", "", ""},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.internal.CheckCredentials(context.Background(), &userv1.CheckCredentialsRequest{Email: tc.email, Password: tc.password})
			wantCode(t, err, codes.Unauthenticated)
			if got, want := status.Convert(err).Message(), "invalid email or password"; got != want {
				t.Errorf("message %q, want %q", got, want)
			}
		})
	}
}

func TestBatchGetUsers(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	e.register(t, "Bob_1")
	e.register(t, "Cat_1")

	resp, err := e.internal.BatchGetUsers(context.Background(), &userv1.BatchGetUsersRequest{
		UserIds:   []string{ann.user.GetUserId(), "unknown-id"},
		Usernames: []string{"BOB_1", "ann_1", "nobody_1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range resp.GetUsers() {
		got = append(got, u.GetUsername())
		if u.GetFollowState() != userv1.FollowState_FOLLOW_STATE_UNSPECIFIED {
			t.Errorf("%s has follow state %v, want it unset", u.GetUsername(), u.GetFollowState())
		}
	}
	slices.Sort(got)
	if want := []string{"Ann_1", "Bob_1"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	_, err = e.internal.BatchGetUsers(context.Background(), &userv1.BatchGetUsersRequest{UserIds: make([]string, 1001)})
	wantCode(t, err, codes.InvalidArgument)
	if msg := status.Convert(err).Message(); !strings.HasPrefix(msg, "user_ids: ") {
		t.Errorf("message %q does not name user_ids", msg)
	}
}

func TestCanView(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1")
	e.makePrivate(t, bob, true)
	e.follow(t, ann, "bob_1", requested)
	e.follow(t, cat, "bob_1", requested)
	if _, err := e.users.AcceptFollowRequest(bob.ctx, &userv1.AcceptFollowRequestRequest{Username: "cat_1"}); err != nil {
		t.Fatal(err)
	}
	id := func(p person) string { return p.user.GetUserId() }

	tests := []struct {
		name          string
		viewer, owner string
		want          *userv1.CanViewResponse
	}{
		{"public account", id(bob), id(ann), &userv1.CanViewResponse{Allowed: true, OwnerExists: true}},
		{"owner themself", id(bob), id(bob), &userv1.CanViewResponse{Allowed: true, OwnerExists: true}},
		{"pending request", id(ann), id(bob), &userv1.CanViewResponse{Allowed: false, OwnerExists: true}},
		{"approved follower", id(cat), id(bob), &userv1.CanViewResponse{Allowed: true, OwnerExists: true}},
		{"unknown owner", id(ann), "unknown-id", &userv1.CanViewResponse{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.internal.CanView(context.Background(), &userv1.CanViewRequest{ViewerId: tc.viewer, OwnerId: tc.owner})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetAllowed() != tc.want.GetAllowed() || got.GetOwnerExists() != tc.want.GetOwnerExists() {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestListIDs(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1")
	dan := e.register(t, "Dan_1")
	e.makePrivate(t, dan, true)
	e.follow(t, ann, "bob_1", following)
	e.follow(t, ann, "cat_1", following)
	e.follow(t, ann, "dan_1", requested) // Not FOLLOWING: left out.

	var got []string
	token := ""
	for {
		resp, err := e.internal.ListFollowingIds(context.Background(), &userv1.ListFollowingIdsRequest{UserId: ann.user.GetUserId(), PageSize: 1, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.GetUserIds()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if len(got) > 3 {
			t.Fatal("paging does not end")
		}
	}
	if want := []string{cat.user.GetUserId(), bob.user.GetUserId()}; !slices.Equal(got, want) {
		t.Errorf("following ids %v, want %v", got, want)
	}

	resp, err := e.internal.ListFollowerIds(context.Background(), &userv1.ListFollowerIdsRequest{UserId: bob.user.GetUserId()})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{ann.user.GetUserId()}; !slices.Equal(resp.GetUserIds(), want) {
		t.Errorf("follower ids %v, want %v", resp.GetUserIds(), want)
	}

	_, err = e.internal.ListFollowerIds(context.Background(), &userv1.ListFollowerIdsRequest{UserId: bob.user.GetUserId(), PageToken: "garbage!"})
	wantCode(t, err, codes.InvalidArgument)
}

func TestSetAvatar(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")

	steps := []struct {
		image, wantPrevious, wantURL string
	}{
		{"img-1", "", "/v1/users/Ann_1/avatar?v=img-1"},
		{"img-2", "img-1", "/v1/users/Ann_1/avatar?v=img-2"},
		{"", "img-2", ""},
	}
	for _, step := range steps {
		resp, err := e.internal.SetAvatar(context.Background(), &userv1.SetAvatarRequest{UserId: ann.user.GetUserId(), AvatarImageId: step.image})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetPreviousAvatarImageId() != step.wantPrevious || resp.GetAvatarUrl() != step.wantURL {
			t.Errorf("SetAvatar(%q): got %v, want previous %q and URL %q", step.image, resp, step.wantPrevious, step.wantURL)
		}
		me, err := e.users.GetMe(ann.ctx, &userv1.GetMeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if got := me.GetUser().GetAvatarUrl(); got != step.wantURL {
			t.Errorf("GetMe avatar URL %q, want %q", got, step.wantURL)
		}
	}

	_, err := e.internal.SetAvatar(context.Background(), &userv1.SetAvatarRequest{UserId: "unknown-id", AvatarImageId: "img"})
	wantCode(t, err, codes.NotFound)
}

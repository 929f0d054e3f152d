package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

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
		{"FilterFollowing", func(ctx context.Context) error {
			_, err := e.noCredential.FilterFollowing(ctx, &userv1.FilterFollowingRequest{UserId: ann.user.GetUserId()})
			return err
		}},
		{"CountFollowers", func(ctx context.Context) error {
			_, err := e.noCredential.CountFollowers(ctx, &userv1.CountFollowersRequest{UserId: ann.user.GetUserId()})
			return err
		}},
		{"SetAvatar", func(ctx context.Context) error {
			_, err := e.noCredential.SetAvatar(ctx, &userv1.SetAvatarRequest{UserId: ann.user.GetUserId(), AvatarImageId: "img"})
			return err
		}},
		{"ListActivityAfter", func(ctx context.Context) error {
			_, err := e.noCredential.ListActivityAfter(ctx, &userv1.ListActivityAfterRequest{})
			return err
		}},
		{"ListMutedIds", func(ctx context.Context) error {
			_, err := e.noCredential.ListMutedIds(ctx, &userv1.ListMutedIdsRequest{UserId: ann.user.GetUserId()})
			return err
		}},
		{"ListBlockedIds", func(ctx context.Context) error {
			_, err := e.noCredential.ListBlockedIds(ctx, &userv1.ListBlockedIdsRequest{UserId: ann.user.GetUserId()})
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

// TestListFollowingIdsFollowedAfter checks that followed_after keeps the
// follows made since, including requests accepted since (one by one, or by
// the account turning public), and that read_time lags the clock.
func TestListFollowingIdsFollowedAfter(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	id := func(p person) string { return p.user.GetUserId() }
	followingSince := func(t *testing.T, after time.Time) []string {
		t.Helper()
		resp, err := e.internal.ListFollowingIds(context.Background(), &userv1.ListFollowingIdsRequest{
			UserId: id(ann), FollowedAfter: timestamppb.New(after),
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetUserIds()
	}

	tests := []struct {
		name string
		// change happens after the time followed_after is set to.
		change func(t *testing.T) string
		// want says whether ann follows the account the change returns.
		want bool
	}{
		{
			name: "follow",
			change: func(t *testing.T) string {
				e.register(t, "Bob_1")
				e.follow(t, ann, "bob_1", following)
				return "bob_1"
			},
			want: true,
		},
		{
			name: "request to a private account",
			change: func(t *testing.T) string {
				e.makePrivate(t, e.register(t, "Cat_1"), true)
				e.follow(t, ann, "cat_1", requested)
				return "cat_1"
			},
			want: false,
		},
		{
			name: "request accepted",
			change: func(t *testing.T) string {
				dan := e.register(t, "Dan_1")
				e.makePrivate(t, dan, true)
				e.follow(t, ann, "dan_1", requested)
				if _, err := e.users.AcceptFollowRequest(dan.ctx, &userv1.AcceptFollowRequestRequest{Username: "ann_1"}); err != nil {
					t.Fatal(err)
				}
				return "dan_1"
			},
			want: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			since := time.Now()
			username := tc.change(t)
			target, err := e.internal.BatchGetUsers(context.Background(), &userv1.BatchGetUsersRequest{Usernames: []string{username}})
			if err != nil || len(target.GetUsers()) != 1 {
				t.Fatalf("BatchGetUsers(%s): %v, %v", username, target, err)
			}
			var want []string
			if tc.want {
				want = []string{target.GetUsers()[0].GetUserId()}
			}
			if got := followingSince(t, since); !slices.Equal(got, want) {
				t.Errorf("followed after the change: got %v, want %v", got, want)
			}
		})
	}

	t.Run("requests accepted by turning public are dated then", func(t *testing.T) {
		fay := e.register(t, "Fay_1")
		e.makePrivate(t, fay, true)
		e.follow(t, ann, "fay_1", requested)
		since := time.Now()
		if got := followingSince(t, since); len(got) != 0 {
			t.Fatalf("a pending request is listed: %v", got)
		}
		e.makePrivate(t, fay, false)
		if got, want := followingSince(t, since), []string{id(fay)}; !slices.Equal(got, want) {
			t.Errorf("after turning public: got %v, want %v", got, want)
		}
	})

	t.Run("read time lags the clock", func(t *testing.T) {
		before := time.Now()
		resp, err := e.internal.ListFollowingIds(context.Background(), &userv1.ListFollowingIdsRequest{UserId: id(ann)})
		if err != nil {
			t.Fatal(err)
		}
		readTime := resp.GetReadTime().AsTime()
		if !readTime.Before(before) || readTime.Before(before.Add(-time.Minute)) {
			t.Errorf("read time %v, want shortly before %v", readTime, before)
		}
		// Passed back, it lists again the follows dated after it: those
		// of the last few seconds, here all of them.
		if got := followingSince(t, readTime); len(got) != 3 {
			t.Errorf("followed after the read time: got %v, want the 3 follows just made", got)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		_, err := e.internal.ListFollowingIds(context.Background(), &userv1.ListFollowingIdsRequest{
			UserId: id(ann), FollowedAfter: &timestamppb.Timestamp{Nanos: -1},
		})
		wantCode(t, err, codes.InvalidArgument)
		if got, want := status.Convert(err).Message(), "followed_after: not a valid time"; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	})
}

func TestFilterFollowing(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat, dan := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1"), e.register(t, "Dan_1")
	e.makePrivate(t, dan, true)
	e.follow(t, ann, "bob_1", following)
	e.follow(t, ann, "dan_1", requested) // Not FOLLOWING: left out.
	e.follow(t, cat, "ann_1", following) // The other way round: left out.
	id := func(p person) string { return p.user.GetUserId() }

	resp, err := e.internal.FilterFollowing(context.Background(), &userv1.FilterFollowingRequest{
		UserId:   id(ann),
		OwnerIds: []string{id(cat), id(bob), id(dan), id(ann), "unknown-id", id(bob)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.GetOwnerIds(), []string{id(bob)}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	invalid := []struct {
		name  string
		req   *userv1.FilterFollowingRequest
		field string
	}{
		{"no user", &userv1.FilterFollowingRequest{OwnerIds: []string{id(bob)}}, "user_id"},
		{"too many owners", &userv1.FilterFollowingRequest{UserId: id(ann), OwnerIds: make([]string, 1001)}, "owner_ids"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.internal.FilterFollowing(context.Background(), tc.req)
			wantCode(t, err, codes.InvalidArgument)
			if msg := status.Convert(err).Message(); !strings.HasPrefix(msg, tc.field+": ") {
				t.Errorf("message %q does not name %s", msg, tc.field)
			}
		})
	}
}

func TestCountFollowers(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat, dan := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1"), e.register(t, "Dan_1")
	e.makePrivate(t, dan, true)
	e.follow(t, bob, "ann_1", following)
	e.follow(t, cat, "ann_1", following)
	e.follow(t, ann, "bob_1", following) // The other way round: not Ann's.
	e.follow(t, ann, "dan_1", requested) // Not FOLLOWING: not counted.
	id := func(p person) string { return p.user.GetUserId() }

	tests := []struct {
		name string
		user string
		want int64
	}{
		{"two followers", id(ann), 2},
		{"one follower", id(bob), 1},
		{"none", id(cat), 0},
		{"a request only", id(dan), 0},
		{"unknown user", "unknown-id", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.internal.CountFollowers(context.Background(), &userv1.CountFollowersRequest{UserId: tc.user})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetFollowerCount(); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
	_, err := e.internal.CountFollowers(context.Background(), &userv1.CountFollowersRequest{})
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

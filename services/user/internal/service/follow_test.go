package service_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

const (
	none      = userv1.FollowState_FOLLOW_STATE_NONE
	requested = userv1.FollowState_FOLLOW_STATE_REQUESTED
	following = userv1.FollowState_FOLLOW_STATE_FOLLOWING
)

// relation is what viewer's GetProfile says of a person, and that person's
// counts.
type relation struct {
	state     userv1.FollowState
	followsMe bool
	canView   bool
	followers int64
	following int64
}

func (e *env) relation(t *testing.T, viewer person, username string) relation {
	t.Helper()
	resp, err := e.users.GetProfile(viewer.ctx, &userv1.GetProfileRequest{Username: username})
	if err != nil {
		t.Fatalf("GetProfile(%s): %v", username, err)
	}
	p := resp.GetProfile()
	return relation{p.GetFollowState(), p.GetFollowsYou(), p.GetCanView(), p.GetFollowerCount(), p.GetFollowingCount()}
}

func (e *env) wantRelation(t *testing.T, viewer person, username string, want relation) {
	t.Helper()
	if got := e.relation(t, viewer, username); got != want {
		t.Errorf("%s sees %s as %+v, want %+v", viewer.user.GetUsername(), username, got, want)
	}
}

func (e *env) follow(t *testing.T, who person, username string, want userv1.FollowState) {
	t.Helper()
	resp, err := e.users.Follow(who.ctx, &userv1.FollowRequest{Username: username})
	if err != nil {
		t.Fatalf("Follow(%s): %v", username, err)
	}
	if got := resp.GetFollowState(); got != want {
		t.Fatalf("Follow(%s): state %v, want %v", username, got, want)
	}
}

func (e *env) makePrivate(t *testing.T, who person, private bool) {
	t.Helper()
	if _, err := e.users.UpdateProfile(who.ctx, &userv1.UpdateProfileRequest{IsPrivate: new(private)}); err != nil {
		t.Fatal(err)
	}
}

func TestFollowPublicAccount(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")

	e.follow(t, ann, "bob_1", following)
	e.wantRelation(t, ann, "Bob_1", relation{state: following, canView: true, followers: 1})
	e.wantRelation(t, bob, "Ann_1", relation{state: none, followsMe: true, canView: true, following: 1})

	e.follow(t, ann, "BOB_1", following)
	e.wantRelation(t, ann, "Bob_1", relation{state: following, canView: true, followers: 1})

	for range 2 {
		resp, err := e.users.Unfollow(ann.ctx, &userv1.UnfollowRequest{Username: "Bob_1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.GetFollowState(); got != none {
			t.Errorf("Unfollow: state %v, want NONE", got)
		}
		e.wantRelation(t, ann, "Bob_1", relation{state: none, canView: true})
	}
}

func TestFollowRules(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")

	_, err := e.users.Follow(ann.ctx, &userv1.FollowRequest{Username: "ANN_1"})
	wantCode(t, err, codes.InvalidArgument)
	if got, want := status.Convert(err).Message(), "username: cannot follow yourself"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	_, err = e.users.Follow(ann.ctx, &userv1.FollowRequest{Username: "nobody_1"})
	wantCode(t, err, codes.NotFound)
	_, err = e.users.Follow(ann.ctx, &userv1.FollowRequest{})
	wantCode(t, err, codes.InvalidArgument)
	_, err = e.users.Unfollow(ann.ctx, &userv1.UnfollowRequest{Username: "nobody_1"})
	wantCode(t, err, codes.NotFound)
}

func TestFollowPrivateAccount(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1")
	e.makePrivate(t, bob, true)
	e.follow(t, cat, "ann_1", following) // Someone for Bob to be followed by and list.

	e.follow(t, ann, "bob_1", requested)
	e.follow(t, ann, "bob_1", requested)
	e.wantRelation(t, ann, "bob_1", relation{state: requested})

	// Until accepted, Ann sees neither list.
	_, err := e.users.ListFollowers(ann.ctx, &userv1.ListFollowersRequest{Username: "bob_1"})
	wantCode(t, err, codes.PermissionDenied)
	_, err = e.users.ListFollowing(ann.ctx, &userv1.ListFollowingRequest{Username: "bob_1"})
	wantCode(t, err, codes.PermissionDenied)

	// The request is visible to Bob only.
	if got := e.followRequests(t, bob); !slices.Equal(got, []string{"Ann_1"}) {
		t.Errorf("Bob's requests %v, want [Ann_1]", got)
	}
	if got := e.followRequests(t, ann); len(got) != 0 {
		t.Errorf("Ann's requests %v, want none", got)
	}
	_, err = e.users.AcceptFollowRequest(cat.ctx, &userv1.AcceptFollowRequestRequest{Username: "ann_1"})
	wantCode(t, err, codes.NotFound)

	if _, err := e.users.AcceptFollowRequest(bob.ctx, &userv1.AcceptFollowRequestRequest{Username: "ANN_1"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.users.AcceptFollowRequest(bob.ctx, &userv1.AcceptFollowRequestRequest{Username: "ann_1"})
	wantCode(t, err, codes.NotFound)
	e.wantRelation(t, ann, "bob_1", relation{state: following, canView: true, followers: 1})
	e.wantRelation(t, bob, "ann_1", relation{state: none, followsMe: true, canView: true, followers: 1, following: 1})
	if got := e.followRequests(t, bob); len(got) != 0 {
		t.Errorf("Bob's requests after accepting %v, want none", got)
	}

	// Now Ann sees Bob's lists, but Cat still does not.
	if got := e.followers(t, ann, "bob_1"); !slices.Equal(got, []string{"Ann_1:SELF"}) {
		t.Errorf("Bob's followers %v, want [Ann_1:SELF]", got)
	}
	_, err = e.users.ListFollowers(cat.ctx, &userv1.ListFollowersRequest{Username: "bob_1"})
	wantCode(t, err, codes.PermissionDenied)
	if got := e.followers(t, bob, "bob_1"); !slices.Equal(got, []string{"Ann_1:NONE"}) {
		t.Errorf("Bob's own followers %v, want [Ann_1:NONE]", got)
	}

	// A public account turned private keeps its followers.
	e.makePrivate(t, ann, true)
	if got := e.followers(t, ann, "ann_1"); !slices.Equal(got, []string{"Cat_1:NONE"}) {
		t.Errorf("Ann's followers %v, want [Cat_1:NONE]", got)
	}
}

func (e *env) followRequests(t *testing.T, who person) []string {
	t.Helper()
	resp, err := e.users.ListFollowRequests(who.ctx, &userv1.ListFollowRequestsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range resp.GetUsers() {
		names = append(names, u.GetUsername())
	}
	if got := resp.GetTotalCount(); got != int64(len(names)) {
		t.Errorf("total count %d, want %d", got, len(names))
	}
	return names
}

// followers lists the followers of username as viewer sees them:
// "name:STATE" with viewer's follow state toward each.
func (e *env) followers(t *testing.T, viewer person, username string) []string {
	t.Helper()
	resp, err := e.users.ListFollowers(viewer.ctx, &userv1.ListFollowersRequest{Username: username})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range resp.GetUsers() {
		out = append(out, u.GetUsername()+":"+strings.TrimPrefix(u.GetFollowState().String(), "FOLLOW_STATE_"))
	}
	return out
}

func TestRejectCancelAndRemove(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")
	e.makePrivate(t, bob, true)

	t.Run("reject", func(t *testing.T) {
		e.follow(t, ann, "bob_1", requested)
		if _, err := e.users.RejectFollowRequest(bob.ctx, &userv1.RejectFollowRequestRequest{Username: "ann_1"}); err != nil {
			t.Fatal(err)
		}
		_, err := e.users.RejectFollowRequest(bob.ctx, &userv1.RejectFollowRequestRequest{Username: "ann_1"})
		wantCode(t, err, codes.NotFound)
		_, err = e.users.RejectFollowRequest(bob.ctx, &userv1.RejectFollowRequestRequest{Username: "nobody_1"})
		wantCode(t, err, codes.NotFound)
		e.wantRelation(t, ann, "bob_1", relation{state: none})
	})

	t.Run("cancel", func(t *testing.T) {
		e.follow(t, ann, "bob_1", requested)
		if _, err := e.users.Unfollow(ann.ctx, &userv1.UnfollowRequest{Username: "bob_1"}); err != nil {
			t.Fatal(err)
		}
		e.wantRelation(t, ann, "bob_1", relation{state: none})
		if got := e.followRequests(t, bob); len(got) != 0 {
			t.Errorf("requests after cancelling %v, want none", got)
		}
	})

	t.Run("remove follower", func(t *testing.T) {
		e.follow(t, ann, "bob_1", requested)
		if _, err := e.users.AcceptFollowRequest(bob.ctx, &userv1.AcceptFollowRequestRequest{Username: "ann_1"}); err != nil {
			t.Fatal(err)
		}
		e.wantRelation(t, bob, "bob_1", relation{state: userv1.FollowState_FOLLOW_STATE_SELF, canView: true, followers: 1})
		for range 2 {
			if _, err := e.users.RemoveFollower(bob.ctx, &userv1.RemoveFollowerRequest{Username: "ann_1"}); err != nil {
				t.Fatal(err)
			}
			e.wantRelation(t, ann, "bob_1", relation{state: none})
			e.wantRelation(t, bob, "bob_1", relation{state: userv1.FollowState_FOLLOW_STATE_SELF, canView: true})
		}
	})

	t.Run("remove follower leaves a request alone", func(t *testing.T) {
		e.follow(t, ann, "bob_1", requested)
		if _, err := e.users.RemoveFollower(bob.ctx, &userv1.RemoveFollowerRequest{Username: "ann_1"}); err != nil {
			t.Fatal(err)
		}
		e.wantRelation(t, ann, "bob_1", relation{state: requested})
	})
}

func TestPrivateTurnedPublicAcceptsRequests(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1")
	e.makePrivate(t, bob, true)
	e.follow(t, ann, "bob_1", requested)
	e.follow(t, cat, "bob_1", requested)

	e.makePrivate(t, bob, false)
	e.wantRelation(t, ann, "bob_1", relation{state: following, canView: true, followers: 2})
	e.wantRelation(t, cat, "bob_1", relation{state: following, canView: true, followers: 2})
	if got := e.followRequests(t, bob); len(got) != 0 {
		t.Errorf("requests after turning public %v, want none", got)
	}
}

func TestListFollowersPaging(t *testing.T) {
	e := newEnv(t)
	star := e.register(t, "Star_1")
	var fans []person
	for _, name := range []string{"Fan_a", "Fan_b", "Fan_c", "Fan_d", "Fan_e"} {
		fan := e.register(t, name)
		e.follow(t, fan, "star_1", following)
		fans = append(fans, fan)
	}
	// Fan_a follows Fan_e too, so its view of the list shows one FOLLOWING.
	e.follow(t, fans[0], "fan_e", following)

	var got []string
	token := ""
	for pages := 0; ; pages++ {
		resp, err := e.users.ListFollowers(fans[0].ctx, &userv1.ListFollowersRequest{Username: "star_1", PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(resp.GetUsers()); n > 2 {
			t.Fatalf("page of %d, want at most 2", n)
		}
		for _, u := range resp.GetUsers() {
			got = append(got, u.GetUsername()+":"+strings.TrimPrefix(u.GetFollowState().String(), "FOLLOW_STATE_"))
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	want := []string{"Fan_e:FOLLOWING", "Fan_d:NONE", "Fan_c:NONE", "Fan_b:NONE", "Fan_a:SELF"}
	if !slices.Equal(got, want) {
		t.Errorf("followers %v, want %v", got, want)
	}

	following, err := e.users.ListFollowing(star.ctx, &userv1.ListFollowingRequest{Username: "fan_a"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(following.GetUsers()); n != 2 {
		t.Errorf("Fan_a follows %d, want 2", n)
	}

	_, err = e.users.ListFollowers(star.ctx, &userv1.ListFollowersRequest{Username: "star_1", PageToken: "garbage!"})
	wantCode(t, err, codes.InvalidArgument)
	if got, want := status.Convert(err).Message(), "page_token: invalid"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestListSuggestions(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	e.register(t, "Old_1")
	e.register(t, "Followed_1")
	hidden := e.register(t, "Hidden_1")
	e.makePrivate(t, hidden, true)
	e.register(t, "New_1")
	e.follow(t, ann, "followed_1", following)

	resp, err := e.users.ListSuggestions(ann.ctx, &userv1.ListSuggestionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range resp.GetUsers() {
		got = append(got, u.GetUsername())
	}
	if want := []string{"New_1", "Old_1"}; !slices.Equal(got, want) {
		t.Errorf("suggestions %v, want %v", got, want)
	}
}

func TestListSuggestionsProfessionalFirst(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	pro := e.register(t, "Pro_1")
	e.register(t, "Newer_1")
	if _, err := e.users.UpdateProfile(pro.ctx, &userv1.UpdateProfileRequest{IsProfessional: new(true)}); err != nil {
		t.Fatal(err)
	}
	e.register(t, "Newest_1")
	privatePro := e.register(t, "Hidden_pro")
	if _, err := e.users.UpdateProfile(privatePro.ctx, &userv1.UpdateProfileRequest{IsProfessional: new(true), IsPrivate: new(true)}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		pageSize int32
		want     []string
		wantPro  []bool
	}{
		{"all", 0, []string{"Pro_1", "Newest_1", "Newer_1"}, []bool{true, false, false}},
		{"one", 1, []string{"Pro_1"}, []bool{true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.users.ListSuggestions(ann.ctx, &userv1.ListSuggestionsRequest{PageSize: tc.pageSize})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var gotPro []bool
			for _, u := range resp.GetUsers() {
				got = append(got, u.GetUsername())
				gotPro = append(gotPro, u.GetIsProfessional())
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(gotPro, tc.wantPro) {
				t.Errorf("suggestions %v (professional %v), want %v (%v)", got, gotPro, tc.want, tc.wantPro)
			}
		})
	}

	t.Run("no longer first once personal", func(t *testing.T) {
		if _, err := e.users.UpdateProfile(pro.ctx, &userv1.UpdateProfileRequest{IsProfessional: new(false)}); err != nil {
			t.Fatal(err)
		}
		resp, err := e.users.ListSuggestions(ann.ctx, &userv1.ListSuggestionsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range resp.GetUsers() {
			got = append(got, u.GetUsername())
		}
		if want := []string{"Newest_1", "Newer_1", "Pro_1"}; !slices.Equal(got, want) {
			t.Errorf("suggestions %v, want %v", got, want)
		}
	})
}

package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

func (e *env) block(t *testing.T, who person, username string) {
	t.Helper()
	if _, err := e.users.BlockUser(who.ctx, &userv1.BlockUserRequest{Username: username}); err != nil {
		t.Fatalf("BlockUser(%s): %v", username, err)
	}
}

func (e *env) profile(t *testing.T, viewer person, username string) *userv1.Profile {
	t.Helper()
	resp, err := e.users.GetProfile(viewer.ctx, &userv1.GetProfileRequest{Username: username})
	if err != nil {
		t.Fatalf("GetProfile(%s): %v", username, err)
	}
	return resp.GetProfile()
}

func (e *env) canView(t *testing.T, viewer, owner person) bool {
	t.Helper()
	resp, err := e.internal.CanView(context.Background(), &userv1.CanViewRequest{ViewerId: viewer.user.GetUserId(), OwnerId: owner.user.GetUserId()})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetAllowed()
}

func (e *env) suggestions(t *testing.T, who person) []string {
	t.Helper()
	resp, err := e.users.ListSuggestions(who.ctx, &userv1.ListSuggestionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range resp.GetUsers() {
		names = append(names, u.GetUsername())
	}
	return names
}

func TestBlockEndsFollowsAndRequestsBothWays(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")
	e.makePrivate(t, bob, true)
	e.follow(t, bob, "ann_1", following)
	e.follow(t, ann, "bob_1", requested)
	log := e.activityReader(ann, bob)
	log.next(t)

	e.block(t, ann, "bob_1")
	if got, want := log.next(t), []string{"-FOLLOW Bob_1>Ann_1", "-FOLLOW_REQUEST Ann_1>Bob_1"}; !slices.Equal(got, want) {
		t.Errorf("activity of the block: %v, want %v", got, want)
	}
	for _, p := range []person{ann, bob} {
		me := e.profile(t, p, p.user.GetUsername())
		if me.GetFollowerCount() != 0 || me.GetFollowingCount() != 0 {
			t.Errorf("%s's own counts after the block: %d followers, %d following, want 0", p.user.GetUsername(),
				me.GetFollowerCount(), me.GetFollowingCount())
		}
	}
	if got := e.followRequests(t, bob); len(got) != 0 {
		t.Errorf("Bob's requests after the block: %v, want none", got)
	}

	// Blocking again changes nothing and records nothing.
	e.block(t, ann, "BOB_1")
	if got := log.next(t); len(got) != 0 {
		t.Errorf("a repeated block recorded %v", got)
	}
}

func TestBlockRules(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	e.register(t, "Bob_1")
	calls := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"block yourself", func() error {
			_, err := e.users.BlockUser(ann.ctx, &userv1.BlockUserRequest{Username: "ANN_1"})
			return err
		}, codes.InvalidArgument},
		{"block nobody", func() error {
			_, err := e.users.BlockUser(ann.ctx, &userv1.BlockUserRequest{Username: "nobody_1"})
			return err
		}, codes.NotFound},
		{"block without a name", func() error {
			_, err := e.users.BlockUser(ann.ctx, &userv1.BlockUserRequest{})
			return err
		}, codes.InvalidArgument},
		{"unblock nobody", func() error {
			_, err := e.users.UnblockUser(ann.ctx, &userv1.UnblockUserRequest{Username: "nobody_1"})
			return err
		}, codes.NotFound},
		{"unblock someone not blocked", func() error {
			_, err := e.users.UnblockUser(ann.ctx, &userv1.UnblockUserRequest{Username: "bob_1"})
			return err
		}, codes.OK},
		{"mute yourself", func() error {
			_, err := e.users.MuteUser(ann.ctx, &userv1.MuteUserRequest{Username: "ann_1"})
			return err
		}, codes.InvalidArgument},
		{"mute nobody", func() error {
			_, err := e.users.MuteUser(ann.ctx, &userv1.MuteUserRequest{Username: "nobody_1"})
			return err
		}, codes.NotFound},
		{"unmute someone not muted", func() error {
			_, err := e.users.UnmuteUser(ann.ctx, &userv1.UnmuteUserRequest{Username: "bob_1"})
			return err
		}, codes.OK},
		{"block without a session", func() error {
			_, err := e.users.BlockUser(context.Background(), &userv1.BlockUserRequest{Username: "bob_1"})
			return err
		}, codes.Unauthenticated},
		{"list mutes with a bad token", func() error {
			_, err := e.users.ListMutes(ann.ctx, &userv1.ListMutesRequest{PageToken: "garbage!"})
			return err
		}, codes.InvalidArgument},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.call(), tc.want)
		})
	}
}

// Across a block, each side is to the other as a stranger to a private
// account, whichever made it.
func TestAcrossABlock(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1")
	if _, err := e.users.UpdateProfile(bob.ctx, &userv1.UpdateProfileRequest{Bio: new("bob's bio"), Website: new("https://bob.example")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{Bio: new("ann's bio")}); err != nil {
		t.Fatal(err)
	}
	e.follow(t, cat, "ann_1", following)
	e.follow(t, cat, "bob_1", following)
	e.posts.set(ann.user.GetUserId(), 4, nil)
	e.block(t, ann, "bob_1")

	sides := []struct {
		name         string
		viewer       person
		other        person
		blockedByYou bool
	}{
		{"the blocker", ann, bob, true},
		{"the blocked", bob, ann, false},
	}
	for _, tc := range sides {
		t.Run(tc.name, func(t *testing.T) {
			other := tc.other.user.GetUsername()
			_, err := e.users.Follow(tc.viewer.ctx, &userv1.FollowRequest{Username: other})
			wantCode(t, err, codes.PermissionDenied)
			if got, want := status.Convert(err).Message(), "you cannot follow this account"; got != want {
				t.Errorf("message %q, want %q, which names no block", got, want)
			}
			if got := e.relation(t, tc.other, tc.viewer.user.GetUsername()); got.followsMe {
				t.Error("the refused follow left an edge")
			}

			p := e.profile(t, tc.viewer, other)
			want := &userv1.Profile{
				UserId: tc.other.user.GetUserId(), Username: other, FullName: tc.other.user.GetFullName(),
				FollowState: none, BlockedByYou: tc.blockedByYou,
			}
			if p.String() != want.String() {
				t.Errorf("profile across the block:\n got %v\nwant %v", p, want)
			}

			_, err = e.users.ListFollowers(tc.viewer.ctx, &userv1.ListFollowersRequest{Username: other})
			wantCode(t, err, codes.PermissionDenied)
			_, err = e.users.ListFollowing(tc.viewer.ctx, &userv1.ListFollowingRequest{Username: other})
			wantCode(t, err, codes.PermissionDenied)

			if e.canView(t, tc.viewer, tc.other) {
				t.Error("CanView across the block is true")
			}
			if got := e.suggestions(t, tc.viewer); slices.Contains(got, other) || !slices.Contains(got, "Cat_1") {
				t.Errorf("suggestions %v: want Cat_1 and never %s", got, other)
			}
			ids, err := e.internal.ListBlockedIds(context.Background(), &userv1.ListBlockedIdsRequest{UserId: tc.viewer.user.GetUserId()})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids.GetUserIds(); !slices.Equal(got, []string{tc.other.user.GetUserId()}) {
				t.Errorf("ListBlockedIds: %v, want the other side", got)
			}
		})
	}

	// A third person sees both as before.
	if !e.canView(t, cat, ann) || !e.canView(t, cat, bob) {
		t.Error("the block changed what a third person sees")
	}
	if p := e.profile(t, cat, "bob_1"); p.GetBio() != "bob's bio" || p.GetBlockedByYou() {
		t.Errorf("a third person's view of Bob: %v", p)
	}

	// The blocker's list, then the unblock.
	list, err := e.users.ListBlocks(ann.ctx, &userv1.ListBlocksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetUsers()) != 1 || list.GetUsers()[0].GetUsername() != "Bob_1" {
		t.Errorf("Ann's blocks: %v, want Bob_1", list.GetUsers())
	}
	if list, err := e.users.ListBlocks(bob.ctx, &userv1.ListBlocksRequest{}); err != nil || len(list.GetUsers()) != 0 {
		t.Errorf("Bob's blocks: %v, %v, want none: he was blocked, he did not block", list.GetUsers(), err)
	}
	if _, err := e.users.UnblockUser(ann.ctx, &userv1.UnblockUserRequest{Username: "bob_1"}); err != nil {
		t.Fatal(err)
	}
	if !e.canView(t, bob, ann) || !e.canView(t, ann, bob) {
		t.Error("CanView of public accounts after the unblock is false")
	}
	if p := e.profile(t, bob, "ann_1"); p.GetBio() != "ann's bio" || p.GetPostCount() != 4 || p.GetFollowerCount() != 1 || !p.GetCanView() {
		t.Errorf("Ann's profile after the unblock: %v", p)
	}
	e.follow(t, bob, "ann_1", following)
}

func TestBlockedPrivateAccount(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")
	e.makePrivate(t, ann, true)
	e.follow(t, bob, "ann_1", requested)
	if _, err := e.users.AcceptFollowRequest(ann.ctx, &userv1.AcceptFollowRequestRequest{Username: "bob_1"}); err != nil {
		t.Fatal(err)
	}
	if !e.canView(t, bob, ann) {
		t.Fatal("an approved follower cannot view")
	}
	e.block(t, bob, "ann_1")
	if e.canView(t, bob, ann) {
		t.Error("Bob still sees Ann's photos after blocking her")
	}
	if _, err := e.users.UnblockUser(bob.ctx, &userv1.UnblockUserRequest{Username: "ann_1"}); err != nil {
		t.Fatal(err)
	}
	// The follow the block ended stays ended.
	if e.canView(t, bob, ann) {
		t.Error("unblocking gave back the follow of a private account")
	}
	e.wantRelation(t, bob, "ann_1", relation{state: none})
}

// A crash after the block's row and before its edge deletions leaves edges
// that give nothing; BlockUser again ends them.
func TestBlockLeftOverEdgesGiveNoAccess(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")
	e.makePrivate(t, ann, true)
	e.follow(t, bob, "ann_1", requested)
	if _, err := e.users.AcceptFollowRequest(ann.ctx, &userv1.AcceptFollowRequestRequest{Username: "bob_1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutBlock(context.Background(), ann.user.GetUserId(), bob.user.GetUserId(), time.Now()); err != nil {
		t.Fatal(err)
	}

	if e.canView(t, bob, ann) {
		t.Error("a left-over follow gives access across the block")
	}
	filtered, err := e.internal.FilterFollowing(context.Background(), &userv1.FilterFollowingRequest{
		UserId: bob.user.GetUserId(), OwnerIds: []string{ann.user.GetUserId()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(filtered.GetOwnerIds()) != 0 {
		t.Errorf("FilterFollowing counts a left-over follow across a block: %v", filtered.GetOwnerIds())
	}

	e.block(t, ann, "bob_1")
	if n := e.profile(t, ann, "ann_1").GetFollowerCount(); n != 0 {
		t.Errorf("followers after BlockUser again: %d, want 0", n)
	}
}

// blockingStore makes a block land between Follow's check for blocks and
// its write of the edge, as a BlockUser racing it may.
type blockingStore struct {
	store.Store
	blocker string
}

func (s *blockingStore) PutFollowIfAbsent(ctx context.Context, f store.Follow) (store.Follow, error) {
	if err := s.PutBlock(ctx, s.blocker, f.FollowerID, time.Now()); err != nil {
		return store.Follow{}, err
	}
	return s.Store.PutFollowIfAbsent(ctx, f)
}

func TestFollowRacingABlockTakesItsEdgeBack(t *testing.T) {
	var racing *blockingStore
	e := newEnvOn(t, func(s store.Store) store.Store {
		racing = &blockingStore{Store: s}
		return racing
	})
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")
	racing.blocker = ann.user.GetUserId()

	_, err := e.users.Follow(bob.ctx, &userv1.FollowRequest{Username: "ann_1"})
	wantCode(t, err, codes.PermissionDenied)
	if n := e.profile(t, ann, "ann_1").GetFollowerCount(); n != 0 {
		t.Errorf("Ann's followers after a follow that raced her block: %d, want 0", n)
	}
}

func TestListBlocksPages(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	var want []string
	for _, name := range []string{"Bob_1", "Cat_1", "Dan_1", "Eve_1", "Fay_1"} {
		e.register(t, name)
		e.block(t, ann, name)
		want = append([]string{name}, want...)
	}
	var got []string
	token := ""
	for range 10 {
		resp, err := e.users.ListBlocks(ann.ctx, &userv1.ListBlocksRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range resp.GetUsers() {
			got = append(got, u.GetUsername())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("blocks, most recent first: %v, want %v", got, want)
	}
}

func TestMute(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")
	e.register(t, "Cat_1")
	e.follow(t, ann, "bob_1", following)
	e.follow(t, bob, "ann_1", following)
	for _, name := range []string{"bob_1", "cat_1", "BOB_1"} {
		if _, err := e.users.MuteUser(ann.ctx, &userv1.MuteUserRequest{Username: name}); err != nil {
			t.Fatal(err)
		}
	}

	if p := e.profile(t, ann, "bob_1"); !p.GetMutedByYou() || p.GetFollowState() != following || !p.GetCanView() {
		t.Errorf("Ann's view of Bob, whom she muted: %v", p)
	}
	// Nothing else changes, either way.
	if p := e.profile(t, bob, "ann_1"); p.GetMutedByYou() || p.GetFollowState() != following || !p.GetFollowsYou() {
		t.Errorf("Bob's view of Ann, who muted him: %v", p)
	}
	if !e.canView(t, bob, ann) || !e.canView(t, ann, bob) {
		t.Error("a mute changed CanView")
	}

	list, err := e.users.ListMutes(ann.ctx, &userv1.ListMutesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range list.GetUsers() {
		names = append(names, u.GetUsername()+":"+u.GetFollowState().String())
	}
	if want := []string{"Cat_1:FOLLOW_STATE_NONE", "Bob_1:FOLLOW_STATE_FOLLOWING"}; !slices.Equal(names, want) {
		t.Errorf("Ann's mutes: %v, want %v", names, want)
	}
	mutedIDs := func() []string {
		t.Helper()
		resp, err := e.internal.ListMutedIds(context.Background(), &userv1.ListMutedIdsRequest{UserId: ann.user.GetUserId()})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetUserIds()
	}
	if got := mutedIDs(); len(got) != 2 || !slices.Contains(got, bob.user.GetUserId()) {
		t.Errorf("ListMutedIds: %v, want Bob and Cat", got)
	}

	if _, err := e.users.UnmuteUser(ann.ctx, &userv1.UnmuteUserRequest{Username: "bob_1"}); err != nil {
		t.Fatal(err)
	}
	if got := mutedIDs(); slices.Contains(got, bob.user.GetUserId()) || len(got) != 1 {
		t.Errorf("ListMutedIds after unmuting Bob: %v, want Cat only", got)
	}
	if e.profile(t, ann, "bob_1").GetMutedByYou() {
		t.Error("muted_by_you after the unmute")
	}
	_, err = e.internal.ListMutedIds(context.Background(), &userv1.ListMutedIdsRequest{})
	wantCode(t, err, codes.InvalidArgument)
	_, err = e.internal.ListBlockedIds(context.Background(), &userv1.ListBlockedIdsRequest{})
	wantCode(t, err, codes.InvalidArgument)
}

func TestSearchLeavesOutBothSidesOfABlock(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat := e.register(t, "Mari_ann"), e.register(t, "Mari_bob"), e.register(t, "Mari_cat")
	e.block(t, ann, "mari_bob")
	search := func(who person) []string {
		t.Helper()
		resp, err := e.users.SearchUsers(who.ctx, &userv1.SearchUsersRequest{Q: "mari"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range resp.GetUsers() {
			names = append(names, u.GetUsername())
		}
		return names
	}
	for _, tc := range []struct {
		who  person
		want []string
	}{
		{ann, []string{"Mari_ann", "Mari_cat"}},
		{bob, []string{"Mari_bob", "Mari_cat"}},
		{cat, []string{"Mari_ann", "Mari_bob", "Mari_cat"}},
	} {
		if got := search(tc.who); !slices.Equal(got, tc.want) {
			t.Errorf("%s searches: %v, want %v", tc.who.user.GetUsername(), got, tc.want)
		}
	}
}

package feed

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
)

// userValidator accepts the token "token-<user id>" of every known user.
type userValidator struct{ users *fakeUsers }

func (v userValidator) ValidateSession(_ context.Context, token string) (authn.Caller, error) {
	id, ok := strings.CutPrefix(token, "token-")
	v.users.mu.Lock()
	_, known := v.users.users[id]
	v.users.mu.Unlock()
	if !ok || !known {
		return authn.Caller{}, status.Error(codes.Unauthenticated, "unknown session")
	}
	return authn.Caller{UserID: id, SessionID: "s-" + id}, nil
}

// edge is a follow edge: its state, dated when it reached it.
type edge struct {
	state userv1.FollowState
	since time.Time
}

// fakeUsers is an in-memory UserInternalService: users and follow edges
// with the user service's semantics (only FOLLOWING edges are listed and
// filtered; a private account's follow starts as REQUESTED; an edge is
// dated when it becomes FOLLOWING, and read_time lags the clock by
// readLag).
type fakeUsers struct {
	userv1.UnimplementedUserInternalServiceServer

	mu      sync.Mutex
	users   map[string]*userv1.UserSummary
	follows map[string]map[string]edge // follower → followee → edge
	muted   map[string]map[string]bool // muter → muted
	calls   map[string]int
	// readLag is how far read_time lags the clock (the real service's
	// bound on how late a follow's write lands).
	readLag time.Duration
}

func newFakeUsers() *fakeUsers {
	return &fakeUsers{
		users:   make(map[string]*userv1.UserSummary),
		follows: make(map[string]map[string]edge),
		muted:   make(map[string]map[string]bool),
		calls:   make(map[string]int),
	}
}

// mute makes muter mute (or, with on false, unmute) muted.
func (f *fakeUsers) mute(muter, muted string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.muted[muter] == nil {
		f.muted[muter] = make(map[string]bool)
	}
	if on {
		f.muted[muter][muted] = true
	} else {
		delete(f.muted[muter], muted)
	}
}

func (f *fakeUsers) ListMutedIds(_ context.Context, req *userv1.ListMutedIdsRequest) (*userv1.ListMutedIdsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListMutedIds"]++
	if req.GetUserId() == "" {
		return nil, status.Error(codes.InvalidArgument, "user_id: is required")
	}
	resp := &userv1.ListMutedIdsResponse{}
	for id := range f.muted[req.GetUserId()] {
		resp.UserIds = append(resp.UserIds, id)
	}
	return resp, nil
}

// add registers a user whose id and username are derived from name.
func (f *fakeUsers) add(name string, private bool) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := "u-" + name
	f.users[id] = &userv1.UserSummary{
		UserId:    id,
		Username:  name,
		FullName:  "Full " + name,
		AvatarUrl: "/v1/users/" + name + "/avatar",
		IsPrivate: private,
	}
	return id
}

// follow makes follower follow followee: FOLLOWING for a public account,
// REQUESTED for a private one. Following again changes nothing.
func (f *fakeUsers) follow(follower, followee string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.follows[follower][followee]; ok {
		return
	}
	state := userv1.FollowState_FOLLOW_STATE_FOLLOWING
	if f.users[followee].GetIsPrivate() {
		state = userv1.FollowState_FOLLOW_STATE_REQUESTED
	}
	if f.follows[follower] == nil {
		f.follows[follower] = make(map[string]edge)
	}
	f.follows[follower][followee] = edge{state: state, since: time.Now()}
}

// accept turns follower's request to followee into a follow, dated now.
func (f *fakeUsers) accept(followee, follower string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.follows[follower][followee] = edge{state: userv1.FollowState_FOLLOW_STATE_FOLLOWING, since: time.Now()}
}

// unfollow drops the edge from follower to followee.
func (f *fakeUsers) unfollow(follower, followee string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.follows[follower], followee)
}

// removeFollower is followee making follower stop following them.
func (f *fakeUsers) removeFollower(followee, follower string) {
	f.unfollow(follower, followee)
}

func (f *fakeUsers) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// idPageSize applies the id lists' page size rules.
func idPageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, status.Error(codes.InvalidArgument, "page_size: must not be negative")
	case n == 0:
		return 1000, nil
	}
	return min(int(n), 10000), nil
}

// pageOfIDs returns the ids after token in id order, at most size, and
// the next token.
func pageOfIDs(ids []string, token string, size int) *userv1.ListFollowerIdsResponse {
	sort.Strings(ids)
	ids = slices.DeleteFunc(ids, func(id string) bool { return id <= token })
	resp := &userv1.ListFollowerIdsResponse{UserIds: ids}
	if len(ids) > size {
		resp.UserIds = ids[:size]
		resp.NextPageToken = ids[size-1]
	}
	return resp
}

func (f *fakeUsers) ListFollowingIds(_ context.Context, req *userv1.ListFollowingIdsRequest) (*userv1.ListFollowingIdsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListFollowingIds"]++
	size, err := idPageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	readTime := time.Now().Add(-f.readLag)
	var ids []string
	for id, e := range f.follows[req.GetUserId()] {
		if e.state != userv1.FollowState_FOLLOW_STATE_FOLLOWING {
			continue
		}
		if req.FollowedAfter != nil && !e.since.After(req.GetFollowedAfter().AsTime()) {
			continue
		}
		ids = append(ids, id)
	}
	page := pageOfIDs(ids, req.GetPageToken(), size)
	return &userv1.ListFollowingIdsResponse{UserIds: page.UserIds, NextPageToken: page.NextPageToken, ReadTime: timestamppb.New(readTime)}, nil
}

func (f *fakeUsers) ListFollowerIds(_ context.Context, req *userv1.ListFollowerIdsRequest) (*userv1.ListFollowerIdsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListFollowerIds"]++
	size, err := idPageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	var ids []string
	for follower, edges := range f.follows {
		if edges[req.GetUserId()].state == userv1.FollowState_FOLLOW_STATE_FOLLOWING {
			ids = append(ids, follower)
		}
	}
	return pageOfIDs(ids, req.GetPageToken(), size), nil
}

func (f *fakeUsers) CountFollowers(_ context.Context, req *userv1.CountFollowersRequest) (*userv1.CountFollowersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["CountFollowers"]++
	var n int64
	for _, edges := range f.follows {
		if edges[req.GetUserId()].state == userv1.FollowState_FOLLOW_STATE_FOLLOWING {
			n++
		}
	}
	return &userv1.CountFollowersResponse{FollowerCount: n}, nil
}

func (f *fakeUsers) FilterFollowing(_ context.Context, req *userv1.FilterFollowingRequest) (*userv1.FilterFollowingResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["FilterFollowing"]++
	switch {
	case req.GetUserId() == "":
		return nil, status.Error(codes.InvalidArgument, "user_id: is required")
	case len(req.GetOwnerIds()) > 1000:
		return nil, status.Error(codes.InvalidArgument, "owner_ids: at most 1000")
	}
	resp := &userv1.FilterFollowingResponse{}
	for _, id := range req.GetOwnerIds() {
		if f.follows[req.GetUserId()][id].state == userv1.FollowState_FOLLOW_STATE_FOLLOWING && !slices.Contains(resp.OwnerIds, id) {
			resp.OwnerIds = append(resp.OwnerIds, id)
		}
	}
	return resp, nil
}

func (f *fakeUsers) BatchGetUsers(_ context.Context, req *userv1.BatchGetUsersRequest) (*userv1.BatchGetUsersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["BatchGetUsers"]++
	if len(req.GetUserIds()) > 1000 {
		return nil, status.Error(codes.InvalidArgument, "user_ids: at most 1000")
	}
	resp := &userv1.BatchGetUsersResponse{}
	for _, id := range req.GetUserIds() {
		if u, ok := f.users[id]; ok {
			resp.Users = append(resp.Users, proto.Clone(u).(*userv1.UserSummary))
		}
	}
	return resp, nil
}

// fakeImages is an in-memory ImageInternalService holding photos with the
// image service's ordering rules: newest first (create_time, then image_id,
// descending) strictly before a cursor, and the posting log oldest first
// strictly after one.
type fakeImages struct {
	imagev1.UnimplementedImageInternalServiceServer

	mu     sync.Mutex
	images map[string]*imagev1.Image
	likes  map[string]map[string]bool // image id → viewers who like it
	next   int
	calls  map[string]int
	// failure, when set, is what ListOwnersImages answers.
	failure error
}

func newFakeImages() *fakeImages {
	return &fakeImages{
		images: make(map[string]*imagev1.Image),
		likes:  make(map[string]map[string]bool),
		calls:  make(map[string]int),
	}
}

// post adds a photo of owner created at t and returns its id. Ids are
// random-looking (not in posting order), as the real ones are. A photo
// posted with a time older than others is one committed late.
func (f *fakeImages) post(owner string, t time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := fmt.Sprintf("img%03x-%d", (f.next*7919)%4096, f.next)
	f.images[id] = &imagev1.Image{
		ImageId:    id,
		OwnerId:    owner,
		Caption:    "caption of " + id,
		CreateTime: timestamppb.New(t),
		ThumbUrl:   "/v1/images/" + id + "/content?size=thumb",
		DisplayUrl: "/v1/images/" + id + "/content?size=display",
	}
	return id
}

func (f *fakeImages) like(id, viewer string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.likes[id] == nil {
		f.likes[id] = make(map[string]bool)
	}
	f.likes[id][viewer] = true
	f.images[id].LikeCount = int64(len(f.likes[id]))
}

func (f *fakeImages) delete(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.images, id)
}

// setFailure makes ListOwnersImages fail with err, or work again when err
// is nil.
func (f *fakeImages) setFailure(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failure = err
}

func (f *fakeImages) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// viewed returns a copy of img with viewer's reactions. The caller holds
// f.mu.
func (f *fakeImages) viewed(img *imagev1.Image, viewer string) *imagev1.Image {
	c := proto.Clone(img).(*imagev1.Image)
	c.LikedByMe = f.likes[img.GetImageId()][viewer]
	return c
}

func (f *fakeImages) ListOwnersImages(_ context.Context, req *imagev1.ListOwnersImagesRequest) (*imagev1.ListOwnersImagesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListOwnersImages"]++
	if f.failure != nil {
		return nil, f.failure
	}
	if len(req.GetOwnerIds()) > 10000 {
		return nil, status.Error(codes.InvalidArgument, "owner_ids: at most 10,000")
	}
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, status.Error(codes.InvalidArgument, "page_size: must not be negative")
	case size == 0:
		size = 20
	case size > 100:
		size = 100
	}
	return &imagev1.ListOwnersImagesResponse{Images: f.list(req.GetOwnerIds(), req.GetBefore(), size, req.GetViewerId())}, nil
}

// list returns the newest size photos of owners strictly before the
// cursor before, with viewer's reactions. The caller holds f.mu.
func (f *fakeImages) list(owners []string, before *imagev1.ImageCursor, size int, viewer string) []*imagev1.Image {
	var found []*imagev1.Image
	for _, img := range f.images {
		if !slices.Contains(owners, img.GetOwnerId()) {
			continue
		}
		if before != nil && !fakeOlder(img, before.GetCreateTime().AsTime(), before.GetImageId()) {
			continue
		}
		found = append(found, f.viewed(img, viewer))
	}
	sort.Slice(found, func(i, j int) bool {
		return fakeOlder(found[j], found[i].GetCreateTime().AsTime(), found[i].GetImageId())
	})
	return found[:min(len(found), size)]
}

func (f *fakeImages) BatchGetImages(_ context.Context, req *imagev1.BatchGetImagesRequest) (*imagev1.BatchGetImagesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["BatchGetImages"]++
	if len(req.GetImageIds()) > 1000 {
		return nil, status.Error(codes.InvalidArgument, "image_ids: at most 1,000")
	}
	resp := &imagev1.BatchGetImagesResponse{}
	for _, id := range req.GetImageIds() {
		if img, ok := f.images[id]; ok {
			resp.Images = append(resp.Images, f.viewed(img, req.GetViewerId()))
		}
	}
	return resp, nil
}

func (f *fakeImages) ListImagesAfter(_ context.Context, req *imagev1.ListImagesAfterRequest) (*imagev1.ListImagesAfterResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListImagesAfter"]++
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, status.Error(codes.InvalidArgument, "page_size: must not be negative")
	case size == 0:
		size = 100
	case size > 1000:
		size = 1000
	}
	after := req.GetAfter()
	var found []*imagev1.Image
	for _, img := range f.images {
		if after != nil && !fakeNewer(img, after.GetCreateTime().AsTime(), after.GetImageId()) {
			continue
		}
		found = append(found, &imagev1.Image{ImageId: img.GetImageId(), OwnerId: img.GetOwnerId(), CreateTime: img.GetCreateTime()})
	}
	sort.Slice(found, func(i, j int) bool {
		return fakeNewer(found[j], found[i].GetCreateTime().AsTime(), found[i].GetImageId())
	})
	return &imagev1.ListImagesAfterResponse{Images: found[:min(len(found), size)]}, nil
}

// fakeOlder reports whether img comes strictly after the position (t, id)
// in the image service's newest-first order: create_time descending, then
// image_id descending. It is written apart from the feed's own comparator,
// so that the tests do not check the feed against itself.
func fakeOlder(img *imagev1.Image, t time.Time, id string) bool {
	it := img.GetCreateTime().AsTime()
	return it.Before(t) || it.Equal(t) && img.GetImageId() < id
}

// fakeNewer reports whether img comes strictly after the position (t, id)
// in posting order.
func fakeNewer(img *imagev1.Image, t time.Time, id string) bool {
	it := img.GetCreateTime().AsTime()
	return it.After(t) || it.Equal(t) && img.GetImageId() > id
}

// ids returns the image ids of items, in order.
func ids(items []*imagev1.Image) []string {
	out := make([]string, len(items))
	for i, img := range items {
		out[i] = img.GetImageId()
	}
	return out
}

// itoa is strconv.Itoa, short for building names in loops.
func itoa(i int) string { return strconv.Itoa(i) }

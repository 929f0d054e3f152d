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

// fakeUsers is an in-memory UserInternalService: users and follow edges
// with the user service's semantics (only FOLLOWING edges are listed by
// ListFollowingIds; a private account's follow starts as REQUESTED).
type fakeUsers struct {
	userv1.UnimplementedUserInternalServiceServer

	mu      sync.Mutex
	users   map[string]*userv1.UserSummary
	follows map[string]map[string]userv1.FollowState // follower → followee → state
	calls   map[string]int
}

func newFakeUsers() *fakeUsers {
	return &fakeUsers{
		users:   make(map[string]*userv1.UserSummary),
		follows: make(map[string]map[string]userv1.FollowState),
		calls:   make(map[string]int),
	}
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
// REQUESTED for a private one.
func (f *fakeUsers) follow(follower, followee string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	state := userv1.FollowState_FOLLOW_STATE_FOLLOWING
	if f.users[followee].GetIsPrivate() {
		state = userv1.FollowState_FOLLOW_STATE_REQUESTED
	}
	if f.follows[follower] == nil {
		f.follows[follower] = make(map[string]userv1.FollowState)
	}
	f.follows[follower][followee] = state
}

// accept turns follower's request to followee into a follow.
func (f *fakeUsers) accept(followee, follower string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.follows[follower][followee] = userv1.FollowState_FOLLOW_STATE_FOLLOWING
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

func (f *fakeUsers) ListFollowingIds(_ context.Context, req *userv1.ListFollowingIdsRequest) (*userv1.ListFollowingIdsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListFollowingIds"]++
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, status.Error(codes.InvalidArgument, "page_size: must not be negative")
	case size == 0:
		size = 1000
	case size > 10000:
		size = 10000
	}
	var ids []string
	for id, state := range f.follows[req.GetUserId()] {
		if state == userv1.FollowState_FOLLOW_STATE_FOLLOWING && id > req.GetPageToken() {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	resp := &userv1.ListFollowingIdsResponse{UserIds: ids}
	if len(ids) > size {
		resp.UserIds = ids[:size]
		resp.NextPageToken = ids[size-1]
	}
	return resp, nil
}

func (f *fakeUsers) BatchGetUsers(_ context.Context, req *userv1.BatchGetUsersRequest) (*userv1.BatchGetUsersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["BatchGetUsers"]++
	if len(req.GetUserIds()) > 1000 {
		return nil, status.Error(codes.InvalidArgument, "user_ids: at most 1,000")
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
// image service's ordering rule: create_time descending, then image_id
// descending, strictly before the cursor.
type fakeImages struct {
	imagev1.UnimplementedImageInternalServiceServer

	mu     sync.Mutex
	images map[string]*imagev1.Image
	likes  map[string]map[string]bool // image id → viewers who like it
	next   int
	calls  int
}

func newFakeImages() *fakeImages {
	return &fakeImages{images: make(map[string]*imagev1.Image), likes: make(map[string]map[string]bool)}
}

// post adds a photo of owner created at t and returns its id. Ids are
// random-looking (not in posting order), as the real ones are.
func (f *fakeImages) post(owner string, t time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := fmt.Sprintf("img%x-%d", (f.next*7919)%1000, f.next)
	f.images[id] = &imagev1.Image{
		ImageId:    id,
		OwnerId:    owner,
		Caption:    "caption of " + id,
		CreateTime: timestamppb.New(t),
		LikeCount:  int64(len(f.likes[id])),
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

func (f *fakeImages) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeImages) ListOwnersImages(_ context.Context, req *imagev1.ListOwnersImagesRequest) (*imagev1.ListOwnersImagesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
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
		c := proto.Clone(img).(*imagev1.Image)
		c.LikedByMe = f.likes[img.GetImageId()][viewer]
		found = append(found, c)
	}
	sort.Slice(found, func(i, j int) bool {
		return fakeOlder(found[j], found[i].GetCreateTime().AsTime(), found[i].GetImageId())
	})
	return found[:min(len(found), size)]
}

// fakeOlder reports whether img comes strictly after the position (t, id)
// in the image service's order: create_time descending, then image_id
// descending. It is written apart from the feed's own comparator, so that
// the tests do not check the feed against itself.
func fakeOlder(img *imagev1.Image, t time.Time, id string) bool {
	it := img.GetCreateTime().AsTime()
	return it.Before(t) || it.Equal(t) && img.GetImageId() < id
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

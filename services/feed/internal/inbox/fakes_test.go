package inbox

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitypb"
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

// fakeLog is an activity log as the services serve it: events oldest
// first by (time, id), strictly after a cursor, at most 1,000 a call.
// Events may be appended out of time order, as events committed late are.
type fakeLog struct {
	mu     sync.Mutex
	events []activity.Event
}

// add appends ev to the log.
func (l *fakeLog) add(ev activity.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

// list answers ListActivityAfter. Its order is written apart from
// activity.Cursor's, so that the tests do not check the tailer against
// itself.
func (l *fakeLog) list(after *activityv1.Cursor, pageSize int32) ([]*activityv1.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	size := int(pageSize)
	switch {
	case size < 0:
		return nil, status.Error(codes.InvalidArgument, "page_size: must not be negative")
	case size == 0:
		size = 100
	case size > 1000:
		size = 1000
	}
	var found []activity.Event
	for _, ev := range l.events {
		if after != nil {
			t := after.GetTime().AsTime()
			if ev.Time.Before(t) || ev.Time.Equal(t) && ev.ID <= after.GetEventId() {
				continue
			}
		}
		found = append(found, ev)
	}
	slices.SortFunc(found, func(a, b activity.Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := make([]*activityv1.Event, 0, min(len(found), size))
	for _, ev := range found[:min(len(found), size)] {
		out = append(out, activitypb.ToProto(ev))
	}
	return out, nil
}

// fakeUsers is an in-memory UserInternalService: users, who may see whose
// photos, and the user service's activity log.
type fakeUsers struct {
	userv1.UnimplementedUserInternalServiceServer

	log fakeLog

	mu    sync.Mutex
	users map[string]*userv1.UserSummary
	// hidden holds the [viewer, owner] pairs CanView refuses.
	hidden map[[2]string]bool
	calls  map[string]int
}

func newFakeUsers() *fakeUsers {
	return &fakeUsers{
		users:  make(map[string]*userv1.UserSummary),
		hidden: make(map[[2]string]bool),
		calls:  make(map[string]int),
	}
}

// add registers a user whose id and username are derived from name.
func (f *fakeUsers) add(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := "u-" + name
	f.users[id] = &userv1.UserSummary{
		UserId:    id,
		Username:  name,
		FullName:  "Full " + name,
		AvatarUrl: "/v1/users/" + name + "/avatar",
	}
	return id
}

// remove deletes the account id.
func (f *fakeUsers) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users, id)
}

// setVisible says whether viewer may see owner's photos.
func (f *fakeUsers) setVisible(viewer, owner string, visible bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hidden[[2]string{viewer, owner}] = !visible
}

func (f *fakeUsers) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
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

func (f *fakeUsers) CanView(_ context.Context, req *userv1.CanViewRequest) (*userv1.CanViewResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["CanView"]++
	_, exists := f.users[req.GetOwnerId()]
	allowed := exists && !f.hidden[[2]string{req.GetViewerId(), req.GetOwnerId()}]
	return &userv1.CanViewResponse{Allowed: allowed, OwnerExists: exists}, nil
}

func (f *fakeUsers) ListActivityAfter(_ context.Context, req *userv1.ListActivityAfterRequest) (*userv1.ListActivityAfterResponse, error) {
	events, err := f.log.list(req.GetAfter(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	return &userv1.ListActivityAfterResponse{Events: events}, nil
}

// fakeImages is an in-memory ImageInternalService: photos and the image
// service's activity log.
type fakeImages struct {
	imagev1.UnimplementedImageInternalServiceServer

	log fakeLog

	mu     sync.Mutex
	images map[string]*imagev1.Image
	next   int
	// failure, when set, is what BatchGetImages answers.
	failure error
}

func newFakeImages() *fakeImages {
	return &fakeImages{images: make(map[string]*imagev1.Image)}
}

// post adds a photo of owner and returns its id.
func (f *fakeImages) post(owner string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := "img" + strconv.Itoa(f.next)
	f.images[id] = &imagev1.Image{
		ImageId:    id,
		OwnerId:    owner,
		ThumbUrl:   "/v1/images/" + id + "/content?size=thumb",
		DisplayUrl: "/v1/images/" + id + "/content?size=display",
	}
	return id
}

// owner returns the owner of photo id.
func (f *fakeImages) owner(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.images[id].GetOwnerId()
}

func (f *fakeImages) delete(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.images, id)
}

// setFailure makes BatchGetImages fail with err, or work again when err
// is nil.
func (f *fakeImages) setFailure(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failure = err
}

func (f *fakeImages) BatchGetImages(_ context.Context, req *imagev1.BatchGetImagesRequest) (*imagev1.BatchGetImagesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failure != nil {
		return nil, f.failure
	}
	if len(req.GetImageIds()) > 1000 {
		return nil, status.Error(codes.InvalidArgument, "image_ids: at most 1,000")
	}
	resp := &imagev1.BatchGetImagesResponse{}
	for _, id := range req.GetImageIds() {
		if img, ok := f.images[id]; ok {
			resp.Images = append(resp.Images, proto.Clone(img).(*imagev1.Image))
		}
	}
	return resp, nil
}

func (f *fakeImages) ListActivityAfter(_ context.Context, req *imagev1.ListActivityAfterRequest) (*imagev1.ListActivityAfterResponse, error) {
	events, err := f.log.list(req.GetAfter(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	return &imagev1.ListActivityAfterResponse{Events: events}, nil
}

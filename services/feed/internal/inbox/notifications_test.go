package inbox

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"

	"github.com/fotogal/fotogal/pkg/activity"
)

// TestListNotificationsFillsEveryField: a notification shows its actor as
// anyone may see them, its photo's thumbnail, its comment and its time.
func TestListNotificationsFillsEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, fan := e.users.add("owner"), e.users.add("fan")
	img := e.images.post(owner)
	comment, follow := e.comment(fan, img, "lovely light"), e.event(activity.Follow, fan, owner, "", "")
	e.add(comment, follow)
	tail(t, e.server)

	got := e.all(t, owner, 20)
	if len(got) != 2 {
		t.Fatalf("got %d notifications, want 2", len(got))
	}
	actor := &feedv1.Actor{UserId: fan, Username: "fan", FullName: "Full fan", AvatarUrl: "/v1/users/fan/avatar"}
	want := []*feedv1.Notification{
		{Kind: activityv1.Kind_KIND_FOLLOW, Actor: actor, CreateTime: timestamppb.New(follow.Time), Unread: true},
		{
			Kind: activityv1.Kind_KIND_COMMENT, Actor: actor, ImageId: img, ThumbUrl: "/v1/images/" + img + "/content?size=thumb",
			CommentId: comment.CommentID, Text: "lovely light", CreateTime: timestamppb.New(comment.Time), Unread: true,
		},
	}
	for i, n := range got {
		if len(n.GetNotificationId()) != notificationIDLen {
			t.Errorf("notification %d: id %q, want %d characters", i, n.GetNotificationId(), notificationIDLen)
		}
		want[i].NotificationId = n.GetNotificationId()
		if n.String() != want[i].String() {
			t.Errorf("notification %d:\ngot  %v\nwant %v", i, n, want[i])
		}
	}
	if got[0].GetNotificationId() == got[1].GetNotificationId() {
		t.Errorf("both notifications have id %s", got[0].GetNotificationId())
	}
}

// TestDeletedPhotoDropsItsNotifications: the notifications of a photo
// that is gone are left out, and deleted from the store.
func TestDeletedPhotoDropsItsNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, fan := e.users.add("owner"), e.users.add("fan")
	kept, deleted := e.images.post(owner), e.images.post(owner)
	e.add(e.like(fan, kept), e.like(fan, deleted), e.comment(fan, deleted, "so good"))
	tail(t, e.server)
	e.images.delete(deleted)

	if got := e.all(t, owner, 20); len(got) != 1 || got[0].GetImageId() != kept {
		t.Errorf("got %v, want the like of %s alone", summaries(got), kept)
	}
	if got := e.stored(t, owner); len(got) != 1 || got[0].ImageID != kept {
		t.Errorf("the store holds %v, want the like of %s alone", got, kept)
	}
	if got := e.unread(t, owner); got != 1 {
		t.Errorf("unread %d, want 1", got)
	}
}

// TestMentionOfAPhotoNoLongerVisible: a mention of a photo the recipient
// may no longer see is left out, not deleted, and shows again once they
// may; CanView is asked once per owner.
func TestMentionOfAPhotoNoLongerVisible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, other := e.users.add("me"), e.users.add("other")
	first, second := e.images.post(other), e.images.post(other)
	e.add(e.event(activity.Mention, other, me, first, ""), e.event(activity.Mention, other, me, second, activity.NewID()))
	tail(t, e.server)

	check := func(wantShown int) {
		t.Helper()
		before := e.users.callCount("CanView")
		if got := e.all(t, me, 20); len(got) != wantShown {
			t.Errorf("shown %d, want %d", len(got), wantShown)
		}
		if got := e.users.callCount("CanView") - before; got != 1 {
			t.Errorf("CanView called %d times for one page of one owner's photos, want 1", got)
		}
		if got := len(e.stored(t, me)); got != 2 {
			t.Errorf("the store holds %d, want 2", got)
		}
	}
	check(2)
	e.users.setVisible(me, other, false)
	check(0)
	if got := e.unread(t, me); got != 0 {
		t.Errorf("unread %d while hidden, want 0", got)
	}
	e.users.setVisible(me, other, true)
	check(2)
}

// TestOwnPhotosNeedNoCanView: likes of the recipient's own photos are
// checked without asking CanView.
func TestOwnPhotosNeedNoCanView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, fan := e.users.add("owner"), e.users.add("fan")
	e.add(e.like(fan, e.images.post(owner)))
	tail(t, e.server)
	if got := len(e.all(t, owner, 20)); got != 1 {
		t.Fatalf("shown %d, want 1", got)
	}
	if got := e.users.callCount("CanView"); got != 0 {
		t.Errorf("CanView called %d times, want 0", got)
	}
}

// TestActorGoneDropsTheirNotifications: the notifications of an account
// that no longer exists are left out.
func TestActorGoneDropsTheirNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, stays, leaves := e.users.add("owner"), e.users.add("stays"), e.users.add("leaves")
	img := e.images.post(owner)
	e.add(e.like(stays, img), e.like(leaves, img), e.event(activity.Follow, leaves, owner, "", ""))
	tail(t, e.server)
	e.users.remove(leaves)
	if got := e.all(t, owner, 20); len(got) != 1 || got[0].GetActor().GetUserId() != stays {
		t.Errorf("got %v, want the like of %s alone", summaries(got), stays)
	}
	if got := e.unread(t, owner); got != 1 {
		t.Errorf("unread %d, want 1", got)
	}
}

// TestListNotificationsPages: pages are newest first and, walked through,
// neither repeat nor skip a notification, however many the checks drop
// between them.
func TestListNotificationsPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int32
		// gone are the indexes (oldest first) of the likers whose accounts
		// are deleted.
		gone []int
	}{
		{name: "pages of 1", size: 1},
		{name: "pages of 7", size: 7},
		{name: "the default page size", size: 0},
		{name: "more than the maximum", size: 1000},
		{name: "pages of 1 over 15 dropped in a row", size: 1, gone: []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}},
		{name: "pages of 4 over scattered drops", size: 4, gone: []int{0, 2, 5, 6, 7, 20, 24}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			owner := e.users.add("owner")
			img := e.images.post(owner)
			var want []summary
			for i := range 25 {
				liker := e.users.add("liker" + strconv.Itoa(i))
				like := e.like(liker, img)
				e.add(like)
				if slices.Contains(tc.gone, i) {
					e.users.remove(liker)
				} else {
					want = append(want, summaryOf(like))
				}
			}
			slices.Reverse(want)
			tail(t, e.server)
			if got := summaries(e.all(t, owner, tc.size)); !slices.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
		})
	}
}

// TestListNotificationsPagesWhileNewOnesArrive: notifications that arrive
// between two pages come first on the next first page, and the walk in
// progress neither repeats nor skips one.
func TestListNotificationsPagesWhileNewOnesArrive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.users.add("owner")
	img := e.images.post(owner)
	var want []summary
	for i := range 10 {
		like := e.like(e.users.add("liker"+strconv.Itoa(i)), img)
		e.add(like)
		want = append(want, summaryOf(like))
	}
	slices.Reverse(want)
	tail(t, e.server)

	first := e.page(t, owner, 4, "")
	got := summaries(first.GetNotifications())
	late := e.like(e.users.add("late"), img)
	e.add(late)
	tail(t, e.server)
	for token := first.GetNextPageToken(); token != ""; {
		resp := e.page(t, owner, 4, token)
		got = append(got, summaries(resp.GetNotifications())...)
		token = resp.GetNextPageToken()
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if got := summaries(e.page(t, owner, 1, "").GetNotifications()); !slices.Equal(got, []summary{summaryOf(late)}) {
		t.Errorf("first page now %v, want the late like", got)
	}
}

// markRead marks viewer's notifications read up to upTo and returns the
// mark as it stands.
func (e *env) markRead(t *testing.T, viewer string, upTo *timestamppb.Timestamp) time.Time {
	t.Helper()
	resp, err := e.client.MarkNotificationsRead(as(viewer), &feedv1.MarkNotificationsReadRequest{UpToTime: upTo})
	if err != nil {
		t.Fatalf("MarkNotificationsRead as %s: %v", viewer, err)
	}
	return resp.GetReadUpToTime().AsTime()
}

// unreadFlags returns the unread flags of viewer's inbox, newest first.
func (e *env) unreadFlags(t *testing.T, viewer string) []bool {
	t.Helper()
	var flags []bool
	for _, n := range e.all(t, viewer, 20) {
		flags = append(flags, n.GetUnread())
	}
	return flags
}

// TestMarkNotificationsRead: the read mark decides the unread flags and
// count, never moves back, and is never later than now.
func TestMarkNotificationsRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, fan := e.users.add("owner"), e.users.add("fan")
	var likes []activity.Event
	for range 3 {
		like := e.like(fan, e.images.post(owner))
		likes = append(likes, like)
		e.add(like)
	}
	tail(t, e.server)

	if got, want := e.unreadFlags(t, owner), []bool{true, true, true}; !slices.Equal(got, want) {
		t.Errorf("before any mark: unread %v, want %v", got, want)
	}
	if got := e.unread(t, owner); got != 3 {
		t.Errorf("before any mark: unread count %d, want 3", got)
	}
	if got := e.markRead(t, owner, timestamppb.New(likes[1].Time)); !got.Equal(likes[1].Time) {
		t.Errorf("mark %v, want the second like's time %v", got, likes[1].Time)
	}
	if got, want := e.unreadFlags(t, owner), []bool{true, false, false}; !slices.Equal(got, want) {
		t.Errorf("after the mark: unread %v, want %v", got, want)
	}
	if got := e.unread(t, owner); got != 1 {
		t.Errorf("after the mark: unread count %d, want 1", got)
	}
	if got := e.markRead(t, owner, timestamppb.New(likes[0].Time)); !got.Equal(likes[1].Time) {
		t.Errorf("an earlier mark moved it to %v, want it kept at %v", got, likes[1].Time)
	}
	if got := e.unread(t, owner); got != 1 {
		t.Errorf("after an earlier mark: unread count %d, want 1", got)
	}
	if got := e.markRead(t, owner, nil); !got.Equal(e.now) {
		t.Errorf("a mark without a time is %v, want now %v", got, e.now)
	}
	if got := e.unread(t, owner); got != 0 {
		t.Errorf("after marking all read: unread count %d, want 0", got)
	}

	other := e.users.add("other")
	if got := e.markRead(t, other, timestamppb.New(e.now.Add(time.Hour))); !got.Equal(e.now) {
		t.Errorf("a mark an hour ahead is %v, want now %v", got, e.now)
	}
	_, err := e.client.MarkNotificationsRead(as(owner), &feedv1.MarkNotificationsReadRequest{UpToTime: &timestamppb.Timestamp{Nanos: -1}})
	if got, want := status.Code(err), codes.InvalidArgument; got != want {
		t.Errorf("an invalid time: %v, want %v", got, want)
	}
}

// TestGetUnreadCountCaps: the count stops at MaxUnreadCount, counting
// past the notifications the checks drop.
func TestGetUnreadCountCaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.users.add("owner")
	img := e.images.post(owner)
	var likers []string
	for i := range MaxUnreadCount + 5 {
		likers = append(likers, e.users.add("liker"+strconv.Itoa(i)))
		e.add(e.like(likers[i], img))
	}
	tail(t, e.server)
	if got := e.unread(t, owner); got != MaxUnreadCount {
		t.Errorf("unread %d, want %d", got, MaxUnreadCount)
	}
	// The 4 newest go: 101 are left, still past the cap.
	for _, id := range likers[len(likers)-4:] {
		e.users.remove(id)
	}
	if got := e.unread(t, owner); got != MaxUnreadCount {
		t.Errorf("with 4 dropped: unread %d, want %d", got, MaxUnreadCount)
	}
	// 2 more go: 99 are left.
	for _, id := range likers[:2] {
		e.users.remove(id)
	}
	if got := e.unread(t, owner); got != MaxUnreadCount-1 {
		t.Errorf("with 6 dropped: unread %d, want %d", got, MaxUnreadCount-1)
	}
}

// TestNotificationsNeedASession: every method refuses a call without a
// valid session.
func TestNotificationsNeedASession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	calls := map[string]func(ctx context.Context) error{
		"ListNotifications": func(ctx context.Context) error {
			_, err := e.client.ListNotifications(ctx, &feedv1.ListNotificationsRequest{})
			return err
		},
		"GetUnreadCount": func(ctx context.Context) error {
			_, err := e.client.GetUnreadCount(ctx, &feedv1.GetUnreadCountRequest{})
			return err
		},
		"MarkNotificationsRead": func(ctx context.Context) error {
			_, err := e.client.MarkNotificationsRead(ctx, &feedv1.MarkNotificationsReadRequest{})
			return err
		},
	}
	sessions := map[string]context.Context{
		"no session":      context.Background(),
		"unknown session": metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer nope"),
	}
	for method, call := range calls {
		for name, ctx := range sessions {
			t.Run(method+"/"+name, func(t *testing.T) {
				t.Parallel()
				if got, want := status.Code(call(ctx)), codes.Unauthenticated; got != want {
					t.Errorf("got %v, want %v", got, want)
				}
			})
		}
	}
}

// TestListNotificationsErrors: bad requests are InvalidArgument, an
// unreachable upstream Unavailable.
func TestListNotificationsErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, fan := e.users.add("owner"), e.users.add("fan")
	e.add(e.like(fan, e.images.post(owner)))
	tail(t, e.server)
	tests := []struct {
		name string
		req  *feedv1.ListNotificationsRequest
		want codes.Code
	}{
		{"negative page size", &feedv1.ListNotificationsRequest{PageSize: -1}, codes.InvalidArgument},
		{"a token not made here", &feedv1.ListNotificationsRequest{PageToken: "bm90IGEgdG9rZW4"}, codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.ListNotifications(as(owner), tc.req)
			if got := status.Code(err); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("image service unavailable", func(t *testing.T) {
		e.images.setFailure(status.Error(codes.Unavailable, "down"))
		defer e.images.setFailure(nil)
		_, err := e.client.ListNotifications(as(owner), &feedv1.ListNotificationsRequest{})
		if got, want := status.Code(err), codes.Unavailable; got != want {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

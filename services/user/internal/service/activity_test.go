package service_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/activity"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// activityReader reads the activity log through ListActivityAfter, each
// time from where it stopped the time before.
type activityReader struct {
	e     *env
	after *activityv1.Cursor
	// names are the usernames of the people events name, by id.
	names map[string]string
}

func (e *env) activityReader(people ...person) *activityReader {
	r := &activityReader{e: e, names: map[string]string{}}
	for _, p := range people {
		r.names[p.user.GetUserId()] = p.user.GetUsername()
	}
	return r
}

// next returns the events appended since the last call, sorted, each as
// "+KIND actor>recipient", or "-KIND ..." when retracted. They are sorted
// because the events of one change share its time, and are then in the
// order of their random ids.
func (r *activityReader) next(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, ev := range r.e.readActivity(t, r.after, 0) {
		out = append(out, r.describe(t, ev))
		r.after = &activityv1.Cursor{Time: ev.GetTime(), EventId: ev.GetEventId()}
	}
	slices.Sort(out)
	return out
}

// describe returns ev as next shows it, and fails the test unless it has
// the shape of a follow graph's event.
func (r *activityReader) describe(t *testing.T, ev *activityv1.Event) string {
	t.Helper()
	if len(ev.GetEventId()) != 26 || ev.GetTime() == nil || ev.GetImageId() != "" || ev.GetCommentId() != "" || ev.GetText() != "" {
		t.Errorf("event %v: want a 26-byte id, a time, and no photo, comment or text", ev)
	}
	sign := "+"
	if ev.GetRetracted() {
		sign = "-"
	}
	return fmt.Sprintf("%s%s %s>%s", sign, strings.TrimPrefix(ev.GetKind().String(), "KIND_"),
		r.names[ev.GetActorId()], r.names[ev.GetRecipientId()])
}

// readActivity reads the whole log after the cursor, pageSize events at a
// time, and fails the test unless it comes in log order.
func (e *env) readActivity(t *testing.T, after *activityv1.Cursor, pageSize int32) []*activityv1.Event {
	t.Helper()
	var events []*activityv1.Event
	for {
		resp, err := e.internal.ListActivityAfter(context.Background(), &userv1.ListActivityAfterRequest{After: after, PageSize: pageSize})
		if err != nil {
			t.Fatalf("ListActivityAfter: %v", err)
		}
		page := resp.GetEvents()
		if pageSize > 0 && len(page) > int(pageSize) {
			t.Fatalf("page of %d events, want at most %d", len(page), pageSize)
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if after != nil && !comesAfter(ev, after) {
				t.Fatalf("event %v does not come after %v", ev, after)
			}
			after = &activityv1.Cursor{Time: ev.GetTime(), EventId: ev.GetEventId()}
		}
		events = append(events, page...)
	}
	return events
}

// comesAfter reports whether ev comes strictly after c in log order.
func comesAfter(ev *activityv1.Event, c *activityv1.Cursor) bool {
	ct, et := c.GetTime().AsTime(), ev.GetTime().AsTime()
	return et.After(ct) || (et.Equal(ct) && ev.GetEventId() > c.GetEventId())
}

func TestFollowGraphActivity(t *testing.T) {
	e := newEnv(t)
	ann, bob, cat := e.register(t, "Ann_1"), e.register(t, "Bob_1"), e.register(t, "Cat_1")
	log := e.activityReader(ann, bob, cat)

	follow := func(who person, username string) func() error {
		return func() error {
			_, err := e.users.Follow(who.ctx, &userv1.FollowRequest{Username: username})
			return err
		}
	}
	unfollow := func(who person, username string) func() error {
		return func() error {
			_, err := e.users.Unfollow(who.ctx, &userv1.UnfollowRequest{Username: username})
			return err
		}
	}
	accept := func(who person, username string) func() error {
		return func() error {
			_, err := e.users.AcceptFollowRequest(who.ctx, &userv1.AcceptFollowRequestRequest{Username: username})
			return err
		}
	}
	reject := func(who person, username string) func() error {
		return func() error {
			_, err := e.users.RejectFollowRequest(who.ctx, &userv1.RejectFollowRequestRequest{Username: username})
			return err
		}
	}
	removeFollower := func(who person, username string) func() error {
		return func() error {
			_, err := e.users.RemoveFollower(who.ctx, &userv1.RemoveFollowerRequest{Username: username})
			return err
		}
	}
	makePrivate := func(who person) func() error {
		return func() error {
			_, err := e.users.UpdateProfile(who.ctx, &userv1.UpdateProfileRequest{IsPrivate: new(true)})
			return err
		}
	}

	steps := []struct {
		name string
		do   func() error
		code codes.Code
		want []string
	}{
		{"follow a public account", follow(ann, "bob_1"), codes.OK, []string{"+FOLLOW Ann_1>Bob_1"}},
		{"follow again", follow(ann, "bob_1"), codes.OK, nil},
		{"unfollow", unfollow(ann, "bob_1"), codes.OK, []string{"-FOLLOW Ann_1>Bob_1"}},
		{"unfollow again", unfollow(ann, "bob_1"), codes.OK, nil},
		{"turn private", makePrivate(bob), codes.OK, nil},
		{"ask to follow", follow(ann, "bob_1"), codes.OK, []string{"+FOLLOW_REQUEST Ann_1>Bob_1"}},
		{"ask again", follow(ann, "bob_1"), codes.OK, nil},
		{"cancel the request", unfollow(ann, "bob_1"), codes.OK, []string{"-FOLLOW_REQUEST Ann_1>Bob_1"}},
		{"cancel again", unfollow(ann, "bob_1"), codes.OK, nil},
		{"ask once more", follow(ann, "bob_1"), codes.OK, []string{"+FOLLOW_REQUEST Ann_1>Bob_1"}},
		{"reject", reject(bob, "ann_1"), codes.OK, []string{"-FOLLOW_REQUEST Ann_1>Bob_1"}},
		{"reject again", reject(bob, "ann_1"), codes.NotFound, nil},
		{"ask after the rejection", follow(ann, "bob_1"), codes.OK, []string{"+FOLLOW_REQUEST Ann_1>Bob_1"}},
		{"accept", accept(bob, "ann_1"), codes.OK, []string{
			"+FOLLOW Ann_1>Bob_1", "+REQUEST_ACCEPTED Bob_1>Ann_1", "-FOLLOW_REQUEST Ann_1>Bob_1",
		}},
		{"accept again", accept(bob, "ann_1"), codes.NotFound, nil},
		{"follow once accepted", follow(ann, "bob_1"), codes.OK, nil},
		{"remove a request", func() error {
			if err := follow(cat, "bob_1")(); err != nil {
				return err
			}
			return removeFollower(bob, "cat_1")()
		}, codes.OK, []string{"+FOLLOW_REQUEST Cat_1>Bob_1"}},
		{"remove the follower", removeFollower(bob, "ann_1"), codes.OK, []string{"-FOLLOW Ann_1>Bob_1"}},
		{"remove again", removeFollower(bob, "ann_1"), codes.OK, nil},
		{"unfollow after removal", unfollow(ann, "bob_1"), codes.OK, nil},
	}
	for _, step := range steps {
		wantCode(t, step.do(), step.code)
		if got := log.next(t); !slices.Equal(got, step.want) {
			t.Errorf("%s: events %q, want %q", step.name, got, step.want)
		}
	}
}

func TestUnfollowAcceptedRequestRetractsTheFollow(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")
	e.makePrivate(t, bob, true)
	e.follow(t, ann, "bob_1", requested)
	if _, err := e.users.AcceptFollowRequest(bob.ctx, &userv1.AcceptFollowRequestRequest{Username: "ann_1"}); err != nil {
		t.Fatal(err)
	}
	log := e.activityReader(ann, bob)
	log.next(t)
	if _, err := e.users.Unfollow(ann.ctx, &userv1.UnfollowRequest{Username: "bob_1"}); err != nil {
		t.Fatal(err)
	}
	if got, want := log.next(t), []string{"-FOLLOW Ann_1>Bob_1"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestTurningPublicRecordsEachAccept(t *testing.T) {
	e := newEnv(t)
	bob, eve := e.register(t, "Bob_1"), e.register(t, "Eve_1")
	e.follow(t, eve, "bob_1", following) // A follower from before: no new event.
	e.makePrivate(t, bob, true)
	people := []person{bob, eve}
	for _, name := range []string{"Ann_1", "Cat_1", "Dan_1"} {
		p := e.register(t, name)
		e.follow(t, p, "bob_1", requested)
		people = append(people, p)
	}
	log := e.activityReader(people...)
	log.next(t)

	e.makePrivate(t, bob, false)
	var want []string
	for _, name := range []string{"Ann_1", "Cat_1", "Dan_1"} {
		want = append(want, "+FOLLOW "+name+">Bob_1", "+REQUEST_ACCEPTED Bob_1>"+name, "-FOLLOW_REQUEST "+name+">Bob_1")
	}
	slices.Sort(want)
	if got := log.next(t); !slices.Equal(got, want) {
		t.Errorf("events %q,\nwant %q", got, want)
	}

	// Nothing was pending any more: going private and public again writes
	// nothing.
	e.makePrivate(t, bob, true)
	e.makePrivate(t, bob, false)
	if got := log.next(t); len(got) != 0 {
		t.Errorf("events %q, want none", got)
	}
}

func TestTurningPublicWithManyRequests(t *testing.T) {
	e := newEnv(t)
	bob := e.register(t, "Bob_1")
	e.makePrivate(t, bob, true)
	// More requesters than a page of the accepted follows; they need no
	// accounts of their own for the log.
	const n = 250
	ctx := context.Background()
	for i := range n {
		f := store.Follow{FollowerID: fmt.Sprintf("fan-%03d", i), FolloweeID: bob.user.GetUserId(), State: store.FollowRequested, CreatedAt: time.Now().UTC()}
		if _, err := e.store.PutFollowIfAbsent(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	e.makePrivate(t, bob, false)

	got := map[string][]string{}
	for _, ev := range e.readActivity(t, nil, 1000) {
		requester := ev.GetActorId()
		if ev.GetKind() == activityv1.Kind_KIND_REQUEST_ACCEPTED {
			requester = ev.GetRecipientId()
		}
		got[requester] = append(got[requester], fmt.Sprintf("%v/%v", ev.GetKind(), ev.GetRetracted()))
	}
	if len(got) != n {
		t.Errorf("events for %d requesters, want %d", len(got), n)
	}
	want := []string{"KIND_FOLLOW/false", "KIND_FOLLOW_REQUEST/true", "KIND_REQUEST_ACCEPTED/false"}
	for requester, kinds := range got {
		if slices.Sort(kinds); !slices.Equal(kinds, want) {
			t.Errorf("%s: events %v, want %v", requester, kinds, want)
		}
	}
}

func TestListActivityAfterPages(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	for _, name := range []string{"Bob_1", "Cat_1", "Dan_1"} {
		e.register(t, name)
		e.follow(t, ann, name, following)
		if _, err := e.users.Unfollow(ann.ctx, &userv1.UnfollowRequest{Username: name}); err != nil {
			t.Fatal(err)
		}
	}
	all := e.readActivity(t, nil, 0)
	if len(all) != 6 {
		t.Fatalf("%d events, want 6", len(all))
	}
	for _, size := range []int32{1, 2, 4, 5000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			got := e.readActivity(t, nil, size)
			if !slices.EqualFunc(got, all, func(a, b *activityv1.Event) bool { return a.GetEventId() == b.GetEventId() }) {
				t.Errorf("pages of %d: %v, want %v", size, got, all)
			}
		})
	}
	t.Run("after a cursor", func(t *testing.T) {
		third := &activityv1.Cursor{Time: all[2].GetTime(), EventId: all[2].GetEventId()}
		if got := e.readActivity(t, third, 2); len(got) != 3 || got[0].GetEventId() != all[3].GetEventId() {
			t.Errorf("after the third: %v, want the last three", got)
		}
	})

	tests := []struct {
		name string
		req  *userv1.ListActivityAfterRequest
	}{
		{"negative page size", &userv1.ListActivityAfterRequest{PageSize: -1}},
		{"cursor without a time", &userv1.ListActivityAfterRequest{After: &activityv1.Cursor{EventId: "x"}}},
		{"cursor out of range", &userv1.ListActivityAfterRequest{After: &activityv1.Cursor{Time: &timestamppb.Timestamp{Seconds: 1 << 62}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.internal.ListActivityAfter(context.Background(), tc.req)
			wantCode(t, err, codes.InvalidArgument)
		})
	}
}

// failingLog is a store whose activity log refuses every append.
type failingLog struct {
	store.Store
}

func (failingLog) AppendEvents(context.Context, ...activity.Event) error {
	return errors.New("the activity log is down")
}

func TestChangesStandWhenTheLogFails(t *testing.T) {
	e := newEnvOn(t, func(s store.Store) store.Store { return failingLog{s} })
	ann, bob := e.register(t, "Ann_1"), e.register(t, "Bob_1")

	e.follow(t, ann, "bob_1", following)
	e.wantRelation(t, ann, "bob_1", relation{state: following, canView: true, followers: 1})
	e.makePrivate(t, ann, true)
	e.follow(t, bob, "ann_1", requested)
	e.makePrivate(t, ann, false)
	e.wantRelation(t, bob, "ann_1", relation{state: following, followsMe: true, canView: true, followers: 1, following: 1})
	if _, err := e.users.Unfollow(ann.ctx, &userv1.UnfollowRequest{Username: "bob_1"}); err != nil {
		t.Fatal(err)
	}
	e.wantRelation(t, ann, "bob_1", relation{state: none, followsMe: true, canView: true, following: 1})
}

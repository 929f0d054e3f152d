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
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitypb"
	"github.com/fotogal/fotogal/pkg/testimages"
	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// activityLog reads the image service's activity log as the feed does,
// through ListActivityAfter, remembering how far it has read.
type activityLog struct {
	e     *env
	after *activityv1.Cursor
}

// next returns the events appended since the last call, oldest first.
func (l *activityLog) next(t *testing.T) []activity.Event {
	t.Helper()
	var events []activity.Event
	for range 100 {
		resp, err := l.e.internal.ListActivityAfter(asService(), &imagev1.ListActivityAfterRequest{After: l.after, PageSize: 1000})
		if err != nil {
			t.Fatalf("ListActivityAfter: %v", err)
		}
		for _, ev := range resp.GetEvents() {
			events = append(events, activitypb.FromProto(ev))
		}
		if len(resp.GetEvents()) == 0 {
			return events
		}
		l.after = activitypb.CursorToProto(activity.CursorOf(events[len(events)-1]))
	}
	t.Fatal("the log never ends")
	return nil
}

// expect checks that the events since the last call are want, in any
// order, each told as summary tells it, and about imageID.
func (l *activityLog) expect(t *testing.T, step, imageID string, want ...string) []activity.Event {
	t.Helper()
	events := l.next(t)
	var got []string
	for _, ev := range events {
		got = append(got, summary(ev))
		if ev.ImageID != imageID || ev.ID == "" || ev.Time.IsZero() || time.Since(ev.Time) > time.Minute {
			t.Errorf("%s: event %+v, want one about %s, with an id and the time of the step", step, ev, imageID)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: events\n  %q\nwant\n  %q", step, got, want)
	}
	return events
}

// summary tells an event as "<kind> <actor> > <recipient>", with " comment"
// when it is about a comment and " retracted" when it was taken back; the
// people by username.
func summary(ev activity.Event) string {
	kinds := map[activity.Kind]string{activity.Like: "like", activity.Comment: "comment", activity.Mention: "mention"}
	s := fmt.Sprintf("%s %s > %s", kinds[ev.Kind], strings.TrimPrefix(ev.ActorID, "id-"), strings.TrimPrefix(ev.RecipientID, "id-"))
	if ev.CommentID != "" {
		s += " comment"
	}
	if ev.Retracted {
		s += " retracted"
	}
	return s
}

func TestReactionEvents(t *testing.T) {
	e := newEnv(t)
	log := &activityLog{e: e}
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	private := mustUpload(t, e, "bob", testimages.PNG(20, 20), "").GetImageId()
	steps := []struct {
		name string
		call func() error
		want []string
	}{
		{"carol likes", func() error {
			_, err := e.client.LikeImage(as("carol"), &imagev1.LikeImageRequest{ImageId: id})
			return err
		}, []string{"like carol > alice"}},
		{"carol unlikes", func() error {
			_, err := e.client.UnlikeImage(as("carol"), &imagev1.UnlikeImageRequest{ImageId: id})
			return err
		}, []string{"like carol > alice retracted"}},
		{"erin likes", func() error {
			_, err := e.client.LikeImage(as("erin"), &imagev1.LikeImageRequest{ImageId: id})
			return err
		}, []string{"like erin > alice"}},
		{"erin dislikes, which replaces her like", func() error {
			_, err := e.client.DislikeImage(as("erin"), &imagev1.DislikeImageRequest{ImageId: id})
			return err
		}, []string{"like erin > alice retracted"}},
		{"erin undislikes", func() error {
			_, err := e.client.UndislikeImage(as("erin"), &imagev1.UndislikeImageRequest{ImageId: id})
			return err
		}, nil},
		{"alice likes her own photo", func() error {
			_, err := e.client.LikeImage(as("alice"), &imagev1.LikeImageRequest{ImageId: id})
			return err
		}, nil},
	}
	for _, step := range steps {
		if err := step.call(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		log.expect(t, step.name, id, step.want...)
	}
	_, err := e.client.LikeImage(as("erin"), &imagev1.LikeImageRequest{ImageId: private})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("a stranger likes a private photo: %v", err)
	}
	log.expect(t, "a refused like", private)
}

func TestCommentEvents(t *testing.T) {
	e := newEnv(t)
	log := &activityLog{e: e}
	e.users.approve("id-bob", "id-person01")
	// bob's account is private: carol and person01 may see his photo, dave
	// (pending) and alice and erin (strangers) may not.
	private := mustUpload(t, e, "bob", testimages.PNG(20, 20), "").GetImageId()
	public := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()

	text := "look @person01 @dave @ALICE @carol @nobody_at_all @person01 and @bob"
	byCarol := e.comment(t, "carol", private, text)
	events := log.expect(t, "carol comments on bob's photo", private,
		"comment carol > bob comment",
		"mention carol > person01 comment", // the only other one who may see it
	)
	for _, ev := range events {
		if ev.CommentID != byCarol.GetCommentId() || ev.Text != text || !ev.Time.Equal(byCarol.GetCreateTime().AsTime()) {
			t.Errorf("event %+v, want comment %s, its text and time", ev, byCarol.GetCommentId())
		}
	}

	e.comment(t, "bob", private, "thanks @carol and @dave")
	log.expect(t, "bob comments on his own photo", private, "mention bob > carol comment")

	long := "@erin_" + strings.Repeat("x", 10) + " " + strings.Repeat("é", 300)
	e.comment(t, "dave", public, "@alice @erin and @dave: "+long)
	events = log.expect(t, "dave mentions the owner, erin and himself", public,
		"comment dave > alice comment",
		"mention dave > erin comment",
	)
	if got := []rune(events[0].Text); len(got) != activity.MaxTextLen {
		t.Errorf("event text of %d characters, want the first %d", len(got), activity.MaxTextLen)
	}

	// Neither side of a block can mention the other, even on a photo
	// both may see.
	e.users.block("id-dave", "id-erin")
	e.comment(t, "dave", public, "@erin @carol")
	log.expect(t, "dave mentions erin across a block", public,
		"comment dave > alice comment",
		"mention dave > carol comment",
	)
	e.comment(t, "erin", public, "@dave")
	log.expect(t, "erin mentions dave across a block", public, "comment erin > alice comment")

	byErin := e.comment(t, "erin", public, "hi @carol")
	log.next(t)
	if _, err := e.client.DeleteComment(as("alice"), &imagev1.DeleteCommentRequest{ImageId: public, CommentId: byErin.GetCommentId()}); err != nil {
		t.Fatal(err)
	}
	log.expect(t, "the owner deletes erin's comment", public,
		"comment erin > alice comment retracted",
		"mention erin > carol comment retracted",
	)

	if _, err := e.client.DeleteComment(as("carol"), &imagev1.DeleteCommentRequest{ImageId: private, CommentId: byCarol.GetCommentId()}); err != nil {
		t.Fatal(err)
	}
	log.expect(t, "carol deletes her comment", private,
		"comment carol > bob comment retracted",
		// Everyone it named, seeing the photo or not.
		"mention carol > person01 comment retracted",
		"mention carol > dave comment retracted",
		"mention carol > alice comment retracted",
	)
}

func TestCaptionMentionEvents(t *testing.T) {
	e := newEnv(t)
	log := &activityLog{e: e}
	e.users.approve("id-bob", "id-person01")
	img := mustUpload(t, e, "bob", testimages.PNG(20, 20), "with @carol @dave @Carol and @person02")
	id := img.GetImageId()
	events := log.expect(t, "upload", id, "mention bob > carol")
	if ev := events[0]; ev.Text != img.GetCaption() || !ev.Time.Equal(img.GetCreateTime().AsTime()) {
		t.Errorf("upload's mention %+v, want the caption and the upload's time", ev)
	}

	steps := []struct {
		name    string
		caption string
		want    []string
	}{
		{"person01 added, dave and person02 dropped", "with @carol and @person01", []string{
			"mention bob > person01",
			"mention bob > dave retracted",
			"mention bob > person02 retracted",
		}},
		{"the same people", "with @CAROL and @person01, edited", nil},
		{"everyone dropped", "nobody", []string{
			"mention bob > carol retracted",
			"mention bob > person01 retracted",
		}},
	}
	for _, step := range steps {
		if _, err := e.client.UpdateImage(as("bob"), &imagev1.UpdateImageRequest{ImageId: id, Caption: step.caption}); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		log.expect(t, step.name, id, step.want...)
	}
	off := true
	if _, err := e.client.UpdateImage(as("bob"), &imagev1.UpdateImageRequest{ImageId: id, CommentsDisabled: &off}); err != nil {
		t.Fatal(err)
	}
	log.expect(t, "comments turned off, caption left alone", id)
	if _, err := e.client.UpdateImage(as("bob"), &imagev1.UpdateImageRequest{ImageId: id, Caption: "@carol again", CommentsDisabled: &off}); err != nil {
		t.Fatal(err)
	}
	log.expect(t, "caption with comments_disabled", id, "mention bob > carol")
}

// failingLog fails to append activity events.
type failingLog struct {
	store.Store
}

func (failingLog) AppendEvents(context.Context, ...activity.Event) error {
	return errors.New("log unavailable")
}

func TestActionsStandWithoutTheLog(t *testing.T) {
	e := newEnv(t, withStore(func(s store.Store) store.Store { return failingLog{s} }))
	img, err := e.upload("alice", testimages.PNG(20, 20), uploadOptions{caption: "hi @carol"})
	if err != nil {
		t.Fatalf("upload with a mention: %v", err)
	}
	id := img.GetImageId()
	liked, err := e.client.LikeImage(as("carol"), &imagev1.LikeImageRequest{ImageId: id})
	if err != nil || liked.GetImage().GetLikeCount() != 1 {
		t.Errorf("LikeImage: %v, %v", liked, err)
	}
	c, err := e.client.AddComment(as("carol"), &imagev1.AddCommentRequest{ImageId: id, Text: "hello @erin"})
	if err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	if n, _ := e.commentState(t, "alice", id); n != 1 {
		t.Errorf("comment_count %d, want 1", n)
	}
	if _, err := e.client.DeleteComment(as("carol"), &imagev1.DeleteCommentRequest{ImageId: id, CommentId: c.GetComment().GetCommentId()}); err != nil {
		t.Errorf("DeleteComment: %v", err)
	}
}

func TestMentionsWithoutTheUserService(t *testing.T) {
	e := newEnv(t)
	log := &activityLog{e: e}
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	e.users.mu.Lock()
	e.users.failLookups = true
	e.users.mu.Unlock()
	if _, err := e.client.AddComment(as("carol"), &imagev1.AddCommentRequest{ImageId: id, Text: "hello @erin"}); err != nil {
		t.Fatalf("AddComment with mentions unresolvable: %v", err)
	}
	log.expect(t, "the comment still tells the owner", id, "comment carol > alice comment")
}

func TestListActivityAfter(t *testing.T) {
	e := newEnv(t)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	for _, p := range []string{"carol", "dave", "erin", "person01", "person02"} {
		if _, err := e.client.LikeImage(as(p), &imagev1.LikeImageRequest{ImageId: id}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := asService()
	all, err := e.internal.ListActivityAfter(ctx, &imagev1.ListActivityAfterRequest{})
	if err != nil || len(all.GetEvents()) != 5 {
		t.Fatalf("ListActivityAfter from the start: %v, %v; want 5 events", all, err)
	}
	var paged []string
	var after *activityv1.Cursor
	for range 10 {
		resp, err := e.internal.ListActivityAfter(ctx, &imagev1.ListActivityAfterRequest{After: after, PageSize: 2})
		if err != nil {
			t.Fatalf("ListActivityAfter: %v", err)
		}
		if len(resp.GetEvents()) > 2 {
			t.Fatalf("a page of 2 has %d events", len(resp.GetEvents()))
		}
		if len(resp.GetEvents()) == 0 {
			break
		}
		for _, ev := range resp.GetEvents() {
			paged = append(paged, ev.GetEventId())
		}
		last := resp.GetEvents()[len(resp.GetEvents())-1]
		after = &activityv1.Cursor{Time: last.GetTime(), EventId: last.GetEventId()}
	}
	var want []string
	var likers []string
	for i, ev := range all.GetEvents() {
		want = append(want, ev.GetEventId())
		likers = append(likers, ev.GetActorId())
		if i > 0 && !activity.CursorOf(activitypb.FromProto(all.GetEvents()[i-1])).After(activitypb.FromProto(ev)) {
			t.Errorf("event %d is not after the one before in log order", i)
		}
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged %v, want %v", paged, want)
	}
	if wantLikers := []string{"id-carol", "id-dave", "id-erin", "id-person01", "id-person02"}; !slices.Equal(likers, wantLikers) {
		t.Errorf("likers in log order %v, want %v (oldest first)", likers, wantLikers)
	}

	invalid := []struct {
		name  string
		req   *imagev1.ListActivityAfterRequest
		field string
	}{
		{"negative page size", &imagev1.ListActivityAfterRequest{PageSize: -1}, "page_size"},
		{"cursor without a time", &imagev1.ListActivityAfterRequest{After: &activityv1.Cursor{EventId: "x"}}, "after"},
		{"cursor with a bad time", &imagev1.ListActivityAfterRequest{After: &activityv1.Cursor{Time: &timestamppb.Timestamp{Nanos: -1}}}, "after"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.internal.ListActivityAfter(ctx, tc.req)
			if !isFieldViolation(err, tc.field) {
				t.Errorf("got %v, want InvalidArgument on %s", err, tc.field)
			}
		})
	}
	_, err = e.internal.ListActivityAfter(as("alice"), &imagev1.ListActivityAfterRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("with a session but no service credential: %v, want Unauthenticated", err)
	}
}

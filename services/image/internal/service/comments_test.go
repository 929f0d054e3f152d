package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/testimages"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// comment adds text under imageID as user and fails the test if it cannot.
func (e *env) comment(t *testing.T, user, imageID, text string) *imagev1.Comment {
	t.Helper()
	resp, err := e.client.AddComment(as(user), &imagev1.AddCommentRequest{ImageId: imageID, Text: text})
	if err != nil {
		t.Fatalf("AddComment as %s: %v", user, err)
	}
	return resp.GetComment()
}

// commentState returns the comment count and whether comments are off, as
// GetImage shows them to user.
func (e *env) commentState(t *testing.T, user, imageID string) (int64, bool) {
	t.Helper()
	resp, err := e.client.GetImage(as(user), &imagev1.GetImageRequest{ImageId: imageID})
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	return resp.GetImage().GetCommentCount(), resp.GetImage().GetCommentsDisabled()
}

func TestCommentAccess(t *testing.T) {
	e := newEnv(t)
	photos := map[string]string{
		"alice": mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId(),
		"bob":   mustUpload(t, e, "bob", testimages.PNG(20, 20), "").GetImageId(),
	}
	tests := []struct {
		viewer, owner string
		want          codes.Code // of adding, listing and deleting alike
	}{
		{"alice", "alice", codes.OK},    // owner, public
		{"carol", "alice", codes.OK},    // approved follower, public
		{"dave", "alice", codes.OK},     // pending requester, public
		{"erin", "alice", codes.OK},     // stranger, public
		{"bob", "bob", codes.OK},        // owner, private
		{"carol", "bob", codes.OK},      // approved follower, private
		{"dave", "bob", codes.NotFound}, // pending requester, private
		{"erin", "bob", codes.NotFound}, // stranger, private
	}
	for _, tc := range tests {
		t.Run(tc.viewer+" on "+tc.owner, func(t *testing.T) {
			id := photos[tc.owner]
			// A comment of the owner's, which the viewer's delete aims at
			// when they cannot add their own.
			target := e.comment(t, tc.owner, id, "by the owner").GetCommentId()
			added, err := e.client.AddComment(as(tc.viewer), &imagev1.AddCommentRequest{ImageId: id, Text: "hello from " + tc.viewer})
			if got := status.Code(err); got != tc.want {
				t.Errorf("AddComment: %v, want %v", err, tc.want)
			}
			if err == nil {
				target = added.GetComment().GetCommentId()
			}
			list, err := e.client.ListComments(as(tc.viewer), &imagev1.ListCommentsRequest{ImageId: id})
			if got := status.Code(err); got != tc.want {
				t.Errorf("ListComments: %v, want %v", err, tc.want)
			}
			if err == nil && !slices.ContainsFunc(list.GetComments(), func(c *imagev1.Comment) bool { return c.GetCommentId() == target }) {
				t.Errorf("ListComments: %v lacks %s", list.GetComments(), target)
			}
			_, err = e.client.DeleteComment(as(tc.viewer), &imagev1.DeleteCommentRequest{ImageId: id, CommentId: target})
			if got := status.Code(err); got != tc.want {
				t.Errorf("DeleteComment: %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("a hidden photo answers as a missing one", func(t *testing.T) {
		hidden, missing := photos["bob"], "nosuchimage"
		calls := map[string]func(id string) error{
			"AddComment": func(id string) error {
				_, err := e.client.AddComment(as("erin"), &imagev1.AddCommentRequest{ImageId: id, Text: "hi"})
				return err
			},
			"ListComments": func(id string) error {
				_, err := e.client.ListComments(as("erin"), &imagev1.ListCommentsRequest{ImageId: id})
				return err
			},
			"DeleteComment": func(id string) error {
				_, err := e.client.DeleteComment(as("erin"), &imagev1.DeleteCommentRequest{ImageId: id, CommentId: strings.Repeat("0", 26)})
				return err
			},
		}
		for name, call := range calls {
			hiddenErr, missingErr := call(hidden), call(missing)
			if status.Code(hiddenErr) != codes.NotFound || hiddenErr.Error() != missingErr.Error() {
				t.Errorf("%s: hidden %v; missing %v", name, hiddenErr, missingErr)
			}
		}
	})

	t.Run("no session", func(t *testing.T) {
		ctx := context.Background()
		id := photos["alice"]
		c := e.comment(t, "alice", id, "for the test without a session")
		_, addErr := e.client.AddComment(ctx, &imagev1.AddCommentRequest{ImageId: id, Text: "hi"})
		_, listErr := e.client.ListComments(ctx, &imagev1.ListCommentsRequest{ImageId: id})
		_, deleteErr := e.client.DeleteComment(ctx, &imagev1.DeleteCommentRequest{ImageId: id, CommentId: c.GetCommentId()})
		for name, err := range map[string]error{"AddComment": addErr, "ListComments": listErr, "DeleteComment": deleteErr} {
			if status.Code(err) != codes.Unauthenticated {
				t.Errorf("%s without a session: %v, want Unauthenticated", name, err)
			}
		}
	})
}

func TestAddCommentText(t *testing.T) {
	e := newEnv(t)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	c := e.comment(t, "carol", id, "  first line\r\nsecond\tline  ")
	if c.GetText() != "first line\nsecond\tline" || c.GetAuthorId() != "id-carol" || c.GetAuthorUsername() != "carol" ||
		c.GetImageId() != id || !c.GetCanDelete() || c.GetCreateTime() == nil {
		t.Errorf("AddComment = %v", c)
	}
	// Invalid UTF-8 cannot travel in a protobuf string: TestCommentText
	// checks that the service refuses it too.
	for _, bad := range []string{"", "   ", strings.Repeat("x", 2201), "bell\a"} {
		_, err := e.client.AddComment(as("carol"), &imagev1.AddCommentRequest{ImageId: id, Text: bad})
		if !isFieldViolation(err, "text") {
			t.Errorf("AddComment(%q): %v, want InvalidArgument on text", bad, err)
		}
	}
	if n, _ := e.commentState(t, "alice", id); n != 1 {
		t.Errorf("comment_count = %d after one valid comment, want 1", n)
	}
}

// isFieldViolation reports whether err is InvalidArgument with a field
// violation on field.
func isFieldViolation(err error, field string) bool {
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		return false
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return true
				}
			}
		}
	}
	return false
}

func TestDeleteCommentRights(t *testing.T) {
	e := newEnv(t)
	public := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	private := mustUpload(t, e, "bob", testimages.PNG(20, 20), "").GetImageId()
	tests := []struct {
		name, photo, author, deleter string
		want                         codes.Code
	}{
		{"the author", public, "carol", "carol", codes.OK},
		{"the photo's owner", public, "carol", "alice", codes.OK},
		{"a third person who sees the photo", public, "carol", "erin", codes.PermissionDenied},
		{"the owner's comment, by a commenter", public, "alice", "carol", codes.PermissionDenied},
		{"the owner of a private photo", private, "carol", "bob", codes.OK},
		{"a third person who may not see the photo", private, "carol", "erin", codes.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := e.comment(t, tc.author, tc.photo, "to delete")
			before, _ := e.commentState(t, tc.author, tc.photo)
			_, err := e.client.DeleteComment(as(tc.deleter), &imagev1.DeleteCommentRequest{ImageId: tc.photo, CommentId: c.GetCommentId()})
			if got := status.Code(err); got != tc.want {
				t.Fatalf("DeleteComment: %v, want %v", err, tc.want)
			}
			after, _ := e.commentState(t, tc.author, tc.photo)
			if tc.want == codes.OK && after != before-1 || tc.want != codes.OK && after != before {
				t.Errorf("comment_count went from %d to %d", before, after)
			}
		})
	}

	c := e.comment(t, "carol", public, "twice")
	if _, err := e.client.DeleteComment(as("carol"), &imagev1.DeleteCommentRequest{ImageId: public, CommentId: c.GetCommentId()}); err != nil {
		t.Fatal(err)
	}
	missing := []struct {
		name string
		req  *imagev1.DeleteCommentRequest
	}{
		{"deleted already", &imagev1.DeleteCommentRequest{ImageId: public, CommentId: c.GetCommentId()}},
		{"never written", &imagev1.DeleteCommentRequest{ImageId: public, CommentId: strings.Repeat("0", 26)}},
		{"under another photo", &imagev1.DeleteCommentRequest{ImageId: private, CommentId: e.comment(t, "carol", public, "here").GetCommentId()}},
	}
	for _, tc := range missing {
		_, err := e.client.DeleteComment(as("carol"), tc.req)
		if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "comment not found") {
			t.Errorf("%s: %v, want NotFound: comment not found", tc.name, err)
		}
	}
	_, err := e.client.DeleteComment(as("carol"), &imagev1.DeleteCommentRequest{ImageId: public})
	if !isFieldViolation(err, "comment_id") {
		t.Errorf("without a comment id: %v, want InvalidArgument on comment_id", err)
	}
}

func TestCommentsDisabled(t *testing.T) {
	e := newEnv(t)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "my caption").GetImageId()
	e.comment(t, "carol", id, "before")
	off := true
	_, err := e.client.UpdateImage(as("erin"), &imagev1.UpdateImageRequest{ImageId: id, CommentsDisabled: &off})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("a stranger turns comments off: %v, want PermissionDenied", err)
	}
	updated, err := e.client.UpdateImage(as("alice"), &imagev1.UpdateImageRequest{ImageId: id, CommentsDisabled: &off})
	if err != nil {
		t.Fatalf("turn comments off: %v", err)
	}
	if img := updated.GetImage(); !img.GetCommentsDisabled() || img.GetCaption() != "my caption" || img.GetCommentCount() != 1 {
		t.Errorf("after turning comments off (no caption sent): %v", img)
	}
	_, err = e.client.AddComment(as("carol"), &imagev1.AddCommentRequest{ImageId: id, Text: "after"})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "comments off") {
		t.Errorf("AddComment with comments off: %v, want FailedPrecondition", err)
	}
	list, err := e.client.ListComments(as("erin"), &imagev1.ListCommentsRequest{ImageId: id})
	if err != nil || len(list.GetComments()) != 1 {
		t.Errorf("ListComments with comments off: %v, %v; want the one comment", list, err)
	}
	if n, disabled := e.commentState(t, "erin", id); n != 1 || !disabled {
		t.Errorf("GetImage: comment_count %d, comments_disabled %v; want 1, true", n, disabled)
	}

	on := false
	updated, err = e.client.UpdateImage(as("alice"), &imagev1.UpdateImageRequest{ImageId: id, Caption: "new caption", CommentsDisabled: &on})
	if err != nil {
		t.Fatalf("turn comments on: %v", err)
	}
	if img := updated.GetImage(); img.GetCommentsDisabled() || img.GetCaption() != "new caption" {
		t.Errorf("after turning comments on with a caption: %v", img)
	}
	e.comment(t, "carol", id, "after")
	updated, err = e.client.UpdateImage(as("alice"), &imagev1.UpdateImageRequest{ImageId: id})
	if err != nil || updated.GetImage().GetCaption() != "" || updated.GetImage().GetCommentCount() != 2 {
		t.Errorf("an empty caption without comments_disabled clears it: %v, %v", updated, err)
	}
}

func TestCommentCount(t *testing.T) {
	e := newEnv(t)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	other := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	var ids []string
	for i := range 3 {
		ids = append(ids, e.comment(t, "carol", id, fmt.Sprint("comment ", i)).GetCommentId())
	}
	if n, _ := e.commentState(t, "carol", id); n != 3 {
		t.Errorf("after 3 comments: comment_count %d", n)
	}
	if _, err := e.client.DeleteComment(as("carol"), &imagev1.DeleteCommentRequest{ImageId: id, CommentId: ids[1]}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.commentState(t, "carol", id); n != 2 {
		t.Errorf("after a delete: comment_count %d, want 2", n)
	}
	list, err := e.client.ListUserImages(as("carol"), &imagev1.ListUserImagesRequest{Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := e.internal.BatchGetImages(asService(), &imagev1.BatchGetImagesRequest{ImageIds: []string{id, other}})
	if err != nil {
		t.Fatal(err)
	}
	for name, imgs := range map[string][]*imagev1.Image{"ListUserImages": list.GetImages(), "BatchGetImages": batch.GetImages()} {
		counts := map[string]int64{}
		for _, img := range imgs {
			counts[img.GetImageId()] = img.GetCommentCount()
		}
		if counts[id] != 2 || counts[other] != 0 || len(counts) != 2 {
			t.Errorf("%s: comment counts %v, want 2 and 0", name, counts)
		}
	}
	liked, err := e.client.LikeImage(as("carol"), &imagev1.LikeImageRequest{ImageId: id})
	if err != nil || liked.GetImage().GetCommentCount() != 2 {
		t.Errorf("LikeImage: %v, %v; want comment_count 2", liked, err)
	}
}

func TestListComments(t *testing.T) {
	e := newEnv(t)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	if _, err := e.setAvatar("carol", testimages.PNG(20, 20)); err != nil {
		t.Fatal(err)
	}
	authors := []string{"carol", "erin", "carol", "alice", "erin"}
	var want []string
	for i, author := range authors {
		want = append(want, e.comment(t, author, id, fmt.Sprint("comment ", i)).GetCommentId())
	}

	listAll := func(t *testing.T, viewer string, newestFirst bool) []*imagev1.Comment {
		t.Helper()
		var all []*imagev1.Comment
		token := ""
		for range 10 {
			before := e.users.lookups()
			resp, err := e.client.ListComments(as(viewer), &imagev1.ListCommentsRequest{ImageId: id, PageSize: 2, PageToken: token, NewestFirst: newestFirst})
			if err != nil {
				t.Fatalf("ListComments: %v", err)
			}
			if n := e.users.lookups() - before; n != 1 {
				t.Errorf("%d user service calls for a page, want 1", n)
			}
			all = append(all, resp.GetComments()...)
			if token = resp.GetNextPageToken(); token == "" {
				return all
			}
		}
		t.Fatal("the comments never end")
		return nil
	}
	idsOf := func(cs []*imagev1.Comment) []string {
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.GetCommentId())
		}
		return ids
	}

	oldest := listAll(t, "erin", false)
	if got := idsOf(oldest); !slices.Equal(got, want) {
		t.Errorf("oldest first: %v, want %v", got, want)
	}
	newest := listAll(t, "erin", true)
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	if got := idsOf(newest); !slices.Equal(got, reversed) {
		t.Errorf("newest first: %v, want %v", got, reversed)
	}
	for i, c := range oldest {
		wantAvatar := ""
		if authors[i] == "carol" {
			wantAvatar = "/v1/users/carol/avatar"
		}
		if c.GetAuthorUsername() != authors[i] || c.GetAuthorId() != "id-"+authors[i] || c.GetAuthorAvatarUrl() != wantAvatar || c.GetText() != fmt.Sprint("comment ", i) {
			t.Errorf("comment %d: %v", i, c)
		}
	}

	canDelete := func(cs []*imagev1.Comment) []bool {
		var out []bool
		for _, c := range cs {
			out = append(out, c.GetCanDelete())
		}
		return out
	}
	for _, tc := range []struct {
		viewer string
		want   []bool
	}{
		{"erin", []bool{false, true, false, false, true}},  // her own
		{"carol", []bool{true, false, true, false, false}}, // her own
		{"alice", []bool{true, true, true, true, true}},    // the photo's owner
		{"dave", []bool{false, false, false, false, false}},
	} {
		if got := canDelete(listAll(t, tc.viewer, false)); !slices.Equal(got, tc.want) {
			t.Errorf("can_delete for %s: %v, want %v", tc.viewer, got, tc.want)
		}
	}

	t.Run("default page size", func(t *testing.T) {
		for i := len(want); i < 21; i++ {
			e.comment(t, "carol", id, fmt.Sprint("more ", i))
		}
		resp, err := e.client.ListComments(as("carol"), &imagev1.ListCommentsRequest{ImageId: id})
		if err != nil || len(resp.GetComments()) != 20 || resp.GetNextPageToken() == "" {
			t.Errorf("21 comments, default page: %d comments, token %q, %v", len(resp.GetComments()), resp.GetNextPageToken(), err)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		for _, tc := range []struct {
			req   *imagev1.ListCommentsRequest
			field string
		}{
			{&imagev1.ListCommentsRequest{ImageId: id, PageToken: "garbage!"}, "page_token"},
			{&imagev1.ListCommentsRequest{ImageId: id, PageToken: "bm90LWEtY29tbWVudA"}, "page_token"},
			{&imagev1.ListCommentsRequest{ImageId: id, PageSize: -1}, "page_size"},
			{&imagev1.ListCommentsRequest{}, "image_id"},
		} {
			_, err := e.client.ListComments(as("carol"), tc.req)
			if !isFieldViolation(err, tc.field) {
				t.Errorf("ListComments(%v): %v, want InvalidArgument on %s", tc.req, err, tc.field)
			}
		}
	})
}

// Between two people across a block, neither sees the other's comments,
// even under a third person's photo that both may see.
func TestCommentsAcrossABlock(t *testing.T) {
	e := newEnv(t)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	e.comment(t, "dave", id, "from dave")
	e.comment(t, "erin", id, "from erin")
	e.comment(t, "carol", id, "from carol")
	e.users.block("id-dave", "id-erin")

	for _, tc := range []struct {
		viewer string
		want   []string
	}{
		{"dave", []string{"from dave", "from carol"}},
		{"erin", []string{"from erin", "from carol"}},
		{"carol", []string{"from dave", "from erin", "from carol"}},
		{"alice", []string{"from dave", "from erin", "from carol"}},
	} {
		resp, err := e.client.ListComments(as(tc.viewer), &imagev1.ListCommentsRequest{ImageId: id})
		if err != nil {
			t.Fatalf("%s lists: %v", tc.viewer, err)
		}
		var got []string
		for _, c := range resp.GetComments() {
			got = append(got, c.GetText())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s sees %q, want %q", tc.viewer, got, tc.want)
		}
	}
}

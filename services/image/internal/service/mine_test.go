package service_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/testimages"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// myComments lists every comment of user's in pages of pageSize, checking
// each page's length, and returns them with the number of pages.
func (e *env) myComments(t *testing.T, user string, pageSize int32) ([]*imagev1.Comment, int) {
	t.Helper()
	var all []*imagev1.Comment
	req := &imagev1.ListMyCommentsRequest{PageSize: pageSize}
	for pages := 1; pages < 1000; pages++ {
		resp, err := e.client.ListMyComments(as(user), req)
		if err != nil {
			t.Fatalf("ListMyComments as %s: %v", user, err)
		}
		all = append(all, resp.GetComments()...)
		if resp.GetNextPageToken() == "" {
			return all, pages
		}
		req.PageToken = resp.GetNextPageToken()
	}
	t.Fatalf("ListMyComments as %s does not end", user)
	return nil, 0
}

// myReactions lists every reaction of user's in pages of pageSize.
func (e *env) myReactions(t *testing.T, user string, pageSize int32) []*imagev1.Reaction {
	t.Helper()
	var all []*imagev1.Reaction
	req := &imagev1.ListMyReactionsRequest{PageSize: pageSize}
	for range 1000 {
		resp, err := e.client.ListMyReactions(as(user), req)
		if err != nil {
			t.Fatalf("ListMyReactions as %s: %v", user, err)
		}
		all = append(all, resp.GetReactions()...)
		if resp.GetNextPageToken() == "" {
			return all
		}
		req.PageToken = resp.GetNextPageToken()
	}
	t.Fatalf("ListMyReactions as %s does not end", user)
	return nil
}

func TestListMyComments(t *testing.T) {
	e := newEnv(t)
	public := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	private := mustUpload(t, e, "bob", testimages.PNG(20, 20), "").GetImageId()
	own := mustUpload(t, e, "carol", testimages.PNG(20, 20), "").GetImageId()
	// carol's comments, oldest first, among others' under the same photos.
	var written []string
	for _, c := range []struct{ user, image, text string }{
		{"carol", public, "first"}, {"alice", public, "thanks"}, {"carol", private, "second"},
		{"bob", private, "hello"}, {"carol", own, "third"}, {"erin", own, "nice"}, {"carol", public, "fourth"},
	} {
		added := e.comment(t, c.user, c.image, c.text)
		if c.user == "carol" {
			written = append(written, added.GetCommentId())
		}
	}
	slices.Reverse(written)

	ids := func(comments []*imagev1.Comment) []string {
		out := make([]string, len(comments))
		for i, c := range comments {
			out[i] = c.GetCommentId()
		}
		return out
	}
	for _, size := range []int32{1, 3, 0} {
		got, _ := e.myComments(t, "carol", size)
		if !slices.Equal(ids(got), written) {
			t.Errorf("carol's comments in pages of %d = %v, want %v", size, ids(got), written)
		}
		for _, c := range got {
			if c.GetAuthorId() != "id-carol" || c.GetAuthorUsername() != "carol" || !c.GetCanDelete() || c.GetText() == "" || c.GetCreateTime() == nil {
				t.Errorf("comment as carol lists it: %v", c)
			}
		}
	}

	// Her words under a photo she can no longer see stay hers; those under
	// a photo that is gone go with it.
	e.users.revoke("id-bob", "id-carol")
	if _, err := e.client.DeleteImage(as("alice"), &imagev1.DeleteImageRequest{ImageId: public}); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	got, _ := e.myComments(t, "carol", 10)
	if want := []string{written[1], written[2]}; !slices.Equal(ids(got), want) {
		t.Errorf("after the revoke and the delete, carol's comments = %v, want %v", ids(got), want)
	}
	if got, _ := e.myComments(t, "dave", 10); len(got) != 0 {
		t.Errorf("dave, who wrote nothing, lists %v", got)
	}
}

func TestListMyCommentsPageSizes(t *testing.T) {
	e := newEnv(t)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "").GetImageId()
	const n = 105
	for range n {
		e.comment(t, "carol", id, "again")
	}
	tests := []struct {
		size      int32
		wantFirst int
		wantPages int
	}{
		{0, 20, 6},     // the default
		{7, 7, 15},     // as asked
		{1000, 100, 2}, // the most
	}
	for _, tc := range tests {
		resp, err := e.client.ListMyComments(as("carol"), &imagev1.ListMyCommentsRequest{PageSize: tc.size})
		if err != nil {
			t.Fatalf("ListMyComments(page_size %d): %v", tc.size, err)
		}
		if got := len(resp.GetComments()); got != tc.wantFirst {
			t.Errorf("page_size %d: first page of %d, want %d", tc.size, got, tc.wantFirst)
		}
		all, pages := e.myComments(t, "carol", tc.size)
		if len(all) != n || pages != tc.wantPages {
			t.Errorf("page_size %d: %d comments in %d pages, want %d in %d", tc.size, len(all), pages, n, tc.wantPages)
		}
	}
}

func TestListMineRefuses(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		ctx  context.Context
		size int32
		tok  string
		want codes.Code
	}{
		{"no session", context.Background(), 0, "", codes.Unauthenticated},
		{"an unknown session", as("mallory"), 0, "", codes.Unauthenticated},
		{"a negative page size", as("carol"), -1, "", codes.InvalidArgument},
		{"a page token that is not one", as("carol"), 0, "!!", codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.ListMyComments(tc.ctx, &imagev1.ListMyCommentsRequest{PageSize: tc.size, PageToken: tc.tok})
			if got := status.Code(err); got != tc.want {
				t.Errorf("ListMyComments: %v, want %v", err, tc.want)
			}
			_, err = e.client.ListMyReactions(tc.ctx, &imagev1.ListMyReactionsRequest{PageSize: tc.size, PageToken: tc.tok})
			if got := status.Code(err); got != tc.want {
				t.Errorf("ListMyReactions: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestListMyReactions(t *testing.T) {
	e := newEnv(t)
	var photos []string
	for _, owner := range []string{"alice", "bob", "alice", "erin"} {
		photos = append(photos, mustUpload(t, e, owner, testimages.PNG(20, 20), "").GetImageId())
	}
	like := func(user, id string) {
		t.Helper()
		if _, err := e.client.LikeImage(as(user), &imagev1.LikeImageRequest{ImageId: id}); err != nil {
			t.Fatalf("LikeImage as %s: %v", user, err)
		}
	}
	dislike := func(user, id string) {
		t.Helper()
		if _, err := e.client.DislikeImage(as(user), &imagev1.DislikeImageRequest{ImageId: id}); err != nil {
			t.Fatalf("DislikeImage as %s: %v", user, err)
		}
	}
	like("carol", photos[0])
	dislike("carol", photos[1])
	like("dave", photos[0])
	like("carol", photos[2])
	like("carol", photos[3])
	if _, err := e.client.UnlikeImage(as("carol"), &imagev1.UnlikeImageRequest{ImageId: photos[3]}); err != nil {
		t.Fatalf("UnlikeImage: %v", err)
	}
	dislike("carol", photos[0]) // The like turns into a dislike, and is the newest.

	type reaction struct {
		image string
		kind  imagev1.ReactionKind
	}
	list := func(user string, size int32) []reaction {
		var out []reaction
		for _, r := range e.myReactions(t, user, size) {
			if r.GetCreateTime() == nil {
				t.Errorf("reaction without a time: %v", r)
			}
			out = append(out, reaction{r.GetImageId(), r.GetKind()})
		}
		return out
	}
	want := []reaction{
		{photos[0], imagev1.ReactionKind_REACTION_KIND_DISLIKE},
		{photos[2], imagev1.ReactionKind_REACTION_KIND_LIKE},
		{photos[1], imagev1.ReactionKind_REACTION_KIND_DISLIKE},
	}
	for _, size := range []int32{1, 2, 0} {
		if got := list("carol", size); !slices.Equal(got, want) {
			t.Errorf("carol's reactions in pages of %d = %v, want %v", size, got, want)
		}
	}
	if got, want := list("dave", 0), []reaction{{photos[0], imagev1.ReactionKind_REACTION_KIND_LIKE}}; !slices.Equal(got, want) {
		t.Errorf("dave's reactions = %v, want %v", got, want)
	}
	if _, err := e.client.DeleteImage(as("alice"), &imagev1.DeleteImageRequest{ImageId: photos[2]}); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	if got, want := list("carol", 0), []reaction{want[0], want[2]}; !slices.Equal(got, want) {
		t.Errorf("after a photo's delete, carol's reactions = %v, want %v", got, want)
	}
}

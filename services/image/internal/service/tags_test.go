package service_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/testimages"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// tagPage lists one page of tag as user.
func (e *env) tagPage(t *testing.T, user, tag string, pageSize int32, token string) *imagev1.ListTagImagesResponse {
	t.Helper()
	resp, err := e.client.ListTagImages(as(user), &imagev1.ListTagImagesRequest{Tag: tag, PageSize: pageSize, PageToken: token})
	if err != nil {
		t.Fatalf("ListTagImages(%q) as %s: %v", tag, user, err)
	}
	return resp
}

// tagged pages through tag as user in pages of pageSize and returns the
// photos' ids and how many pages came back short of pageSize with a
// token.
func (e *env) tagged(t *testing.T, user, tag string, pageSize int32) (ids []string, shortPages int) {
	t.Helper()
	token := ""
	for range 1000 {
		resp := e.tagPage(t, user, tag, pageSize, token)
		for _, img := range resp.GetImages() {
			ids = append(ids, img.GetImageId())
		}
		if token = resp.GetNextPageToken(); token == "" {
			return ids, shortPages
		}
		if len(resp.GetImages()) < int(pageSize) {
			shortPages++
		}
	}
	t.Fatalf("the photos of %q never end", tag)
	return nil, 0
}

// tagRowsOf counts the rows of the image in the hashtag index.
func (e *env) tagRowsOf(t *testing.T, imageID string) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(e.dataDir, "image.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM fotogal_ntable_tags WHERE image_id = ?`, imageID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) setCaption(t *testing.T, user, imageID, caption string) {
	t.Helper()
	if _, err := e.client.UpdateImage(as(user), &imagev1.UpdateImageRequest{ImageId: imageID, Caption: caption}); err != nil {
		t.Fatalf("UpdateImage(%s, %q): %v", imageID, caption, err)
	}
}

// Posting, editing and deleting photos keeps the index: each tag lists the
// photos whose caption carries it now, newest first, however the tag is
// written.
func TestTagIndexFollowsCaptions(t *testing.T) {
	e := newEnv(t)
	first := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#Sunset at the #beach, #Café").GetImageId()
	second := mustUpload(t, e, "alice", testimages.PNG(20, 20), "another #sunset and #cafe").GetImageId()
	check := func(step string, want map[string][]string) {
		t.Helper()
		for tag, ids := range want {
			if got, _ := e.tagged(t, "erin", tag, 20); !slices.Equal(got, ids) {
				t.Errorf("%s: tag %q lists %v, want %v", step, tag, got, ids)
			}
		}
	}
	check("after posting", map[string][]string{
		"sunset": {second, first}, "#SUNSET": {second, first}, "beach": {first}, "café": {second, first}, "CAFE": {second, first}, "sea": nil,
	})

	e.setCaption(t, "alice", first, "now the #sea and still #cafe")
	check("after the edit", map[string][]string{"sunset": {second}, "beach": nil, "sea": {first}, "cafe": {second, first}})
	if n := e.tagRowsOf(t, first); n != 2 {
		t.Errorf("index rows of the edited photo: %d, want 2 (sea, cafe)", n)
	}

	if _, err := e.client.DeleteImage(as("alice"), &imagev1.DeleteImageRequest{ImageId: second}); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	check("after the delete", map[string][]string{"sunset": nil, "cafe": {first}})
	if n := e.tagRowsOf(t, second); n != 0 {
		t.Errorf("index rows of the deleted photo: %d, want 0", n)
	}

	page := e.tagPage(t, "erin", "cafe", 20, "")
	if img := page.GetImages()[0]; img.GetOwnerUsername() != "alice" || img.GetThumbUrl() == "" || img.GetCaption() != "now the #sea and still #cafe" {
		t.Errorf("listed photo %+v, want alice's with its caption and URLs", img)
	}
}

// A tag shows each person the photos they may see: a public account's to
// everyone, a private account's to its owner and approved followers.
func TestTagVisibility(t *testing.T) {
	e := newEnv(t)
	public := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#walk in the park").GetImageId()
	private := mustUpload(t, e, "bob", testimages.PNG(20, 20), "my #walk").GetImageId()
	tests := []struct {
		viewer string
		want   []string
	}{
		{"alice", []string{public}},          // a stranger to bob
		{"bob", []string{private, public}},   // owner of the private photo
		{"carol", []string{private, public}}, // approved follower of bob
		{"dave", []string{public}},           // pending requester
		{"erin", []string{public}},           // stranger
	}
	for _, tc := range tests {
		t.Run(tc.viewer, func(t *testing.T) {
			if got, _ := e.tagged(t, tc.viewer, "walk", 20); !slices.Equal(got, tc.want) {
				t.Errorf("%s sees %v, want %v", tc.viewer, got, tc.want)
			}
		})
	}
	t.Run("removed follower", func(t *testing.T) {
		e.users.revoke("id-bob", "id-carol")
		if got, _ := e.tagged(t, "carol", "walk", 20); !slices.Equal(got, []string{public}) {
			t.Errorf("carol, no longer a follower, sees %v, want %v", got, []string{public})
		}
	})
	t.Run("no session", func(t *testing.T) {
		_, err := e.client.ListTagImages(context.Background(), &imagev1.ListTagImagesRequest{Tag: "walk"})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("ListTagImages without a session: %v, want Unauthenticated", err)
		}
	})
}

// CanView is asked once per owner of a page, not once per photo.
func TestTagAsksOncePerOwner(t *testing.T) {
	e := newEnv(t)
	for _, owner := range []string{"alice", "bob", "alice", "bob", "alice", "carol"} {
		mustUpload(t, e, owner, testimages.PNG(20, 20), "#same")
	}
	before := e.users.canViews()
	if got, _ := e.tagged(t, "carol", "same", 20); len(got) != 6 {
		t.Fatalf("carol sees %d photos, want 6", len(got))
	}
	// alice and bob; carol's own photos need no asking.
	if calls := e.users.canViews() - before; calls != 2 {
		t.Errorf("CanView calls for one page: %d, want 2", calls)
	}
}

// Pages of a tag come newest first, never repeat or skip a photo, and when
// many of the newest are hidden from the caller a page may come back
// short, with a token that leads on to the rest.
func TestTagPaging(t *testing.T) {
	e := newEnv(t)
	var visible []string
	for i := range 5 {
		visible = append(visible, mustUpload(t, e, "alice", testimages.PNG(20, 20), fmt.Sprintf("#paged %d", i)).GetImageId())
	}
	for i := range 12 {
		mustUpload(t, e, "bob", testimages.PNG(20, 20), fmt.Sprintf("#paged, private %d", i))
	}
	slices.Reverse(visible)
	for _, size := range []int32{1, 2, 5, 100} {
		got, _ := e.tagged(t, "erin", "paged", size)
		if !slices.Equal(got, visible) {
			t.Errorf("pages of %d: %v, want %v", size, got, visible)
		}
	}
	// Twelve hidden photos come first: pages of 1 read 2 rows at a time,
	// 5 times a call, so the first page is empty, with a token.
	if _, short := e.tagged(t, "erin", "paged", 1); short == 0 {
		t.Error("no short page with a token behind twelve hidden photos, want one")
	}
	if got, _ := e.tagged(t, "carol", "paged", 7); len(got) != 17 {
		t.Errorf("carol, who sees both, pages through %d photos, want 17", len(got))
	}
}

// A row whose photo is gone (a crash between the photo's delete and its
// tags') is not listed, and the listing deletes it.
func TestTagDanglingRow(t *testing.T) {
	e := newEnv(t)
	kept := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#ghost one").GetImageId()
	gone := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#ghost two").GetImageId()
	db, err := sql.Open("sqlite", filepath.Join(e.dataDir, "image.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM fotogal_ntable_images WHERE image_id = ?`, gone); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if n := e.tagRowsOf(t, gone); n != 1 {
		t.Fatalf("index rows of the photo deleted behind the service's back: %d, want 1", n)
	}
	if got, _ := e.tagged(t, "erin", "ghost", 20); !slices.Equal(got, []string{kept}) {
		t.Errorf("ghost lists %v, want only %v", got, []string{kept})
	}
	if n := e.tagRowsOf(t, gone); n != 0 {
		t.Errorf("index rows of the missing photo after a listing: %d, want 0", n)
	}
	if n := e.tagRowsOf(t, kept); n != 1 {
		t.Errorf("index rows of the kept photo after a listing: %d, want 1", n)
	}
}

// Two long tags that begin with the same 30 bytes share their index key,
// yet each lists only its own photos.
func TestTagLongTagsShareAKey(t *testing.T) {
	e := newEnv(t)
	prefix := strings.Repeat("a", store.MaxTagKeyBytes)
	x := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#"+prefix+"x").GetImageId()
	y := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#"+prefix+"y").GetImageId()
	for tag, want := range map[string][]string{prefix + "x": {x}, prefix + "y": {y}, prefix: nil} {
		if got, _ := e.tagged(t, "erin", tag, 20); !slices.Equal(got, want) {
			t.Errorf("tag of %d bytes lists %v, want %v", len(tag), got, want)
		}
	}
}

func TestTagBadRequests(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ tag, token, field string }{
		{"", "", "tag"},
		{"#", "", "tag"},
		{"two words", "", "tag"},
		{strings.Repeat("a", 101), "", "tag"},
		{"fine", "garbage!", "page_token"},
	} {
		_, err := e.client.ListTagImages(as("alice"), &imagev1.ListTagImagesRequest{Tag: tc.tag, PageToken: tc.token})
		if !isFieldViolation(err, tc.field) {
			t.Errorf("ListTagImages(%q, token %q): %v, want InvalidArgument on %s", tc.tag, tc.token, err, tc.field)
		}
	}
}

// failingTags is a store whose index writes fail while fail is set.
type failingTags struct {
	store.Store
	fail atomic.Bool
}

func (f *failingTags) PutTags(ctx context.Context, rows []store.TagRow) error {
	if f.fail.Load() {
		return errors.New("index unavailable")
	}
	return f.Store.PutTags(ctx, rows)
}

// A failed index write does not fail the post, and the next edit of the
// caption restores the missing row.
func TestTagWriteFailureIsRepairedByAnEdit(t *testing.T) {
	var st *failingTags
	e := newEnv(t, withStore(func(s store.Store) store.Store { st = &failingTags{Store: s}; return st }))
	st.fail.Store(true)
	id := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#lost and found").GetImageId()
	st.fail.Store(false)
	if got, _ := e.tagged(t, "erin", "lost", 20); len(got) != 0 {
		t.Errorf("lost lists %v after its write failed, want nothing", got)
	}
	e.setCaption(t, "alice", id, "#lost and found")
	if got, _ := e.tagged(t, "erin", "lost", 20); !slices.Equal(got, []string{id}) {
		t.Errorf("lost lists %v after the edit, want %v", got, []string{id})
	}
}

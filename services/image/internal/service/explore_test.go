package service_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/service"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// exploreEnv is an env whose store the test writes photos and reactions
// into directly, with the create times it needs, and which ranks anew
// every refresh (for the tests, on every call).
type exploreEnv struct {
	*env
	st    store.Store
	posts int
}

func newExploreEnv(t testing.TB, refresh time.Duration) *exploreEnv {
	t.Helper()
	e := &exploreEnv{}
	e.env = newEnv(t,
		withStore(func(s store.Store) store.Store { e.st = s; return s }),
		withConfig(func(c *service.Config) { c.ExploreRefresh = refresh }))
	return e
}

// post writes a photo of owner (a username) posted age ago and returns its
// id.
func (e *exploreEnv) post(t testing.TB, owner string, age time.Duration) string {
	t.Helper()
	e.posts++
	img := store.Image{
		ID:         fmt.Sprintf("explore%06d", e.posts),
		OwnerID:    "id-" + owner,
		Caption:    owner + "'s photo",
		Original:   store.Variant{Object: "o", ContentType: "image/jpeg", Size: 1, Width: 1, Height: 1},
		CreateTime: time.Now().UTC().Add(-age),
	}
	img.UpdateTime = img.CreateTime
	if err := e.st.CreateImage(context.Background(), img); err != nil {
		t.Fatalf("create image: %v", err)
	}
	return img.ID
}

// avatar writes an avatar of owner, posted now.
func (e *exploreEnv) avatar(t testing.TB, owner string) string {
	t.Helper()
	e.posts++
	img := store.Image{ID: fmt.Sprintf("avatar%06d", e.posts), OwnerID: "id-" + owner, IsProfile: true, CreateTime: time.Now().UTC()}
	if err := e.st.CreateImage(context.Background(), img); err != nil {
		t.Fatalf("create avatar: %v", err)
	}
	return img.ID
}

// react gives the photo n reactions of kind, from person10, person11, ...
// (or from person40, ... for dislikes, so that the two never collide).
func (e *exploreEnv) react(t testing.TB, imageID string, kind store.Kind, n int) {
	t.Helper()
	first := 10
	if kind == store.Dislike {
		first = 40
	}
	for i := range n {
		if err := e.st.React(context.Background(), imageID, fmt.Sprintf("id-person%02d", first+i), kind); err != nil {
			t.Fatalf("react: %v", err)
		}
	}
}

// explore returns one page of user's explore grid.
func (e *exploreEnv) explore(t testing.TB, user string, size int32, token string) *imagev1.ExploreResponse {
	t.Helper()
	resp, err := e.client.Explore(as(user), &imagev1.ExploreRequest{PageSize: size, PageToken: token})
	if err != nil {
		t.Fatalf("explore as %s: %v", user, err)
	}
	return resp
}

// ids returns the image ids of imgs.
func ids(imgs []*imagev1.Image) []string {
	out := make([]string, len(imgs))
	for i, img := range imgs {
		out[i] = img.GetImageId()
	}
	return out
}

func TestExploreRanksByDecayedReactions(t *testing.T) {
	t.Parallel()
	e := newExploreEnv(t, time.Nanosecond)
	recentLikes := e.post(t, "person01", time.Hour)
	e.react(t, recentLikes, store.Like, 3)
	olderLikes := e.post(t, "person02", 3*24*time.Hour)
	e.react(t, olderLikes, store.Like, 3)
	// Ten likes on a four-day-old photo score 10·e^(−2) ≈ 1.35: below three
	// on an hour-old one (≈ 2.94), above three on a three-day-old one
	// (≈ 0.67).
	manyOldLikes := e.post(t, "person03", 4*24*time.Hour)
	e.react(t, manyOldLikes, store.Like, 10)
	newNone := e.post(t, "person04", 10*time.Minute)
	oldNone := e.post(t, "person05", 2*24*time.Hour)
	disliked := e.post(t, "person06", time.Hour)
	e.react(t, disliked, store.Dislike, 4)
	tooOld := e.post(t, "person07", 8*24*time.Hour)
	e.react(t, tooOld, store.Like, 10)
	e.avatar(t, "person08")

	resp := e.explore(t, "erin", 0, "")
	want := []string{recentLikes, manyOldLikes, olderLikes, newNone, oldNone, disliked}
	if got := ids(resp.GetImages()); !slices.Equal(got, want) {
		t.Errorf("explore = %v, want %v", got, want)
	}
	if resp.GetNextPageToken() != "" {
		t.Errorf("next page token %q on the only page", resp.GetNextPageToken())
	}
	first := resp.GetImages()[0]
	if first.GetLikeCount() != 3 || first.GetOwnerUsername() != "person01" || first.GetThumbUrl() == "" {
		t.Errorf("first photo = %v, want it decorated: 3 likes, owner person01, a thumb URL", first)
	}
}

func TestExploreLeavesOut(t *testing.T) {
	t.Parallel()
	e := newExploreEnv(t, time.Nanosecond)
	e.users.follow("id-erin", "id-person01")
	e.users.block("id-erin", "id-person02")
	e.users.block("id-person03", "id-erin")
	shown := map[string]string{
		"a public stranger":       e.post(t, "alice", time.Hour),
		"another public stranger": e.post(t, "person04", 2*time.Hour),
	}
	hidden := map[string]string{
		"the viewer's own":               e.post(t, "erin", time.Hour),
		"a followed account's":           e.post(t, "person01", time.Hour),
		"a private account's":            e.post(t, "bob", time.Hour),
		"someone the viewer blocked":     e.post(t, "person02", time.Hour),
		"someone who blocked the viewer": e.post(t, "person03", time.Hour),
		"an unknown account's":           e.post(t, "ghost", time.Hour),
	}
	for _, id := range hidden {
		e.react(t, id, store.Like, 5)
	}
	got := ids(e.explore(t, "erin", 0, "").GetImages())
	for name, id := range shown {
		if !slices.Contains(got, id) {
			t.Errorf("%s photo %s is missing from %v", name, id, got)
		}
	}
	for name, id := range hidden {
		if slices.Contains(got, id) {
			t.Errorf("%s photo %s is shown: %v", name, id, got)
		}
	}
}

func TestExplorePagesWithoutRepeats(t *testing.T) {
	t.Parallel()
	e := newExploreEnv(t, time.Nanosecond)
	var posted []string
	for i := range 23 {
		id := e.post(t, fmt.Sprintf("person%02d", i), time.Duration(i)*time.Hour)
		e.react(t, id, store.Like, i%4)
		posted = append(posted, id)
	}
	whole := ids(e.explore(t, "erin", 100, "").GetImages())
	if len(whole) != len(posted) {
		t.Fatalf("one page of 100 holds %d photos, want %d", len(whole), len(posted))
	}

	var walked []string
	token := ""
	for page := 0; ; page++ {
		resp := e.explore(t, "erin", 5, token)
		walked = append(walked, ids(resp.GetImages())...)
		if page == 1 {
			// Reactions and a new photo between pages do not move a walk
			// that began before them.
			e.react(t, posted[22], store.Like, 20)
			e.post(t, "alice", 0)
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if page > 10 {
			t.Fatal("no last page after 10 pages")
		}
	}
	if !slices.Equal(walked, whole) {
		t.Errorf("pages of 5 = %v, want %v", walked, whole)
	}
}

// TestExploreContinuesInANewRanking: a token whose snapshot is gone (as
// when another replica serves the next page) continues after its rank key
// in the newest one.
func TestExploreContinuesInANewRanking(t *testing.T) {
	t.Parallel()
	e := newExploreEnv(t, time.Nanosecond)
	for i := range 10 {
		e.react(t, e.post(t, fmt.Sprintf("person%02d", i), time.Duration(i)*time.Hour), store.Like, i%3)
	}
	whole := ids(e.explore(t, "erin", 100, "").GetImages())
	first := e.explore(t, "erin", 4, "")
	raw, err := base64.RawURLEncoding.DecodeString(first.GetNextPageToken())
	if err != nil {
		t.Fatalf("decode token: %v", err)
	}
	_, rest, _ := strings.Cut(string(raw), ".")
	elsewhere := base64.RawURLEncoding.EncodeToString([]byte("elsewhere." + rest))
	got := ids(e.explore(t, "erin", 4, elsewhere).GetImages())
	if want := whole[4:8]; !slices.Equal(got, want) {
		t.Errorf("page after a token of another snapshot = %v, want %v", got, want)
	}
}

func TestExploreRefusals(t *testing.T) {
	t.Parallel()
	e := newExploreEnv(t, time.Nanosecond)
	tests := []struct {
		name string
		ctx  context.Context
		req  *imagev1.ExploreRequest
		want codes.Code
	}{
		{"no session", context.Background(), &imagev1.ExploreRequest{}, codes.Unauthenticated},
		{"negative page size", as("erin"), &imagev1.ExploreRequest{PageSize: -1}, codes.InvalidArgument},
		{"token not base64", as("erin"), &imagev1.ExploreRequest{PageToken: "!!"}, codes.InvalidArgument},
		{"token of another list", as("erin"), &imagev1.ExploreRequest{PageToken: base64.RawURLEncoding.EncodeToString([]byte("1700000000.abc"))}, codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.Explore(tc.ctx, tc.req)
			if status.Code(err) != tc.want {
				t.Errorf("explore: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestExplorePageSizes(t *testing.T) {
	t.Parallel()
	e := newExploreEnv(t, time.Nanosecond)
	for i := range 120 {
		e.post(t, fmt.Sprintf("person%02d", i%60), time.Duration(i)*time.Minute)
	}
	tests := []struct {
		name string
		size int32
		want int
	}{
		{"default", 0, 30},
		{"asked", 7, 7},
		{"at most 100", 500, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.explore(t, "erin", tc.size, "")
			if got := len(resp.GetImages()); got != tc.want || resp.GetNextPageToken() == "" {
				t.Errorf("page of size %d: %d photos, token %q; want %d and a token", tc.size, got, resp.GetNextPageToken(), tc.want)
			}
		})
	}
}

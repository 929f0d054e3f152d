package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// blockedProfile is the part of GET /v1/users/{username} that a block
// empties.
type blockedProfile struct {
	Username       string `json:"username"`
	FullName       string `json:"fullName"`
	Bio            string `json:"bio"`
	PostCount      string `json:"postCount"`
	FollowerCount  string `json:"followerCount"`
	FollowingCount string `json:"followingCount"`
	FollowState    string `json:"followState"`
	CanView        bool   `json:"canView"`
	BlockedByYou   bool   `json:"blockedByYou"`
	MutedByYou     bool   `json:"mutedByYou"`
}

func getBlockedProfile(t *testing.T, viewer *Person, username string) blockedProfile {
	t.Helper()
	var resp struct {
		Profile blockedProfile `json:"profile"`
	}
	viewer.Do(t, http.MethodGet, "/v1/users/"+username, nil).Expect(t, http.StatusOK).Decode(t, &resp)
	return resp.Profile
}

// photoPaths are the routes of a photo that access decides: metadata,
// comments and bytes.
func photoPaths(id string) []string {
	return []string{"/v1/images/" + id, "/v1/images/" + id + "/comments", "/v1/images/" + id + "/content?size=thumb"}
}

// wantLikeMissing fails unless every route of the photo id answers viewer
// as it answers for a photo that does not exist (missing): 404, the same
// body.
func wantLikeMissing(t *testing.T, viewer *Person, id, missing string) {
	t.Helper()
	got, want := photoPaths(id), photoPaths(missing)
	for i := range got {
		resp := viewer.Get(t, got[i], nil)
		gone := viewer.Get(t, want[i], nil).Expect(t, http.StatusNotFound)
		if resp.Status != http.StatusNotFound || string(resp.Body) != string(gone.Body) {
			t.Errorf("%s as %s: %d %s, want the missing photo's 404 %s", got[i], viewer.Username, resp.Status, resp.Body, gone.Body)
		}
	}
}

// A block, through the gateway: the follows both ways end with their
// counts, each side's photos, comments and bytes answer the other as a
// missing photo would, neither can follow or comment, the profile shows
// the name only, neither is suggested to the other, a mention across it
// notifies nobody; an unblock gives back the public photos, not the
// follows.
func TestBlock(t *testing.T) {
	s := Start(t, binDir, Options{BinaryEnv: map[string]map[string]string{
		"image": {"FOTOGAL_CONTENT_ACCESS_TTL": contentWindow.String()},
	}})
	ann := s.Register(t, Unique("ann"))
	bob := s.Register(t, Unique("bob"))
	cat := s.Register(t, Unique("cat"))
	ann.Do(t, http.MethodPatch, "/v1/me", map[string]any{"bio": "ann's bio"}).Expect(t, http.StatusOK)
	for _, f := range [][2]*Person{{ann, bob}, {bob, ann}, {cat, ann}} {
		f[0].Do(t, http.MethodPost, "/v1/users/"+f[1].Username+"/follow", nil).Expect(t, http.StatusOK)
	}
	awaitNotification(t, ann, "KIND_FOLLOW", bob)
	annPhoto := upload(t, ann, "ann's", "a.png", testimages.PNG(16, 16))
	bobPhoto := upload(t, bob, "bob's", "b.png", testimages.PNG(16, 16))
	addComment(t, bob.Client, annPhoto, "nice")
	// Bob has just seen the bytes: the block reaches them within the
	// content access window.
	bob.Get(t, "/v1/images/"+annPhoto+"/content?size=thumb", nil).Expect(t, http.StatusOK)
	missing := upload(t, cat, "soon gone", "m.png", testimages.PNG(16, 16))
	cat.Do(t, http.MethodDelete, "/v1/images/"+missing, nil).Expect(t, http.StatusOK)
	wantCounts(t, ann, ann.Username, "2", "1")

	for range 2 {
		ann.Do(t, http.MethodPut, "/v1/me/blocks/"+bob.Username, nil).Expect(t, http.StatusOK)
	}

	t.Run("the follows end both ways, counts right", func(t *testing.T) {
		wantCounts(t, ann, ann.Username, "1", "0")
		wantCounts(t, bob, bob.Username, "0", "0")
		awaitGone(t, ann, "KIND_FOLLOW", bob)
	})
	t.Run("each side's photos are missing to the other", func(t *testing.T) {
		Eventually(t, contentWindow+10*time.Second, "the bytes answer 404 after the block", func() bool {
			return bob.Get(t, "/v1/images/"+annPhoto+"/content?size=thumb", nil).Status == http.StatusNotFound
		})
		wantLikeMissing(t, bob, annPhoto, missing)
		wantLikeMissing(t, ann, bobPhoto, missing)
		for _, p := range []*Person{ann, bob} {
			if ids := p.ImageIDs; len(ids(t)) != 1 {
				t.Errorf("%s's own photos: %v", p.Username, ids(t))
			}
		}
		// A third person sees both.
		cat.Get(t, "/v1/images/"+annPhoto, nil).Expect(t, http.StatusOK)
		cat.Get(t, "/v1/images/"+bobPhoto, nil).Expect(t, http.StatusOK)
	})
	t.Run("neither can follow or comment", func(t *testing.T) {
		for _, tc := range []struct {
			who, other *Person
			photo      string
		}{{bob, ann, annPhoto}, {ann, bob, bobPhoto}} {
			tc.who.Do(t, http.MethodPost, "/v1/users/"+tc.other.Username+"/follow", nil).Expect(t, http.StatusForbidden)
			tc.who.Do(t, http.MethodPost, "/v1/images/"+tc.photo+"/comments", map[string]string{"text": "hello"}).
				Expect(t, http.StatusNotFound)
			tc.who.Get(t, "/v1/users/"+tc.other.Username+"/followers", nil).Expect(t, http.StatusForbidden)
		}
	})
	t.Run("the profile shows the name only", func(t *testing.T) {
		want := blockedProfile{Username: ann.Username, FullName: "Person " + ann.Username, PostCount: "0",
			FollowerCount: "0", FollowingCount: "0", FollowState: "FOLLOW_STATE_NONE"}
		if got := getBlockedProfile(t, bob, ann.Username); got != want {
			t.Errorf("Bob's view of Ann:\n got %+v\nwant %+v", got, want)
		}
		if got := getBlockedProfile(t, ann, bob.Username); !got.BlockedByYou || got.CanView || got.PostCount != "0" {
			t.Errorf("Ann's view of Bob, whom she blocked: %+v", got)
		}
		if got := getBlockedProfile(t, cat, ann.Username); got.Bio != "ann's bio" || got.PostCount != "1" || got.BlockedByYou {
			t.Errorf("a third person's view of Ann: %+v", got)
		}
		var blocks struct {
			Users []struct {
				Username string `json:"username"`
			} `json:"users"`
		}
		ann.Get(t, "/v1/me/blocks", nil).Expect(t, http.StatusOK).Decode(t, &blocks)
		if len(blocks.Users) != 1 || blocks.Users[0].Username != bob.Username {
			t.Errorf("Ann's blocks: %+v, want %s", blocks.Users, bob.Username)
		}
	})
	t.Run("neither is suggested to the other", func(t *testing.T) {
		for _, tc := range [][2]*Person{{ann, bob}, {bob, ann}} {
			got := suggestedUsernames(t, tc[0], "")
			if slices.Contains(got, tc[1].Username) || !slices.Contains(got, cat.Username) {
				t.Errorf("%s's suggestions %v: want %s, never %s", tc[0].Username, got, cat.Username, tc[1].Username)
			}
		}
	})
	t.Run("a mention across the block notifies nobody", func(t *testing.T) {
		c := addComment(t, ann.Client, annPhoto, fmt.Sprintf("@%s @%s look", bob.Username, cat.Username))
		// Cat's mention is the sentinel: once it is there, Bob's would be.
		got, _ := awaitNotification(t, cat, "KIND_MENTION", ann)
		if got.CommentID != c.CommentID {
			t.Errorf("Cat's mention: %+v", got)
		}
		if n := find(t, bob, "KIND_MENTION", ann); len(n) != 0 {
			t.Errorf("Bob, blocked, was notified of a mention: %v", n)
		}
	})

	t.Run("an unblock gives back the public photos, not the follows", func(t *testing.T) {
		for range 2 {
			ann.Do(t, http.MethodDelete, "/v1/me/blocks/"+bob.Username, nil).Expect(t, http.StatusOK)
		}
		bob.Get(t, "/v1/images/"+annPhoto, nil).Expect(t, http.StatusOK)
		ann.Get(t, "/v1/images/"+bobPhoto+"/comments", nil).Expect(t, http.StatusOK)
		if p := getProfile(t, bob, ann.Username); p.FollowState != "FOLLOW_STATE_NONE" || p.FollowsYou || !p.CanView {
			t.Errorf("Bob's view of Ann after the unblock: %+v", p)
		}
		wantCounts(t, ann, ann.Username, "1", "0")
		bob.Do(t, http.MethodPost, "/v1/users/"+ann.Username+"/follow", nil).Expect(t, http.StatusOK)
	})
}

// A mute takes the muted person's posts out of the timeline and nothing
// else: their photo is still there to see, and an unmute brings the posts
// back.
func TestMute(t *testing.T) {
	s := startStack(t, nil)
	cal := s.Register(t, Unique("cal"))
	dee := s.Register(t, Unique("dee"))
	eve := s.Register(t, Unique("eve"))
	for _, p := range []*Person{dee, eve} {
		cal.Do(t, http.MethodPost, "/v1/users/"+p.Username+"/follow", nil).Expect(t, http.StatusOK)
	}
	deePhotos := postPhotos(t, dee, 3)
	evePhotos := postPhotos(t, eve, 2)
	all := slices.Concat(deePhotos, evePhotos)
	if got := feedIDs(t, cal, 2); !sameSet(got, all) {
		t.Fatalf("timeline before the mute: %v, want %v", got, all)
	}

	for range 2 {
		cal.Do(t, http.MethodPut, "/v1/me/mutes/"+dee.Username, nil).Expect(t, http.StatusOK)
	}
	if got := feedIDs(t, cal, 2); !sameSet(got, evePhotos) {
		t.Errorf("timeline with Dee muted: %v, want Eve's %v", got, evePhotos)
	}
	cal.Get(t, "/v1/images/"+deePhotos[0], nil).Expect(t, http.StatusOK)
	if p := getBlockedProfile(t, cal, dee.Username); !p.MutedByYou || p.FollowState != "FOLLOW_STATE_FOLLOWING" || !p.CanView {
		t.Errorf("Cal's view of Dee, muted: %+v", p)
	}
	// Dee may still see, like and comment on Cal's photos.
	calPhoto := upload(t, cal, "cal's", "c.png", testimages.PNG(8, 8))
	dee.Do(t, http.MethodPut, "/v1/images/"+calPhoto+"/like", nil).Expect(t, http.StatusOK)
	addComment(t, dee.Client, calPhoto, "hi")

	cal.Do(t, http.MethodDelete, "/v1/me/mutes/"+dee.Username, nil).Expect(t, http.StatusOK)
	if got, want := feedIDs(t, cal, 2), append(all, calPhoto); !sameSet(got, want) {
		t.Errorf("timeline after the unmute: %v, want %v", got, want)
	}
	cal.Do(t, http.MethodPut, "/v1/me/mutes/"+cal.Username, nil).Expect(t, http.StatusBadRequest)
}

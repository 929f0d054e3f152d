package containers

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// The README's curl walk-through through the published port, then a photo
// posted by one person and seen in a follower's timeline, and the web app.
func TestJourney(t *testing.T) {
	p := Up(t)
	api := p.API()
	anon := api.NewAPIClient()

	page := anon.Get(t, "/", nil).Expect(t, http.StatusOK)
	if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !bytes.Contains(page.Body, []byte("<html")) {
		t.Errorf("GET / is not the web app: %s\n%.200s", ct, page.Body)
	}

	// register, log in
	ana := anon.Do(t, http.MethodPost, "/v1/users", map[string]string{
		"email": "ana@example.com", "fullName": "Ana Lima", "username": "ana_lima", "password": "a long password",
	}).Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
	if ana["username"] != "ana_lima" {
		t.Errorf("registered %v", ana)
	}
	token := api.Login(t, "ana@example.com", "a long password")
	other := api.NewAPIClient()
	other.Token = api.Login(t, "ana@example.com", "a long password")
	me := api.NewAPIClient()
	me.Token = token

	got := me.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
	if got["email"] != "ana@example.com" || got["fullName"] != "Ana Lima" {
		t.Errorf("GET /v1/me = %v", got)
	}
	edited := me.Do(t, http.MethodPatch, "/v1/me", map[string]any{"bio": "Fotógrafa", "isPrivate": true}).
		Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
	if edited["bio"] != "Fotógrafa" || edited["isPrivate"] != true {
		t.Errorf("after PATCH /v1/me: %v", edited)
	}
	me.Do(t, http.MethodPut, "/v1/me/password", map[string]string{
		"oldPassword": "a long password", "newPassword": "another long password",
	}).Expect(t, http.StatusOK)
	e2e.Eventually(t, 10*time.Second, "the other session ended by the password change", func() bool {
		return other.Do(t, http.MethodGet, "/v1/me", nil).Status == http.StatusUnauthorized
	})
	me.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)
	anon.Do(t, http.MethodPost, "/v1/sessions", map[string]string{"email": "ana@example.com", "password": "a long password"}).
		Expect(t, http.StatusUnauthorized)
	me.Do(t, http.MethodDelete, "/v1/sessions/current", nil).Expect(t, http.StatusOK)
	e2e.Eventually(t, 10*time.Second, "the logged-out token refused", func() bool {
		return me.Do(t, http.MethodGet, "/v1/me", nil).Status == http.StatusUnauthorized
	})
	t.Log("walk-through: register, log in, me, edit, password change (other session ended), log out: all as the README says")

	// A photo, seen in a follower's timeline.
	poster := api.Register(t, "poster")
	fan := api.Register(t, "follower")
	follow(t, fan, poster.Username)
	data, want := noisyPNG(1, 320, 240)
	posted := post(t, poster, "Pôr do sol", data)
	fan.Do(t, http.MethodPut, "/v1/images/"+posted.ImageID+"/like", nil).Expect(t, http.StatusOK)
	thumb := fan.Get(t, "/v1/images/"+posted.ImageID+"/content?size=thumb", nil).Expect(t, http.StatusOK)
	if _, _, err := image.Decode(bytes.NewReader(thumb.Body)); err != nil {
		t.Errorf("the thumbnail does not decode: %v", err)
	}
	original := fan.Get(t, "/v1/images/"+posted.ImageID+"/content?size=original", nil).Expect(t, http.StatusOK)
	if img, _, err := image.Decode(bytes.NewReader(original.Body)); err != nil || !samePixels(img, want) {
		t.Errorf("the original is not the photo posted (decode error %v)", err)
	}
	took := e2e.Eventually(t, 10*time.Second, "the photo in the follower's timeline", func() bool {
		ids, a := feedIDs(fan)
		if a.Status != http.StatusOK {
			t.Fatalf("the follower's timeline: %s", a)
		}
		return slices.Contains(ids, posted.ImageID)
	})
	var liked struct {
		Image photo `json:"image"`
	}
	fan.Do(t, http.MethodGet, "/v1/images/"+posted.ImageID, nil).Expect(t, http.StatusOK).Decode(t, &liked)
	if liked.Image.LikeCount != "1" {
		t.Errorf("likeCount = %q after one like", liked.Image.LikeCount)
	}
	t.Logf("photo %s posted, liked, in the follower's timeline after %v", posted.ImageID, took.Round(time.Millisecond))
}

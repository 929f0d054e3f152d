package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// tagImage is the part of a tag page's photo the tests read.
type tagImage struct {
	ImageID       string `json:"imageId"`
	OwnerUsername string `json:"ownerUsername"`
	ThumbURL      string `json:"thumbUrl"`
}

// tagPage is one page of GET /v1/tags/{tag}/images.
type tagPage struct {
	Images        []tagImage `json:"images"`
	NextPageToken string     `json:"nextPageToken"`
}

// taggedIDs pages through a tag's photos as c sees them, in pages of
// pageSize, and returns their ids and the size of each page.
func taggedIDs(t *testing.T, c *Client, tag string, pageSize int) (ids []string, pages []int) {
	t.Helper()
	token := ""
	for range 1000 {
		var page tagPage
		c.Get(t, fmt.Sprintf("/v1/tags/%s/images?pageSize=%d&pageToken=%s", url.PathEscape(tag), pageSize, url.QueryEscape(token)), nil).
			Expect(t, http.StatusOK).Decode(t, &page)
		for _, img := range page.Images {
			ids = append(ids, img.ImageID)
		}
		pages = append(pages, len(page.Images))
		if page.NextPageToken == "" {
			return ids, pages
		}
		token = page.NextPageToken
	}
	t.Fatalf("the photos of %q never end", tag)
	return nil, nil
}

// A tag page shows each viewer the tagged photos they may see, as the
// photos themselves would: a private account's only to its owner and
// approved followers, nothing without a session.
func TestTagAccessMatrix(t *testing.T) {
	s := startStack(t, nil)
	accounts := map[string]accessAccount{"public": setUpAccess(t, s, false, "out for a #matrix walk"), "private": setUpAccess(t, s, true, "out for a #matrix walk")}
	anon := s.NewAPIClient()

	tests := []struct {
		account, viewer string
		status          int
		shown           bool
	}{
		{"public", "owner", 200, true},
		{"public", "approved follower", 200, true},
		{"public", "pending requester", 200, true},
		{"public", "stranger", 200, true},
		{"public", "no session", 401, false},
		{"private", "owner", 200, true},
		{"private", "approved follower", 200, true},
		{"private", "pending requester", 200, false},
		{"private", "stranger", 200, false},
		{"private", "no session", 401, false},
	}
	for _, tc := range tests {
		t.Run(tc.account+"/"+tc.viewer, func(t *testing.T) {
			a := accounts[tc.account]
			viewer := a.viewer(tc.viewer, anon)
			resp := viewer.Get(t, "/v1/tags/matrix/images", nil)
			if resp.Status != tc.status {
				t.Fatalf("tag page: %d, want %d; %s", resp.Status, tc.status, resp.Body)
			}
			if resp.Status != 200 {
				return
			}
			var page tagPage
			resp.Decode(t, &page)
			shown := slices.ContainsFunc(page.Images, func(img tagImage) bool { return img.ImageID == a.imageID })
			if shown != tc.shown {
				t.Errorf("the photo is shown: %v, want %v; %s", shown, tc.shown, resp.Body)
			}
			if shown {
				// What the tag shows, the viewer may open.
				viewer.Get(t, "/v1/images/"+a.imageID+"/content?size=thumb", nil).Expect(t, http.StatusOK)
			}
		})
	}
}

// Tags match whatever their letter case and accents, with or without the
// '#', and follow the captions: an edit moves a photo between tags, a
// delete takes it off them.
func TestTagFoldingEditsAndDeletes(t *testing.T) {
	s := startStack(t, nil)
	p := s.Register(t, Unique("tagger"))
	viewer := s.Register(t, Unique("viewer"))
	id := upload(t, p, "Férias em #São_Paulo, #Verão", "p.png", testimages.PNG(16, 16))

	for _, tag := range []string{"sao_paulo", "São_Paulo", "SÃO_PAULO", "#sao_paulo"} {
		if got, _ := taggedIDs(t, viewer.Client, tag, 20); !slices.Equal(got, []string{id}) {
			t.Errorf("/v1/tags/%s/images lists %v, want %v", url.PathEscape(tag), got, []string{id})
		}
	}
	var page tagPage
	viewer.Get(t, "/v1/tags/verao/images", nil).Expect(t, http.StatusOK).Decode(t, &page)
	if len(page.Images) != 1 || page.Images[0].OwnerUsername != p.Username || page.Images[0].ThumbURL == "" {
		t.Errorf("verao lists %+v, want the photo with its owner and URLs", page.Images)
	}

	p.Do(t, http.MethodPatch, "/v1/images/"+id, map[string]string{"caption": "now #Inverno"}).Expect(t, http.StatusOK)
	for tag, want := range map[string][]string{"sao_paulo": nil, "verao": nil, "inverno": {id}} {
		if got, _ := taggedIDs(t, viewer.Client, tag, 20); !slices.Equal(got, want) {
			t.Errorf("after the edit, %s lists %v, want %v", tag, got, want)
		}
	}

	p.Do(t, http.MethodDelete, "/v1/images/"+id, nil).Expect(t, http.StatusOK)
	if got, _ := taggedIDs(t, viewer.Client, "inverno", 20); len(got) != 0 {
		t.Errorf("after the delete, inverno lists %v, want nothing", got)
	}

	for _, bad := range []string{"two%20words", "%23%23x", "caf%C3%A9!"} {
		viewer.Get(t, "/v1/tags/"+bad+"/images", nil).Expect(t, http.StatusBadRequest)
	}
}

// A tag's photos page newest first, across people, none repeated or
// skipped.
func TestTagPaging(t *testing.T) {
	s := startStack(t, nil)
	people := []*Person{s.Register(t, Unique("pa")), s.Register(t, Unique("pb"))}
	viewer := s.Register(t, Unique("viewer"))
	var want []string
	for i := range 7 {
		want = append(want, upload(t, people[i%2], fmt.Sprintf("#pages number %d", i), "p.png", testimages.PNG(16, 16)))
	}
	slices.Reverse(want)
	got, pages := taggedIDs(t, viewer.Client, "pages", 3)
	if !slices.Equal(got, want) {
		t.Errorf("paged %v, want %v (newest first)", got, want)
	}
	if !slices.Equal(pages, []int{3, 3, 1}) {
		t.Errorf("pages of %v photos, want [3 3 1]", pages)
	}
}

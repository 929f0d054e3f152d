package e2e

import (
	"net/http"
	"slices"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// explored returns the ids of the first page of viewer's explore grid.
func explored(t *testing.T, viewer *Client) []string {
	t.Helper()
	var page struct {
		Images []struct {
			ImageID   string `json:"imageId"`
			LikeCount string `json:"likeCount"`
		} `json:"images"`
	}
	viewer.Do(t, http.MethodGet, "/v1/explore?pageSize=100", nil).Expect(t, http.StatusOK).Decode(t, &page)
	ids := make([]string, len(page.Images))
	for i, img := range page.Images {
		ids[i] = img.ImageID
	}
	return ids
}

// TestExplore, through the gateway: the explore grid shows a stranger's
// public photo with likes, and never the viewer's own, a followed
// account's, a private account's, nor one across a block either way; it
// needs a session.
func TestExplore(t *testing.T) {
	s := startStack(t, nil)
	viewer := s.Register(t, Unique("viewer"))
	stranger := s.Register(t, Unique("stranger"))
	followed := s.Register(t, Unique("followed"))
	private := s.Register(t, Unique("private"))
	blockedByViewer := s.Register(t, Unique("blocked"))
	blocker := s.Register(t, Unique("blocker"))
	fan := s.Register(t, Unique("fan"))

	private.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)
	viewer.Do(t, http.MethodPost, "/v1/users/"+followed.Username+"/follow", nil).Expect(t, http.StatusOK)
	viewer.Do(t, http.MethodPut, "/v1/me/blocks/"+blockedByViewer.Username, nil).Expect(t, http.StatusOK)
	blocker.Do(t, http.MethodPut, "/v1/me/blocks/"+viewer.Username, nil).Expect(t, http.StatusOK)

	png := testimages.PNG(16, 16)
	shown := upload(t, stranger, "a stranger's", "s.png", png)
	fan.Do(t, http.MethodPut, "/v1/images/"+shown+"/like", nil).Expect(t, http.StatusOK)
	hidden := map[string]string{
		"the viewer's own":               upload(t, viewer, "mine", "v.png", png),
		"a followed account's":           upload(t, followed, "followed", "f.png", png),
		"a private account's":            upload(t, private, "private", "p.png", png),
		"someone the viewer blocked":     upload(t, blockedByViewer, "blocked", "b.png", png),
		"someone who blocked the viewer": upload(t, blocker, "blocker", "k.png", png),
	}
	// Likes that would put them first, where the fan may see them.
	for name, id := range hidden {
		if name != "a private account's" {
			fan.Do(t, http.MethodPut, "/v1/images/"+id+"/like", nil).Expect(t, http.StatusOK)
		}
	}

	got := explored(t, viewer.Client)
	if len(got) == 0 || got[0] != shown {
		t.Errorf("explore = %v, want the stranger's liked photo %s first", got, shown)
	}
	for name, id := range hidden {
		if slices.Contains(got, id) {
			t.Errorf("explore shows %s photo %s: %v", name, id, got)
		}
	}

	t.Run("no session", func(t *testing.T) {
		s.NewAPIClient().Do(t, http.MethodGet, "/v1/explore", nil).Expect(t, http.StatusUnauthorized)
	})
}

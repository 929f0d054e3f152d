package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// contentWindow is the revocation window of photo bytes in the tests that
// wait it out (FOTOGAL_CONTENT_ACCESS_TTL), shorter than the default 30 s.
const contentWindow = 2 * time.Second

// getWith asks c for path with one header.
func getWith(t *testing.T, c *Client, path, header, value string) *Response {
	t.Helper()
	return c.Get(t, path, map[string]string{header: value})
}

// A variant is served as the browser caches it: private, for as long as the
// revocation window, with its entity tag; revalidation and ranges work
// through the gateway, and errors are never cached.
func TestContentCacheHeaders(t *testing.T) {
	s := startStack(t, nil)
	owner := s.Register(t, Unique("own"))
	viewer := s.Register(t, Unique("see"))
	id := upload(t, owner, "cached", "c.jpg", testimages.JPEG(1200, 800, 1))

	for _, size := range []string{"thumb", "display", "original"} {
		t.Run(size, func(t *testing.T) {
			path := "/v1/images/" + id + "/content?size=" + size
			first := viewer.Get(t, path, nil).Expect(t, http.StatusOK)
			if got := first.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "private, max-age=30" {
				t.Errorf("Cache-Control %q, want one \"private, max-age=30\"", got)
			}
			etag := first.Header.Get("ETag")
			if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
				t.Fatalf("ETag %q, want a strong entity tag", etag)
			}
			if got := first.Header.Get("Content-Type"); got != "image/jpeg" {
				t.Errorf("Content-Type %q, want image/jpeg", got)
			}
			if got := first.Header.Get("Content-Length"); got != strconv.Itoa(len(first.Body)) {
				t.Errorf("Content-Length %q for %d bytes", got, len(first.Body))
			}

			again := getWith(t, viewer.Client, path, "If-None-Match", etag).Expect(t, http.StatusNotModified)
			if len(again.Body) != 0 || again.Header.Get("ETag") != etag {
				t.Errorf("304 with %d bytes and ETag %q, want none and %q", len(again.Body), again.Header.Get("ETag"), etag)
			}
			part := getWith(t, viewer.Client, path, "Range", "bytes=100-199").Expect(t, http.StatusPartialContent)
			if string(part.Body) != string(first.Body[100:200]) {
				t.Errorf("Range bytes=100-199 gave %d other bytes", len(part.Body))
			}
			if want := fmt.Sprintf("bytes 100-199/%d", len(first.Body)); part.Header.Get("Content-Range") != want {
				t.Errorf("Content-Range %q, want %q", part.Header.Get("Content-Range"), want)
			}
			past := getWith(t, viewer.Client, path, "Range", fmt.Sprintf("bytes=%d-", len(first.Body)+1)).
				Expect(t, http.StatusRequestedRangeNotSatisfiable)
			if want := fmt.Sprintf("bytes */%d", len(first.Body)); past.Header.Get("Content-Range") != want {
				t.Errorf("416 Content-Range %q, want %q", past.Header.Get("Content-Range"), want)
			}
		})
	}
	missing := viewer.Get(t, "/v1/images/no_such_image_000000000000/content?size=thumb", nil).Expect(t, http.StatusNotFound)
	if got := missing.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
		t.Errorf("404 Cache-Control %q, want one no-store", got)
	}
	if got := missing.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("404 Content-Type %q, want the API's JSON error", got)
	}
}

// A revocation reaches a viewer who has just seen the bytes within the
// window: the bytes' route stops serving them, while the photo's metadata
// and lists see it at once. A deleted photo's bytes are gone at once.
func TestContentRevocationWindow(t *testing.T) {
	s := Start(t, binDir, Options{BinaryEnv: map[string]map[string]string{
		"image": {"FOTOGAL_CONTENT_ACCESS_TTL": contentWindow.String()},
	}})
	tests := []struct {
		name   string
		revoke func(t *testing.T, owner, viewer *Person)
	}{
		{"follower removed", func(t *testing.T, owner, viewer *Person) {
			owner.Do(t, http.MethodDelete, "/v1/me/followers/"+viewer.Username, nil).Expect(t, http.StatusOK)
		}},
		{"unfollowed", func(t *testing.T, owner, viewer *Person) {
			viewer.Do(t, http.MethodDelete, "/v1/users/"+owner.Username+"/follow", nil).Expect(t, http.StatusOK)
		}},
		{"account made private", func(t *testing.T, owner, viewer *Person) {
			owner.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			owner, viewer := s.Register(t, Unique("own")), s.Register(t, Unique("see"))
			if tc.name != "account made private" {
				owner.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)
				viewer.Do(t, http.MethodPost, "/v1/users/"+owner.Username+"/follow", nil).Expect(t, http.StatusOK)
				owner.Do(t, http.MethodPost, "/v1/me/follow-requests/"+viewer.Username+":accept", nil).Expect(t, http.StatusOK)
			}
			id := upload(t, owner, "for a while", "p.png", testimages.PNG(32, 32))
			content := "/v1/images/" + id + "/content?size=thumb"
			viewer.Get(t, content, nil).Expect(t, http.StatusOK)

			tc.revoke(t, owner, viewer)
			viewer.Get(t, "/v1/images/"+id, nil).Expect(t, http.StatusNotFound)
			took := Eventually(t, contentWindow+10*time.Second, "the bytes answer 404 after the revocation", func() bool {
				return viewer.Get(t, content, nil).Status == http.StatusNotFound
			})
			t.Logf("the revocation reached the bytes after %v (window %v)", took.Round(time.Millisecond), contentWindow)
			owner.Get(t, content, nil).Expect(t, http.StatusOK)
		})
	}
	t.Run("deleted photo", func(t *testing.T) {
		t.Parallel()
		owner, viewer := s.Register(t, Unique("own")), s.Register(t, Unique("see"))
		id := upload(t, owner, "soon gone", "p.png", testimages.PNG(32, 32))
		for _, size := range []string{"thumb", "display", "original"} {
			viewer.Get(t, "/v1/images/"+id+"/content?size="+size, nil).Expect(t, http.StatusOK)
		}
		owner.Do(t, http.MethodDelete, "/v1/images/"+id, nil).Expect(t, http.StatusOK)
		for _, size := range []string{"thumb", "display", "original"} {
			viewer.Get(t, "/v1/images/"+id+"/content?size="+size, nil).Expect(t, http.StatusNotFound)
			owner.Get(t, "/v1/images/"+id+"/content?size="+size, nil).Expect(t, http.StatusNotFound)
		}
	})
}

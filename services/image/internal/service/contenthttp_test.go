package service_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/testimages"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/service"
)

// getContent asks the content port for path as user ("" sends no session)
// with the extra headers, and returns the answer with its body read.
func (e *env) getContent(t *testing.T, user, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.contentURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer token-"+user)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp, body
}

func contentPath(id, size string) string {
	return "/v1/images/" + id + "/content?size=" + size
}

// The content port applies the same access rules as GetImageContent, and
// answers a hidden photo exactly as a missing one.
func TestContentPortAccessRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	photos := map[string]string{
		"alice": mustUpload(t, e, "alice", testimages.PNG(40, 30), "public").GetImageId(),
		"bob":   mustUpload(t, e, "bob", testimages.PNG(40, 30), "private").GetImageId(),
	}
	tests := []struct {
		owner, viewer string
		want          int
	}{
		{"alice", "alice", 200}, {"alice", "carol", 200}, {"alice", "dave", 200}, {"alice", "erin", 200}, {"alice", "", 401},
		{"bob", "bob", 200}, {"bob", "carol", 200}, {"bob", "dave", 404}, {"bob", "erin", 404}, {"bob", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.owner+"/"+tc.viewer, func(t *testing.T) {
			resp, body := e.getContent(t, tc.viewer, contentPath(photos[tc.owner], "thumb"))
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if owner := resp.Header.Get(service.ContentOwnerHeader); (tc.want == 200) != (owner != "") {
				t.Errorf("status %d names owner %q: only bytes served name one", resp.StatusCode, owner)
			}
			if tc.want != 404 {
				return
			}
			_, missing := e.getContent(t, tc.viewer, contentPath("no_such_image_000000000000", "thumb"))
			if !bytes.Equal(body, missing) {
				t.Errorf("a hidden photo answers %s, a missing one %s", body, missing)
			}
		})
	}
}

// Each size is the variant's bytes, as GetImageContent streams them, with
// the headers a browser caches by; ranges and revalidation work.
func TestContentPortServesVariants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	photo := mustUpload(t, e, "alice", testimages.JPEG(900, 600, 1), "a photo")
	id := photo.GetImageId()
	sizes := map[string]imagev1.ImageSize{
		"thumb":    imagev1.ImageSize_IMAGE_SIZE_THUMB,
		"display":  imagev1.ImageSize_IMAGE_SIZE_DISPLAY,
		"original": imagev1.ImageSize_IMAGE_SIZE_ORIGINAL,
	}
	for name, size := range sizes {
		t.Run(name, func(t *testing.T) {
			info, want, err := e.content("carol", &imagev1.GetImageContentRequest{ImageId: id, Size: size})
			if err != nil {
				t.Fatal(err)
			}
			resp, got := e.getContent(t, "carol", contentPath(id, name))
			if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
				t.Fatalf("status %d, %d bytes; want 200 and the %d bytes of GetImageContent", resp.StatusCode, len(got), len(want))
			}
			for header, want := range map[string]string{
				"Content-Type":  info.GetContentType(),
				"ETag":          info.GetEtag(),
				"Cache-Control": fmt.Sprintf("private, max-age=%d", int(service.DefaultContentAccessTTL.Seconds())),
				"Accept-Ranges": "bytes",
				// What the gateway keys the access it may reuse by.
				service.ContentOwnerHeader: photo.GetOwnerId(),
			} {
				if got := resp.Header.Get(header); got != want {
					t.Errorf("%s: %q, want %q", header, got, want)
				}
			}

			resp, body := e.getContent(t, "carol", contentPath(id, name), "If-None-Match", info.GetEtag())
			if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("If-None-Match of its ETag: status %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
			}
			if got := resp.Header.Get(service.ContentOwnerHeader); got != photo.GetOwnerId() {
				t.Errorf("304 names owner %q, want %q", got, photo.GetOwnerId())
			}
			resp, body = e.getContent(t, "carol", contentPath(id, name), "Range", "bytes=10-19")
			if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, want[10:20]) {
				t.Errorf("Range bytes=10-19: status %d, %q; want 206 and bytes 10 to 19", resp.StatusCode, body)
			}
			resp, _ = e.getContent(t, "carol", contentPath(id, name), "Range", fmt.Sprintf("bytes=%d-", len(want)+10))
			if wantRange := fmt.Sprintf("bytes */%d", len(want)); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || resp.Header.Get("Content-Range") != wantRange {
				t.Errorf("a range past the end: status %d, Content-Range %q; want 416 and %q", resp.StatusCode, resp.Header.Get("Content-Range"), wantRange)
			}
		})
	}
	if resp, body := e.getContent(t, "carol", contentPath(id, "huge")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("size=huge: status %d, want 400: %s", resp.StatusCode, body)
	}
}

// The content port asks the user service once per viewer and owner within
// the window, and sees a revocation once it has passed; a deleted photo is
// gone at once.
func TestContentPortRevocationWindow(t *testing.T) {
	t.Parallel()
	const window = 300 * time.Millisecond
	e := newEnv(t, withConfig(func(c *service.Config) { c.ContentAccessTTL = window }))
	id := mustUpload(t, e, "bob", testimages.PNG(40, 30), "private").GetImageId()

	before := e.users.canViews()
	for range 5 {
		if resp, body := e.getContent(t, "carol", contentPath(id, "thumb")); resp.StatusCode != http.StatusOK {
			t.Fatalf("approved follower: status %d: %s", resp.StatusCode, body)
		}
	}
	if calls := e.users.canViews() - before; calls != 1 {
		t.Errorf("5 requests within the window asked CanView %d times, want 1", calls)
	}

	e.users.revoke("id-bob", "id-carol")
	revoked := time.Now()
	for {
		resp, _ := e.getContent(t, "carol", contentPath(id, "thumb"))
		if resp.StatusCode == http.StatusNotFound {
			break
		}
		if time.Since(revoked) > window+5*time.Second {
			t.Fatalf("still %d %v after the revocation, window %v", resp.StatusCode, time.Since(revoked), window)
		}
		time.Sleep(window / 10)
	}

	public := mustUpload(t, e, "alice", testimages.PNG(40, 30), "public").GetImageId()
	if resp, _ := e.getContent(t, "erin", contentPath(public, "display")); resp.StatusCode != http.StatusOK {
		t.Fatalf("public photo: status %d", resp.StatusCode)
	}
	if _, err := e.client.DeleteImage(as("alice"), &imagev1.DeleteImageRequest{ImageId: public}); err != nil {
		t.Fatal(err)
	}
	if resp, body := e.getContent(t, "erin", contentPath(public, "display")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the photo just deleted: status %d, want 404 at once: %s", resp.StatusCode, body)
	}
}

package e2e

import (
	"bytes"
	"database/sql"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "golang.org/x/image/webp"
	_ "modernc.org/sqlite"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// uploaded is the part of an upload's answer the tests read.
type uploaded struct {
	Image struct {
		ImageID      string `json:"imageId"`
		Caption      string `json:"caption"`
		ContentType  string `json:"contentType"`
		LikeCount    string `json:"likeCount"`
		DislikeCount string `json:"dislikeCount"`
		LikedByMe    bool   `json:"likedByMe"`
		DislikedByMe bool   `json:"dislikedByMe"`
	} `json:"image"`
}

func upload(t *testing.T, p *Person, caption, filename string, data []byte) string {
	t.Helper()
	var u uploaded
	p.Upload(t, http.MethodPost, "/v1/images", caption, filename, data, true).Expect(t, http.StatusOK).Decode(t, &u)
	if u.Image.ImageID == "" || u.Image.Caption != caption {
		t.Fatalf("upload answered %+v", u.Image)
	}
	return u.Image.ImageID
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("served bytes do not decode: %v", err)
	}
	return img
}

// End to end through the gateway: each format uploads, each size downloads
// with the right headers, nothing served carries metadata, and the JPEG
// turned by its EXIF orientation comes back upright.
func TestImageFormats(t *testing.T) {
	s := startStack(t, nil)
	owner := s.Register(t, Unique("hana"))
	files := []struct {
		name, filename string
		data           []byte
		wantType       string
	}{
		{"png", "photo.png", testimages.PNG(64, 48), "image/png"},
		{"jpeg with gps and orientation 6", "photo.jpg", testimages.JPEG(80, 40, 6), "image/jpeg"},
		{"gif", "photo.gif", testimages.GIF(30, 20), "image/gif"},
		{"webp", "photo.webp", testimages.WebPWithExif(1), "image/webp"},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			id := upload(t, owner, "a "+f.name, f.filename, f.data)
			meta := owner.Do(t, http.MethodGet, "/v1/images/"+id, nil).Expect(t, http.StatusOK).JSON(t)["image"].(map[string]any)
			if meta["contentType"] != f.wantType {
				t.Errorf("contentType = %v, want %s", meta["contentType"], f.wantType)
			}
			for _, size := range []string{"thumb", "display", "original"} {
				resp := owner.Get(t, "/v1/images/"+id+"/content?size="+size, nil).Expect(t, http.StatusOK)
				h := resp.Header
				if !strings.HasPrefix(h.Get("Content-Type"), "image/") || h.Get("Content-Length") != fmt.Sprint(len(resp.Body)) ||
					h.Get("ETag") == "" || h.Get("Last-Modified") == "" || !strings.Contains(h.Get("Cache-Control"), "private") {
					t.Errorf("%s: headers %v", size, h)
				}
				for _, marker := range []string{testimages.GPSMarker, testimages.CommentMarker, "Exif", "xmpmeta"} {
					if bytes.Contains(resp.Body, []byte(marker)) {
						t.Errorf("%s: served bytes carry %q", size, marker)
					}
				}
				img := decode(t, resp.Body)
				if size == "thumb" && (img.Bounds().Dx() != 320 || img.Bounds().Dy() != 320) {
					t.Errorf("thumb is %v, want 320×320", img.Bounds().Size())
				}
				if h.Get("Content-Type") == "image/jpeg" {
					for _, m := range testimages.JPEGSegments(resp.Body) {
						if m >= 0xe1 && m <= 0xef && m != 0xee || m == 0xfe {
							t.Errorf("%s: served JPEG keeps segment 0x%x", size, m)
						}
					}
				}
			}
			if f.name == "jpeg with gps and orientation 6" {
				img := decode(t, owner.Get(t, "/v1/images/"+id+"/content?size=original", nil).Body)
				b := img.Bounds()
				if b.Dx() != 40 || b.Dy() != 80 {
					t.Fatalf("original is %v, want 40×80 (turned)", b.Size())
				}
				// The stored left half (red) is on top once turned.
				top, bottom := img.At(b.Dx()/2, b.Dy()/4), img.At(b.Dx()/2, 3*b.Dy()/4)
				if r, _, bl, _ := top.RGBA(); r < bl {
					t.Errorf("top pixel %v is not red", top)
				}
				if r, _, bl, _ := bottom.RGBA(); bl < r {
					t.Errorf("bottom pixel %v is not blue", bottom)
				}
			}
		})
	}

	t.Run("ETag, 304 and Range", func(t *testing.T) {
		id := upload(t, owner, "ranges", "r.png", testimages.PNG(200, 100))
		path := "/v1/images/" + id + "/content?size=original"
		full := owner.Get(t, path, nil).Expect(t, http.StatusOK)
		etag := full.Header.Get("ETag")
		if got := owner.Get(t, path, map[string]string{"If-None-Match": etag}); got.Status != http.StatusNotModified || len(got.Body) != 0 {
			t.Errorf("If-None-Match: status %d with %d bytes, want 304 and none", got.Status, len(got.Body))
		}
		part := owner.Get(t, path, map[string]string{"Range": "bytes=0-9"}).Expect(t, http.StatusPartialContent)
		if want := fmt.Sprintf("bytes 0-9/%d", len(full.Body)); part.Header.Get("Content-Range") != want || !bytes.Equal(part.Body, full.Body[:10]) {
			t.Errorf("Range 0-9: Content-Range %q (want %q), %d bytes", part.Header.Get("Content-Range"), want, len(part.Body))
		}
		suffix := owner.Get(t, path, map[string]string{"Range": "bytes=-5"}).Expect(t, http.StatusPartialContent)
		if !bytes.Equal(suffix.Body, full.Body[len(full.Body)-5:]) {
			t.Error("Range -5 is not the last five bytes")
		}
		owner.Get(t, path, map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(full.Body))}).Expect(t, http.StatusRequestedRangeNotSatisfiable)
	})
}

// imageRows counts the rows of the image service's table.
func imageRows(t *testing.T, s *Stack) int {
	t.Helper()
	if s.NoSQL != nil {
		return len(s.NoSQL.Rows("fotogal_ntable_images"))
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.DataDir, "image.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM fotogal_ntable_images").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Bad uploads answer with their own status and leave nothing behind, in the
// table or in the bucket.
func TestImageBadUploads(t *testing.T) {
	s := startStack(t, nil)
	owner := s.Register(t, Unique("ines"))
	jpeg := testimages.JPEG(64, 64, 1)
	tests := []struct {
		name, caption, filename string
		data                    []byte
		want                    int
	}{
		{"16 MiB and one byte", "big", "big.png", append(testimages.PNG(8, 8), make([]byte, 16<<20+1-len(testimages.PNG(8, 8)))...), http.StatusRequestEntityTooLarge},
		{"a text file named .png", "text", "notes.png", []byte("these are my notes, not a picture\n"), http.StatusBadRequest},
		{"a truncated JPEG", "cut", "cut.jpg", jpeg[:len(jpeg)/2], http.StatusBadRequest},
		{"zero bytes", "empty", "empty.png", nil, http.StatusBadRequest},
		{"a PNG claiming 30,000 × 30,000 pixels", "bomb", "bomb.png", testimages.HugePNG(30000, 30000), http.StatusBadRequest},
		{"a caption over 2,200 characters", strings.Repeat("ç", 2201), "ok.png", testimages.PNG(8, 8), http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, objects := imageRows(t, s), len(s.BucketObjects(t))
			resp := owner.Upload(t, http.MethodPost, "/v1/images", tc.caption, tc.filename, tc.data, true).Expect(t, tc.want)
			if msg, _ := resp.JSON(t)["message"].(string); msg == "" {
				t.Errorf("no message in %s", resp.Body)
			}
			if got := imageRows(t, s); got != rows {
				t.Errorf("rows %d → %d", rows, got)
			}
			if got := len(s.BucketObjects(t)); got != objects {
				t.Errorf("bucket objects %d → %d", objects, got)
			}
		})
	}

	t.Run("someone else's image", func(t *testing.T) {
		id := upload(t, owner, "mine", "mine.png", testimages.PNG(8, 8))
		other := s.Register(t, Unique("jose"))
		other.Do(t, http.MethodPatch, "/v1/images/"+id, map[string]string{"caption": "pwned"}).Expect(t, http.StatusForbidden)
		other.Do(t, http.MethodDelete, "/v1/images/"+id, nil).Expect(t, http.StatusForbidden)
		meta := owner.Do(t, http.MethodGet, "/v1/images/"+id, nil).Expect(t, http.StatusOK).JSON(t)["image"].(map[string]any)
		if meta["caption"] != "mine" {
			t.Errorf("caption = %v after someone else's PATCH", meta["caption"])
		}
		owner.Do(t, http.MethodPatch, "/v1/images/"+id, map[string]string{"caption": "still mine"}).Expect(t, http.StatusOK)
		objects := len(s.BucketObjects(t))
		owner.Do(t, http.MethodDelete, "/v1/images/"+id, nil).Expect(t, http.StatusOK)
		owner.Do(t, http.MethodGet, "/v1/images/"+id, nil).Expect(t, http.StatusNotFound)
		if got := len(s.BucketObjects(t)); got != objects-3 {
			t.Errorf("bucket objects %d → %d after delete, want the 3 variants gone", objects, got)
		}
	})
}

// Who may see what: owner / approved follower / pending requester /
// stranger / no session × public / private account × content / metadata /
// list.
func TestImageAccessMatrix(t *testing.T) {
	s := startStack(t, nil)
	type account struct {
		owner, follower, requester, stranger *Person
		imageID                              string
	}
	setUp := func(private bool) account {
		a := account{
			owner:     s.Register(t, Unique("own")),
			follower:  s.Register(t, Unique("fol")),
			requester: s.Register(t, Unique("req")),
			stranger:  s.Register(t, Unique("str")),
		}
		if private {
			a.owner.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)
		}
		a.follower.Do(t, http.MethodPost, "/v1/users/"+a.owner.Username+"/follow", nil).Expect(t, http.StatusOK)
		if private {
			a.owner.Do(t, http.MethodPost, "/v1/me/follow-requests/"+a.follower.Username+":accept", nil).Expect(t, http.StatusOK)
			a.requester.Do(t, http.MethodPost, "/v1/users/"+a.owner.Username+"/follow", nil).Expect(t, http.StatusOK)
		}
		a.imageID = upload(t, a.owner, "seen or not", "p.png", testimages.PNG(16, 16))
		return a
	}
	accounts := map[string]account{"public": setUp(false), "private": setUp(true)}
	anon := s.NewAPIClient()

	tests := []struct {
		account, viewer            string
		content, metadata, listing int
	}{
		{"public", "owner", 200, 200, 200},
		{"public", "approved follower", 200, 200, 200},
		{"public", "pending requester", 200, 200, 200},
		{"public", "stranger", 200, 200, 200},
		{"public", "no session", 401, 401, 401},
		{"private", "owner", 200, 200, 200},
		{"private", "approved follower", 200, 200, 200},
		{"private", "pending requester", 404, 404, 403},
		{"private", "stranger", 404, 404, 403},
		{"private", "no session", 401, 401, 401},
	}
	for _, tc := range tests {
		t.Run(tc.account+"/"+tc.viewer, func(t *testing.T) {
			a := accounts[tc.account]
			viewer := map[string]*Client{
				"owner": a.owner.Client, "approved follower": a.follower.Client,
				"pending requester": a.requester.Client, "stranger": a.stranger.Client, "no session": anon,
			}[tc.viewer]
			if got := viewer.Get(t, "/v1/images/"+a.imageID+"/content?size=thumb", nil).Status; got != tc.content {
				t.Errorf("content: %d, want %d", got, tc.content)
			}
			if got := viewer.Get(t, "/v1/images/"+a.imageID, nil).Status; got != tc.metadata {
				t.Errorf("metadata: %d, want %d", got, tc.metadata)
			}
			listing := viewer.Get(t, "/v1/users/"+a.owner.Username+"/images", nil)
			if listing.Status != tc.listing {
				t.Errorf("list: %d, want %d", listing.Status, tc.listing)
			}
			if listing.Status == 200 && !bytes.Contains(listing.Body, []byte(a.imageID)) {
				t.Errorf("list lacks the photo: %s", listing.Body)
			}
			if tc.metadata == 404 {
				missing := viewer.Get(t, "/v1/images/no_such_image_000000000000", nil)
				hidden := viewer.Get(t, "/v1/images/"+a.imageID, nil)
				if missing.Status != hidden.Status || string(missing.Body) != string(hidden.Body) {
					t.Errorf("a hidden photo answers unlike a missing one:\n%s\n%s", hidden.Body, missing.Body)
				}
			}
		})
	}
}

func reactionCounts(t *testing.T, p *Person, id string) (likes, dislikes string) {
	t.Helper()
	var u uploaded
	p.Do(t, http.MethodGet, "/v1/images/"+id, nil).Expect(t, http.StatusOK).Decode(t, &u)
	return u.Image.LikeCount, u.Image.DislikeCount
}

func TestReactions(t *testing.T) {
	s := startStack(t, nil)
	owner := s.Register(t, Unique("kai"))
	id := upload(t, owner, "like me", "l.png", testimages.PNG(16, 16))

	// Registered one after another: what runs at once is the likes.
	people := make([]*Person, 50)
	for i := range people {
		people[i] = s.Register(t, Unique(fmt.Sprintf("fan%02d", i)))
	}

	// 50 people like at once, each twice: exactly 50.
	var wg sync.WaitGroup
	for range 2 {
		statuses := make([]int, len(people))
		for i, p := range people {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = p.Do(t, http.MethodPut, "/v1/images/"+id+"/like", nil).Status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusOK {
				t.Errorf("like by %s: status %d", people[i].Username, st)
			}
		}
	}
	if likes, dislikes := reactionCounts(t, owner, id); likes != "50" || dislikes != "0" {
		t.Fatalf("after 50 likes: likes %s, dislikes %s", likes, dislikes)
	}

	// A like then a dislike from the same person moves the reaction.
	p := people[0]
	var u uploaded
	p.Do(t, http.MethodPut, "/v1/images/"+id+"/dislike", nil).Expect(t, http.StatusOK).Decode(t, &u)
	if u.Image.LikeCount != "49" || u.Image.DislikeCount != "1" || u.Image.LikedByMe || !u.Image.DislikedByMe {
		t.Errorf("after like then dislike: %+v", u.Image)
	}
	p.Do(t, http.MethodDelete, "/v1/images/"+id+"/dislike", nil).Expect(t, http.StatusOK)
	p.Do(t, http.MethodDelete, "/v1/images/"+id+"/dislike", nil).Expect(t, http.StatusOK)
	if likes, dislikes := reactionCounts(t, owner, id); likes != "49" || dislikes != "0" {
		t.Errorf("after undislike twice: likes %s, dislikes %s", likes, dislikes)
	}
}

func TestAvatar(t *testing.T) {
	s := startStack(t, nil)
	lia := s.Register(t, Unique("lia"))
	viewer := s.Register(t, Unique("max"))
	viewer.Get(t, "/v1/users/"+lia.Username+"/avatar", nil).Expect(t, http.StatusNotFound)

	set := func(data []byte) string {
		var resp struct {
			AvatarURL string `json:"avatarUrl"`
		}
		lia.Upload(t, http.MethodPut, "/v1/me/avatar", "", "me.png", data, true).Expect(t, http.StatusOK).Decode(t, &resp)
		return resp.AvatarURL
	}
	first := set(testimages.PNG(100, 60))
	objects := len(s.BucketObjects(t))
	second := set(testimages.JPEG(90, 90, 1))
	if first == "" || first == second {
		t.Errorf("avatar URLs %q then %q, want two different", first, second)
	}
	if got := len(s.BucketObjects(t)); got != objects {
		t.Errorf("bucket objects %d → %d: the old avatar was not deleted", objects, got)
	}
	profile := viewer.Do(t, http.MethodGet, "/v1/users/"+lia.Username, nil).Expect(t, http.StatusOK).JSON(t)["profile"].(map[string]any)
	if profile["avatarUrl"] != second {
		t.Errorf("profile avatarUrl %v, want %s", profile["avatarUrl"], second)
	}
	resp := viewer.Get(t, second, nil).Expect(t, http.StatusOK)
	if img := decode(t, resp.Body); img.Bounds().Dx() != img.Bounds().Dy() {
		t.Errorf("avatar is %v, want square", img.Bounds().Size())
	}
	lia.Upload(t, http.MethodPut, "/v1/me/avatar", "", "notes.png", []byte("not an image"), true).Expect(t, http.StatusBadRequest)
	if posts := profile["postCount"]; posts != "0" {
		t.Errorf("avatars count as posts: postCount %v", posts)
	}
}

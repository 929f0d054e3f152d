package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// noisyPNG is a w×h photo-like PNG made from seed, which takes the image
// service a moment to process, and the image it encodes.
func noisyPNG(seed uint64, w, h int) ([]byte, *image.RGBA) {
	rng := rand.New(rand.NewPCG(seed, seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(rng.IntN(256)), uint8(x), uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes(), img
}

// samePixels reports whether got shows exactly the pixels of want.
func samePixels(got image.Image, want *image.RGBA) bool {
	if got.Bounds() != want.Bounds() {
		return false
	}
	for y := want.Bounds().Min.Y; y < want.Bounds().Max.Y; y++ {
		for x := want.Bounds().Min.X; x < want.Bounds().Max.X; x++ {
			r, g, b, a := got.At(x, y).RGBA()
			wr, wg, wb, wa := want.At(x, y).RGBA()
			if r != wr || g != wg || b != wb || a != wa {
				return false
			}
		}
	}
	return true
}

// photo is the part of an image the tests read.
type photo struct {
	ImageID   string `json:"imageId"`
	Caption   string `json:"caption"`
	SizeBytes string `json:"sizeBytes"`
	LikeCount string `json:"likeCount"`
}

// uploadedPhoto decodes the answer of POST /v1/images.
func uploadedPhoto(body []byte) (photo, error) {
	var u struct {
		Image photo `json:"image"`
	}
	if err := json.Unmarshal(body, &u); err != nil {
		return photo{}, err
	}
	if u.Image.ImageID == "" {
		return photo{}, fmt.Errorf("no image id in %s", body)
	}
	return u.Image, nil
}

// post uploads a photo and fails the test unless it is answered 200.
func post(t *testing.T, p *e2e.Person, caption string, data []byte) photo {
	t.Helper()
	a := uploadPhoto(p.Base, p.Token, caption, data)
	if a.Status != http.StatusOK {
		t.Fatalf("upload %q: %s", caption, a)
	}
	ph, err := uploadedPhoto(a.Body)
	if err != nil {
		t.Fatal(err)
	}
	return ph
}

// feedIDs is the first page of a person's timeline, or the answer that was
// not 200.
func feedIDs(p *e2e.Person) ([]string, Answer) {
	a := get(p.Base, "/v1/feed?pageSize=50", p.Token)
	if a.Status != http.StatusOK {
		return nil, a
	}
	var page struct {
		Items []struct {
			Image photo `json:"image"`
		} `json:"items"`
	}
	if err := json.Unmarshal(a.Body, &page); err != nil {
		a.Err = err
		return nil, a
	}
	var ids []string
	for _, item := range page.Items {
		ids = append(ids, item.Image.ImageID)
	}
	return ids, a
}

// follow makes follower follow the public account of username, at once.
func follow(t *testing.T, follower *e2e.Person, username string) {
	t.Helper()
	var body struct {
		FollowState string `json:"followState"`
	}
	follower.Do(t, http.MethodPost, "/v1/users/"+username+"/follow", nil).Expect(t, http.StatusOK).Decode(t, &body)
	if body.FollowState != "FOLLOW_STATE_FOLLOWING" {
		t.Fatalf("follow %s: %s, want FOLLOW_STATE_FOLLOWING at once (a public account)", username, body.FollowState)
	}
}

// bucketObjects lists the image service's bucket, read from its container
// as a tar stream: the objects (img/<id>/<name>) and the temporary files
// of unfinished writes (under .tmp/).
func bucketObjects(containerID string) (objects, temporary []string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	data, err := dockerRaw(ctx, "cp", containerID+":/data/bucket", "-")
	if err != nil {
		return nil, nil, err
	}
	r := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read the bucket's tar stream: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(h.Name, "bucket/")
		if strings.HasPrefix(name, ".tmp/") {
			temporary = append(temporary, name)
		} else {
			objects = append(objects, name)
		}
	}
	slices.Sort(objects)
	return objects, temporary, nil
}

// plantObject writes an object into the bucket of a (stopped) image
// container, dated an hour ago, as a crash between writing the bucket and
// the table would have left it. docker cp makes it root's (it cannot keep
// an owner in an image without a user database), so the object and its
// directory are open to all for the service's user to remove them.
func plantObject(t *testing.T, containerID, name string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	old := time.Now().Add(-time.Hour)
	dir := name[:strings.LastIndex(name, "/")+1]
	for _, h := range []*tar.Header{
		{Typeflag: tar.TypeDir, Name: dir, Mode: 0o777, ModTime: old},
		{Typeflag: tar.TypeReg, Name: name, Mode: 0o666, ModTime: old, Size: int64(len(data))},
	} {
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	w.Write(data)
	w.Close()
	cmd := dockerCmd("cp", "-", containerID+":/data/bucket")
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plant %s: docker cp: %v\n%s", name, err, out)
	}
}

// startTimes are the containers' start times and restart counts, by
// service.
func startTimes(all map[string]Container) map[string]string {
	times := map[string]string{}
	for s, c := range all {
		times[s] = fmt.Sprintf("%s %s restarts=%d", c.ID[:12], c.State.StartedAt.Format(time.RFC3339Nano), c.RestartCount)
	}
	return times
}

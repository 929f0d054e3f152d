package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// noisyPNG is a photo-like PNG that takes the image service a moment to
// process, so that a kill lands in the middle of uploads.
func noisyPNG(t *testing.T, seed uint64, w, h int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(rng.IntN(256)), uint8(x), uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// kill -9 of the image service during a stream of uploads, then a restart:
// every upload that was answered 200 downloads intact, no row names a
// missing object, and the sweeper removes the orphans.
func TestImageCrashSafety(t *testing.T) {
	s := startStack(t, map[string]string{
		"FOTOGAL_SWEEP_INTERVAL": "300ms",
		"FOTOGAL_SWEEP_GRACE":    "2s",
	})
	owner := s.Register(t, Unique("nia"))

	type answered struct {
		id   string
		size string
	}
	var (
		mu       sync.Mutex
		answers  []answered
		failures int
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				data := noisyPNG(t, uint64(w*1000+i), 640, 480)
				resp := owner.Upload(t, http.MethodPost, "/v1/images", fmt.Sprintf("upload %d-%d", w, i), "n.png", data, true)
				mu.Lock()
				if resp.Status == http.StatusOK {
					var u struct {
						Image struct {
							ImageID   string `json:"imageId"`
							SizeBytes string `json:"sizeBytes"`
						} `json:"image"`
					}
					resp.Decode(t, &u)
					answers = append(answers, answered{u.Image.ImageID, u.Image.SizeBytes})
				} else {
					failures++
				}
				mu.Unlock()
			}
		}()
	}
	Eventually(t, 60*time.Second, "a few uploads answered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(answers) >= 6
	})
	s.Kill("image")
	time.Sleep(300 * time.Millisecond) // uploads in flight meet the dead service
	stop()
	wg.Wait()
	t.Logf("%d uploads answered 200 before the kill, %d failed", len(answers), failures)

	// An orphan as a crash between the bucket and the table leaves it.
	const orphan = "img/orphan0000000000000000000000/original.png"
	s.PlantObject(t, orphan, noisyPNG(t, 1, 8, 8))

	s.StartBinary("image")
	s.WaitReady(30 * time.Second)

	for _, a := range answers {
		resp := owner.Get(t, "/v1/images/"+a.id+"/content?size=original", nil).Expect(t, http.StatusOK)
		if fmt.Sprint(len(resp.Body)) != a.size {
			t.Errorf("%s: %d bytes, the upload answered %s", a.id, len(resp.Body), a.size)
		}
		if img := decode(t, resp.Body); img.Bounds().Dx() != 640 || img.Bounds().Dy() != 480 {
			t.Errorf("%s: %v, want 640×480", a.id, img.Bounds().Size())
		}
	}

	ids := owner.ImageIDs(t)
	if rows := imageRows(t, s); rows != len(ids) {
		t.Errorf("%d rows, the list shows %d", rows, len(ids))
	}
	for _, id := range ids {
		for _, size := range []string{"thumb", "display", "original"} {
			owner.Get(t, "/v1/images/"+id+"/content?size="+size, nil).Expect(t, http.StatusOK)
		}
	}

	named := map[string]bool{}
	for _, id := range ids {
		named[id] = true
	}
	Eventually(t, 15*time.Second, "the sweeper removed every object no row names", func() bool {
		for _, obj := range s.BucketObjects(t) {
			parts := strings.Split(obj, "/")
			if len(parts) < 2 || !named[parts[1]] {
				return false
			}
		}
		return true
	})
	if slices.Contains(s.BucketObjects(t), orphan) {
		t.Errorf("the planted orphan %s is still there", orphan)
	}
}

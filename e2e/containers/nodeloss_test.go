package containers

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// docker kill of the image container during a stream of uploads, then
// docker start: while it is down the image routes answer 503 at once;
// afterwards every upload answered 200 downloads intact, every photo listed
// has all its sizes, and no object is left in the bucket that no photo
// names.
func TestNodeLoss(t *testing.T) {
	p := Up(t)
	owner := p.API().Register(t, "nia_owner")
	listPath := "/v1/users/" + owner.Username + "/images?pageSize=5"

	var answers Answers
	sent := map[string]uint64{} // caption → seed of the photo sent
	var sentMu sync.Mutex
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				seed := uint64(w*100000 + i)
				caption := fmt.Sprintf("upload %d", seed)
				data, _ := noisyPNG(seed, 320, 240)
				sentMu.Lock()
				sent[caption] = seed
				sentMu.Unlock()
				answers.Add(uploadPhoto(p.URL, owner.Token, caption, data))
			}
		})
	}
	wg.Go(func() {
		for ctx.Err() == nil {
			answers.Add(get(p.URL, listPath, owner.Token))
			time.Sleep(50 * time.Millisecond)
		}
	})
	answered := func(route string, status int, after time.Time) func(Answer) bool {
		return func(a Answer) bool { return a.Route == route && a.Status == status && !a.Start.Before(after) }
	}

	e2e.Eventually(t, 60*time.Second, "six uploads answered", func() bool {
		return answers.Count(answered("POST /v1/images", http.StatusOK, time.Time{})) >= 6
	})
	imageC := p.Inspect("image")
	killedAt := time.Now()
	if _, err := docker("kill", imageC.ID); err != nil {
		t.Fatal(err)
	}
	e2e.Eventually(t, 20*time.Second, "503s on both image routes while the image container is down", func() bool {
		return answers.Count(answered("POST /v1/images", http.StatusServiceUnavailable, killedAt)) >= 3 &&
			answers.Count(answered("GET /v1/users/"+owner.Username+"/images", http.StatusServiceUnavailable, killedAt)) >= 3
	})

	// An orphan, as a crash between writing the bucket and the table leaves
	// one.
	orphan := "img/orphan" + e2e.RandomHex(8) + "/original.png"
	orphanData, _ := noisyPNG(7, 8, 8)
	plantObject(t, imageC.ID, orphan, orphanData)

	startedAt := time.Now()
	if _, err := docker("start", imageC.ID); err != nil {
		t.Fatal(err)
	}
	e2e.Eventually(t, 30*time.Second, "uploads answered 200 again after the start", func() bool {
		return answers.Count(answered("POST /v1/images", http.StatusOK, startedAt)) >= 3
	})
	stop()
	wg.Wait()

	all := answers.All()
	o := outage(all, killedAt)
	down := startedAt.Sub(killedAt)
	t.Logf("image container down %v (kill → start); gap kill → first 200 after the start: %v; %d answers, %d of them 503",
		down.Round(time.Millisecond), o.Gap.Round(time.Millisecond), len(all), o.Unavailable)
	t.Logf("slowest request: %s", o.Slowest)
	for _, a := range o.Other {
		t.Errorf("neither 200 nor 503: %s", a)
	}
	if o.Slowest.Took > CallTimeout+time.Second {
		t.Errorf("a request took %v, more than the call timeout %v", o.Slowest.Took, CallTimeout)
	}
	if o.Gap < 0 {
		t.Errorf("no request succeeded after the first failure")
	}

	p.WaitHealthy(30 * time.Second)
	listed := owner.ImageIDs(t)
	uploads := 0
	for _, a := range all {
		if a.Route != "POST /v1/images" || a.Status != http.StatusOK {
			continue
		}
		uploads++
		ph, err := uploadedPhoto(a.Body)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(listed, ph.ImageID) {
			t.Errorf("%s (%q) was answered 200 and is not in the owner's photos", ph.ImageID, ph.Caption)
		}
		resp := owner.Get(t, "/v1/images/"+ph.ImageID+"/content?size=original", nil).Expect(t, http.StatusOK)
		if strconv.Itoa(len(resp.Body)) != ph.SizeBytes {
			t.Errorf("%s: %d bytes, the upload answered %s", ph.ImageID, len(resp.Body), ph.SizeBytes)
		}
		sentMu.Lock()
		seed, ok := sent[ph.Caption]
		sentMu.Unlock()
		_, want := noisyPNG(seed, 320, 240)
		if img, _, err := image.Decode(bytes.NewReader(resp.Body)); !ok || err != nil || !samePixels(img, want) {
			t.Errorf("%s (%q): the original is not the photo sent (decode error %v)", ph.ImageID, ph.Caption, err)
		}
	}
	for _, id := range listed {
		for _, size := range []string{"thumb", "display", "original"} {
			owner.Get(t, "/v1/images/"+id+"/content?size="+size, nil).Expect(t, http.StatusOK)
		}
	}
	t.Logf("%d uploads answered 200, all downloaded intact; %d photos listed, each with its three sizes", uploads, len(listed))

	var objects, temporary []string
	swept := e2e.Eventually(t, 20*time.Second, "the bucket holds only objects of listed photos", func() bool {
		var err error
		objects, temporary, err = bucketObjects(imageC.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objects {
			if parts := strings.Split(obj, "/"); len(parts) != 3 || !slices.Contains(listed, parts[1]) {
				return false
			}
		}
		return true
	})
	if slices.Contains(objects, orphan) {
		t.Errorf("the planted orphan %s is still in the bucket", orphan)
	}
	if len(temporary) > 0 {
		t.Errorf("temporary files left in the bucket after the restart: %v", temporary)
	}
	t.Logf("bucket: %d objects for %d photos, none orphaned, the planted one swept (bucket clean %v after the check began)",
		len(objects), len(listed), swept.Round(time.Millisecond))
}

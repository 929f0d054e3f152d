package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// exportPhotos is how many photos the exported account posts.
const exportPhotos = 200

// maxExportGrowthMiB bounds how much a process's resident memory may grow
// while it serves an export of exportPhotos photos of about 300 KB each
// (60 MB): under half the export's size, so that a process holding the
// export, or most of it, fails.
const maxExportGrowthMiB = 24

// noiseJPEG returns a 640×600 JPEG of random noise, different for each
// seed: about 300 KB that do not compress.
func noiseJPEG(t testing.TB, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, 640, 600))
	for y := range 600 {
		for x := range 640 {
			v := rng.Uint32()
			img.SetRGBA(x, y, color.RGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Error(err)
	}
	return buf.Bytes()
}

// procStatusKiB returns a field of a process's /proc status (VmRSS,
// VmHWM) in KiB.
func procStatusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in the status of %d", field, pid)
}

// memoryWatch follows the resident memory of processes while something
// runs: their VmRSS before, and their peak during it, from VmHWM (reset
// at the start through clear_refs, where the kernel lets it) and from
// VmRSS sampled every 10 ms.
type memoryWatch struct {
	pids     map[string]int
	before   map[string]int64
	hwmReset map[string]bool
	mu       sync.Mutex
	peak     map[string]int64
	stop     chan struct{}
	done     chan struct{}
}

func watchMemory(t *testing.T, pids map[string]int) *memoryWatch {
	t.Helper()
	w := &memoryWatch{
		pids: pids, before: map[string]int64{}, hwmReset: map[string]bool{}, peak: map[string]int64{},
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	for name, pid := range pids {
		// "5" resets the peak resident size to the current one.
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err == nil {
			w.hwmReset[name] = true
		} else {
			t.Logf("%s: VmHWM not reset (%v): the peak is sampled only", name, err)
		}
		rss, err := procStatusKiB(pid, "VmRSS")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w.before[name], w.peak[name] = rss, rss
	}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
			for name, pid := range w.pids {
				if rss, err := procStatusKiB(pid, "VmRSS"); err == nil {
					w.mu.Lock()
					w.peak[name] = max(w.peak[name], rss)
					w.mu.Unlock()
				}
			}
		}
	}()
	return w
}

// growthMiB stops the watch and returns each process's peak growth in
// MiB over its VmRSS at the start.
func (w *memoryWatch) growthMiB(t *testing.T) map[string]float64 {
	t.Helper()
	close(w.stop)
	<-w.done
	out := map[string]float64{}
	for name, pid := range w.pids {
		peak := w.peak[name]
		if w.hwmReset[name] {
			hwm, err := procStatusKiB(pid, "VmHWM")
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			peak = max(peak, hwm)
		}
		out[name] = float64(peak-w.before[name]) / 1024
		t.Logf("%s: VmRSS %.1f MiB before the export, peak %.1f MiB during it", name, float64(w.before[name])/1024, float64(peak)/1024)
	}
	return out
}

// exportedPhoto is an entry of photos.json.
type exportedPhoto struct {
	ImageID     string `json:"imageId"`
	Caption     string `json:"caption"`
	ContentType string `json:"contentType"`
	SizeBytes   int64  `json:"sizeBytes"`
	File        string `json:"file"`
}

// zipEntry reads the entry name of zr whole.
func zipEntry(t *testing.T, files map[string]*zip.File, name string) []byte {
	t.Helper()
	f := files[name]
	if f == nil {
		t.Fatalf("the export has no %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

func zipJSON(t *testing.T, files map[string]*zip.File, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(zipEntry(t, files, name), v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestExport exports an account of 200 photos, followers, followed
// accounts, comments and reactions through the gateway, checks every
// entry of the zip against what the API shows, and checks that neither
// the gateway nor the image service grew with the export's size.
func TestExport(t *testing.T) {
	s := startStack(t, nil)
	owner := s.Register(t, Unique("exporter"))
	fans := []*Person{s.Register(t, Unique("fan")), s.Register(t, Unique("fan"))}
	idol := s.Register(t, Unique("idol"))

	// The photos, four uploads at a time.
	captions := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, 4)
	for i := range exportPhotos {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			caption := fmt.Sprintf("photo %03d", i)
			resp := owner.Upload(t, http.MethodPost, "/v1/images", caption, fmt.Sprintf("p%03d.jpg", i), noiseJPEG(t, uint64(i)), true)
			var u uploaded
			if err := json.Unmarshal(resp.Body, &u); resp.Status != http.StatusOK || err != nil || u.Image.ImageID == "" {
				t.Errorf("upload %d: status %d, %s", i, resp.Status, resp.Body)
				return
			}
			mu.Lock()
			captions[u.Image.ImageID] = caption
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	photoIDs := owner.ImageIDs(t)
	if len(photoIDs) != exportPhotos {
		t.Fatalf("the account lists %d photos, want %d", len(photoIDs), exportPhotos)
	}

	// The people around the account, its comments and its reactions.
	for _, f := range fans {
		f.Do(t, http.MethodPost, "/v1/users/"+owner.Username+"/follow", nil).Expect(t, http.StatusOK)
	}
	owner.Do(t, http.MethodPost, "/v1/users/"+idol.Username+"/follow", nil).Expect(t, http.StatusOK)
	liked := upload(t, idol, "liked", "a.jpg", noiseJPEG(t, 1000))
	disliked := upload(t, idol, "disliked", "b.jpg", noiseJPEG(t, 1001))
	var commentIDs []string // newest first
	for _, c := range []struct{ image, text string }{
		{liked, "lovely"}, {photoIDs[0], "my newest"}, {disliked, "not for me"},
	} {
		commentIDs = slices.Insert(commentIDs, 0, addComment(t, owner.Client, c.image, c.text).CommentID)
	}
	addComment(t, fans[0].Client, photoIDs[1], "a fan's words are not the owner's")
	owner.Do(t, http.MethodPut, "/v1/images/"+liked+"/like", nil).Expect(t, http.StatusOK)
	owner.Do(t, http.MethodPut, "/v1/images/"+disliked+"/dislike", nil).Expect(t, http.StatusOK)
	fans[1].Do(t, http.MethodPut, "/v1/images/"+photoIDs[2]+"/like", nil).Expect(t, http.StatusOK)

	t.Run("no session", func(t *testing.T) {
		s.NewAPIClient().Get(t, "/v1/me/export", nil).Expect(t, http.StatusUnauthorized)
	})

	watch := watchMemory(t, map[string]int{"gateway": s.PID("gateway"), "image": s.PID("image")})
	started := time.Now()
	resp := owner.Get(t, "/v1/me/export", nil).Expect(t, http.StatusOK)
	elapsed := time.Since(started)
	growth := watch.growthMiB(t)
	t.Logf("export: %.1f MB in %v", float64(len(resp.Body))/1e6, elapsed.Round(time.Millisecond))
	if size := len(resp.Body); size < 2*maxExportGrowthMiB<<20 {
		t.Fatalf("the export is %d bytes: too small for its memory bound of %d MiB to tell anything", size, maxExportGrowthMiB)
	}
	for name, g := range growth {
		if g >= maxExportGrowthMiB {
			t.Errorf("%s grew by %.1f MiB during an export of %.1f MB, want under %d MiB", name, g, float64(len(resp.Body))/1e6, maxExportGrowthMiB)
		}
	}
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="fotogal-`+owner.Username+`.zip"`; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/zip" {
		t.Errorf("Content-Type = %q, want application/zip", got)
	}

	zr, err := zip.NewReader(bytes.NewReader(resp.Body), int64(len(resp.Body)))
	if err != nil {
		t.Fatalf("the export is not a zip: %v", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if files[f.Name] != nil {
			t.Errorf("%s twice in the export", f.Name)
		}
		files[f.Name] = f
	}
	if want := 6 + exportPhotos; len(files) != want {
		t.Errorf("%d entries, want %d", len(files), want)
	}

	t.Run("profile", func(t *testing.T) {
		var p struct {
			UserID, Username, Email, FullName string
		}
		zipJSON(t, files, "profile.json", &p)
		if p.UserID != owner.UserID || p.Username != owner.Username || p.Email != owner.Email || p.FullName != "Person "+owner.Username {
			t.Errorf("profile.json = %+v", p)
		}
	})
	t.Run("photos", func(t *testing.T) {
		var listed []exportedPhoto
		zipJSON(t, files, "photos.json", &listed)
		var ids []string
		for _, p := range listed {
			ids = append(ids, p.ImageID)
		}
		if !slices.Equal(ids, photoIDs) {
			t.Fatalf("photos.json lists %d photos unlike the %d of the account, newest first", len(ids), len(photoIDs))
		}
		for _, p := range listed {
			if p.Caption != captions[p.ImageID] || p.ContentType != "image/jpeg" || p.File != "photos/"+p.ImageID+".jpg" {
				t.Errorf("photos.json entry %+v, want caption %q, image/jpeg, photos/%s.jpg", p, captions[p.ImageID], p.ImageID)
				continue
			}
			if files[p.File] != nil && files[p.File].Method != zip.Store {
				t.Errorf("%s is compressed, want stored", p.File)
			}
			got := zipEntry(t, files, p.File)
			original := owner.Get(t, "/v1/images/"+p.ImageID+"/content?size=original", nil).Expect(t, http.StatusOK).Body
			if !bytes.Equal(got, original) || int64(len(got)) != p.SizeBytes {
				t.Errorf("%s: %d bytes (photos.json says %d), the original served is %d bytes and %s",
					p.File, len(got), p.SizeBytes, len(original), map[bool]string{true: "equal", false: "different"}[bytes.Equal(got, original)])
			}
		}
	})
	t.Run("people", func(t *testing.T) {
		usernames := func(name string) []string {
			var people []struct{ Username, FullName string }
			zipJSON(t, files, name, &people)
			var out []string
			for _, p := range people {
				if p.FullName != "Person "+p.Username {
					t.Errorf("%s: %+v", name, p)
				}
				out = append(out, p.Username)
			}
			slices.Sort(out)
			return out
		}
		wantFans := []string{fans[0].Username, fans[1].Username}
		slices.Sort(wantFans)
		if got := usernames("followers.json"); !slices.Equal(got, wantFans) {
			t.Errorf("followers.json = %v, want %v", got, wantFans)
		}
		if got := usernames("following.json"); !slices.Equal(got, []string{idol.Username}) {
			t.Errorf("following.json = %v, want [%s]", got, idol.Username)
		}
	})
	t.Run("comments and reactions", func(t *testing.T) {
		var comments []struct{ CommentID, ImageID, Text string }
		zipJSON(t, files, "comments.json", &comments)
		var ids []string
		for _, c := range comments {
			ids = append(ids, c.CommentID)
		}
		if !slices.Equal(ids, commentIDs) {
			t.Errorf("comments.json = %+v, want the owner's %v, newest first", comments, commentIDs)
		}
		var reactions []struct{ ImageID, Kind string }
		zipJSON(t, files, "reactions.json", &reactions)
		want := []struct{ ImageID, Kind string }{{disliked, "dislike"}, {liked, "like"}}
		if !slices.Equal(reactions, want) {
			t.Errorf("reactions.json = %+v, want %+v", reactions, want)
		}
		// The lists the export reads are routes of their own.
		var page commentPage
		owner.Get(t, "/v1/me/comments?pageSize=2", nil).Expect(t, http.StatusOK).Decode(t, &page)
		if len(page.Comments) != 2 || page.Comments[0].CommentID != commentIDs[0] || page.NextPageToken == "" || !page.Comments[0].CanDelete {
			t.Errorf("GET /v1/me/comments?pageSize=2 = %+v", page)
		}
	})
}

package benchimages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// The settings of a run, from the environment.
var (
	// FOTOGAL_BENCH_DURATION: how long wrk loads each target (default 10s).
	loadFor = envDuration("FOTOGAL_BENCH_DURATION", 10*time.Second)
	// FOTOGAL_BENCH_UPLOADS: how many sequential uploads the p50 is of.
	uploads = envInt("FOTOGAL_BENCH_UPLOADS", 10)
	// FOTOGAL_BENCH_DIR: where nginx keeps its pid and logs.
	workDir = os.Getenv("FOTOGAL_BENCH_DIR")
)

// concurrentUploads is how many uploads at once the peak memory is read after.
const concurrentUploads = 16

// TestBenchImages measures FotoGal against nginx and vipsthumbnail and
// prints the table of issue 11's targets. It fails when a tool, the
// photographs or a request fails; it does not fail on a missed target.
func TestBenchImages(t *testing.T) {
	if os.Getenv("FOTOGAL_BENCH_IMAGES") != "1" {
		t.Skip("the image benchmark runs with FOTOGAL_BENCH_IMAGES=1: make bench-images")
	}
	// nginx is sent SIGTERM if the thread that started it ends, so this
	// test's goroutine keeps its thread until it returns.
	runtime.LockOSThread()
	if workDir == "" {
		workDir = t.TempDir()
	}
	began := time.Now()

	photos := makePhotos(t, t.TempDir())
	fmt.Printf("photos, made from Debian's %s (%s):\n", photoPackage, photoDir)
	for _, p := range photos {
		fmt.Println("  " + p.String())
	}

	binDir := t.TempDir()
	if err := e2e.Build(binDir); err != nil {
		t.Fatal(err)
	}
	// The binaries log as in production: one access line a request.
	s := e2e.Start(t, binDir, e2e.Options{Env: map[string]string{"FOTOGAL_LOG_LEVEL": "info"}})
	owner := s.Register(t, e2e.Unique("bench"))

	// Uploads, one at a time, against vipsthumbnail on the same files.
	ids := make([]string, len(photos))
	var fotogal []time.Duration
	for i := range uploads {
		p := photos[i%len(photos)]
		start := time.Now()
		id, err := upload(owner.Client, p)
		if err != nil {
			t.Fatal(err)
		}
		fotogal = append(fotogal, time.Since(start))
		ids[i%len(photos)] = id
	}
	if slices.Contains(ids, "") {
		t.Fatalf("FOTOGAL_BENCH_UPLOADS=%d uploads fewer than the %d photos", uploads, len(photos))
	}
	outDir := t.TempDir()
	var vips []time.Duration
	for i := range uploads {
		p := photos[i%len(photos)]
		start := time.Now()
		run(t, "vipsthumbnail", p.path, "-s", "1080", "-o", filepath.Join(outDir, "%s_display.jpg[Q=85,strip]"))
		run(t, "vipsthumbnail", p.path, "-s", "320x320", "-m", "centre", "-o", filepath.Join(outDir, "%s_thumb.jpg[Q=85,strip]"))
		vips = append(vips, time.Since(start))
	}

	// A turned photo comes back turned: the bench's EXIF segment is read.
	for i, p := range photos {
		if p.orientation == 6 || p.orientation == 8 {
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(get(t, owner.Client, ids[i], "original")))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != p.height || cfg.Height != p.width {
				t.Fatalf("%s (orientation %d) served as %d×%d, want %d×%d", p.name, p.orientation, cfg.Width, cfg.Height, p.height, p.width)
			}
		}
	}

	// Serving: one photo's variants from FotoGal, and the same bytes from nginx.
	www := filepath.Join(workDir, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{}
	for _, v := range []string{"thumb", "display", "original"} {
		data := get(t, owner.Client, ids[0], v)
		sizes[v] = len(data)
		if err := os.WriteFile(filepath.Join(www, v+".jpg"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	nginx := startNginx(t, workDir, www)
	for _, v := range []string{"thumb", "display", "original"} {
		resp, err := http.Get(nginx + "/" + v + ".jpg")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || int(n) != sizes[v] {
			t.Fatalf("nginx serves %s.jpg as %s with %d bytes, want 200 with %d", v, resp.Status, n, sizes[v])
		}
	}
	auth := "Authorization: Bearer " + owner.Token
	rate := map[string][2]float64{}
	for _, v := range []string{"thumb", "display", "original"} {
		rate[v] = [2]float64{
			wrk(t, s.GatewayURL+"/v1/images/"+ids[0]+"/content?size="+v, loadFor, auth),
			wrk(t, nginx+"/"+v+".jpg", loadFor),
		}
	}

	// Peak memory of a fresh image service through 16 concurrent uploads.
	s.Stop("image")
	s.StartBinary("image")
	s.WaitReady(60 * time.Second)
	var wg sync.WaitGroup
	errs := make([]error, concurrentUploads)
	for i := range concurrentUploads {
		wg.Go(func() { _, errs[i] = upload(owner.Client, photos[i%len(photos)]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent upload: %v", err)
		}
	}
	peak := peakRSS(t, s.PID("image"))

	// The table.
	mb := func(v string) float64 { return rate[v][0] * float64(sizes[v]) / 1e6 }
	mbNginx := func(v string) float64 { return rate[v][1] * float64(sizes[v]) / 1e6 }
	up, ref := median(fotogal), median(vips)
	var b strings.Builder
	fmt.Fprintf(&b, "\n| measure | FotoGal | reference | ratio | target |\n|---|---:|---:|---:|---|\n")
	for _, v := range []string{"thumb", "display"} {
		name := map[string]string{"thumb": "thumbnail", "display": "display"}[v]
		fmt.Fprintf(&b, "| %s req/s (%s) | %.0f | nginx %.0f | %.2f | ≥ 0.25 |\n",
			name, kb(sizes[v]), rate[v][0], rate[v][1], rate[v][0]/rate[v][1])
	}
	fmt.Fprintf(&b, "| original MB/s (%s) | %.0f | nginx %.0f | %.2f | ≥ 0.5 |\n",
		kb(sizes["original"]), mb("original"), mbNginx("original"), mb("original")/mbNginx("original"))
	fmt.Fprintf(&b, "| upload p50 of %d, 12–15 MP | %.3f s | vipsthumbnail %.3f s | %.2f | ≤ 1.5 |\n",
		uploads, up.Seconds(), ref.Seconds(), up.Seconds()/ref.Seconds())
	fmt.Fprintf(&b, "| image service VmHWM, %d concurrent uploads | %.0f MiB | — | — | ≤ 256 MiB |\n", concurrentUploads, peak)
	fmt.Fprintf(&b, "\nwrk: 8 connections, 2 threads, %v a target; %d CPUs; photos from Debian's %s; run took %v\n",
		loadFor, runtime.NumCPU(), photoPackage, time.Since(began).Round(time.Second))
	fmt.Print(b.String())
}

// upload posts a photo as c's owner and returns its image id. It reports
// failure as an error, so that it can run off the test's goroutine.
func upload(c *e2e.Client, p photo) (string, error) {
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	part, err := form.CreateFormFile("file", p.name)
	if err != nil {
		return "", err
	}
	part.Write(p.data)
	form.Close()
	req, err := http.NewRequest(http.MethodPost, c.Base+"/v1/images", &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", p.name, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("upload %s: %s: %s", p.name, resp.Status, data)
	}
	var u struct {
		Image struct {
			ImageID string `json:"imageId"`
		} `json:"image"`
	}
	if err := json.Unmarshal(data, &u); err != nil || u.Image.ImageID == "" {
		return "", fmt.Errorf("upload %s: answer without an image id: %s", p.name, data)
	}
	return u.Image.ImageID, nil
}

// get fetches one variant of an image as c's owner.
func get(t *testing.T, c *e2e.Client, id, size string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Base+"/v1/images/"+id+"/content?size="+size, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Send(t, req).Expect(t, http.StatusOK).Body
}

// peakRSS is a process's peak resident memory (VmHWM) in MiB.
func peakRSS(t *testing.T, pid int) float64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("image service status: %v", err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return float64(kib) / 1024
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func kb(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d KB", (n+500)/1000)
}

func envDuration(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		panic(fmt.Sprintf("%s: %q is not a duration of at least 1s", name, v))
	}
	return d
}

func envInt(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		panic(fmt.Sprintf("%s: %q is not a positive number", name, v))
	}
	return n
}

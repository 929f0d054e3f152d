package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// photo3MP is a 2048×1536 JPEG with photo-like detail (about 3.1
// megapixels).
func photo3MP(b *testing.B) []byte {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 3))
	img := image.NewRGBA(image.Rect(0, 0, 2048, 1536))
	for y := range 1536 {
		for x := range 2048 {
			n := uint8(rng.IntN(48))
			img.SetRGBA(x, y, color.RGBA{uint8(x/8) + n, uint8(y/6) + n, uint8((x+y)/14) + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// peakRSS is a process's peak resident memory (VmHWM) in MiB.
func peakRSS(b *testing.B, pid int) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kib) / 1024
		}
	}
	b.Fatal("no VmHWM")
	return 0
}

// BenchmarkImage measures the real binaries through the gateway: uploads of
// a 3-megapixel JPEG (four at a time) and downloads of its original, with
// the image service's peak memory.
//
//	go test ./e2e -run '^$' -bench Image -benchtime 40x
func BenchmarkImage(b *testing.B) {
	s := Start(b, binDir, Options{})
	owner := s.Register(b, Unique("bench"))
	photo := photo3MP(b)
	b.Logf("photo: %d bytes", len(photo))

	var lastID atomic.Value
	b.Run("upload", func(b *testing.B) {
		b.SetBytes(int64(len(photo)))
		b.SetParallelism(2) // 2 × GOMAXPROCS uploads in flight
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var u uploaded
				owner.Upload(b, http.MethodPost, "/v1/images", "bench", "photo.jpg", photo, true).Expect(b, http.StatusOK).Decode(b, &u)
				lastID.Store(u.Image.ImageID)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "uploads/s")
		b.ReportMetric(peakRSS(b, s.PID("image")), "image-peak-MiB")
	})
	b.Run("download original", func(b *testing.B) {
		id := lastID.Load().(string)
		size := len(owner.Get(b, "/v1/images/"+id+"/content?size=original", nil).Expect(b, http.StatusOK).Body)
		b.SetBytes(int64(size))
		b.ResetTimer()
		for range b.N {
			owner.Get(b, "/v1/images/"+id+"/content?size=original", nil).Expect(b, http.StatusOK)
		}
		b.ReportMetric(peakRSS(b, s.PID("image")), "image-peak-MiB")
	})
}

package service_test

import (
	"bufio"
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// photoJPEG returns a 2048×1536 (3.1 megapixel) JPEG with gradients and
// noise, which compresses about as a photo does.
func photoJPEG(b *testing.B) []byte {
	b.Helper()
	const w, h = 2048, 1536
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(24))
			img.SetRGBA(x, y, color.RGBA{uint8(x*255/w) ^ n, uint8(y*255/h) + n, uint8((x+y)/16) + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// peakRSS reports the process's peak resident memory (VmHWM) in MiB.
func peakRSS(b *testing.B) float64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	b.Skip("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkUpload uploads a 3-megapixel JPEG through the real gRPC server:
// spooling, checks, decoding, the two variants, the stripped original, the
// bucket and the row.
func BenchmarkUpload(b *testing.B) {
	e := newEnv(b)
	data := photoJPEG(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.upload("alice", data, uploadOptions{caption: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(peakRSS(b), "peak-RSS-MiB")
}

// BenchmarkDownload streams the original of a 3-megapixel JPEG.
func BenchmarkDownload(b *testing.B) {
	e := newEnv(b)
	img, err := e.upload("alice", photoJPEG(b), uploadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	req := &imagev1.GetImageContentRequest{ImageId: img.GetImageId(), Size: imagev1.ImageSize_IMAGE_SIZE_ORIGINAL}
	b.SetBytes(img.GetSizeBytes())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := e.content("carol", req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(peakRSS(b), "peak-RSS-MiB")
}

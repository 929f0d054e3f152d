package jpegscale

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDecode decodes the baseline photographs of photoDir, or of the
// directory FOTOGAL_BENCH_PHOTOS names (such as make bench-images' 13.5 MP
// copies), reduced by 2, 4 and 8, and in full with image/jpeg.
func BenchmarkDecode(b *testing.B) {
	dir := os.Getenv("FOTOGAL_BENCH_PHOTOS")
	if dir == "" {
		dir = photoDir
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	var photos [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeConfig(bytes.NewReader(data)); !errors.Is(err, ErrUnsupported) {
			photos = append(photos, data)
		}
	}
	if len(photos) == 0 {
		b.Skipf("no baseline photograph in %s (install Debian's lomiri-wallpapers-16.04 or set FOTOGAL_BENCH_PHOTOS)", dir)
	}
	for _, k := range []int{1, 2, 4, 8} {
		name := fmt.Sprintf("1:%d", k)
		if k == 1 {
			name = "image-jpeg"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				data := photos[i%len(photos)]
				var err error
				if k == 1 {
					_, err = jpeg.Decode(bytes.NewReader(data))
				} else {
					_, err = Decode(bytes.NewReader(data), k)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

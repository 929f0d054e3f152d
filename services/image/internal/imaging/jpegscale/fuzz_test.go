package jpegscale

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeScaled feeds Decode arbitrary bytes: it returns an image of
// the size DecodeConfig reads, or an error, and never panics or hangs.
func FuzzDecodeScaled(f *testing.F) {
	for _, size := range []image.Point{{1, 1}, {9, 7}, {24, 17}} {
		img := texture(size.X, size.Y, 5)
		f.Add(encoded(f, img, 50), uint8(2))
		f.Add(encoded(f, grey(img), 50), uint8(4))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.jpg"))
	for i, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, factor uint8) {
		k := []int{2, 4, 8}[int(factor)%3]
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<22 {
			// Decode allocates the frame's samples: the caller bounds them.
			return
		}
		img, err := Decode(bytes.NewReader(data), k)
		if err != nil {
			return
		}
		want := image.Rect(0, 0, (cfg.Width+k-1)/k, (cfg.Height+k-1)/k)
		if img.Bounds() != want {
			t.Fatalf("decoded %v from a frame of %d×%d reduced by %d, want %v", img.Bounds(), cfg.Width, cfg.Height, k, want)
		}
	})
}

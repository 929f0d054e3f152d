package imaging

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchPhotos are the photographs make bench-images makes its uploads
// from: Debian's lomiri-wallpapers-16.04 installs them in
// /usr/share/backgrounds. FOTOGAL_BENCH_PHOTOS names another directory
// holding files of the same names (such as the bench's 13.5 MP copies).
var benchPhotos = []string{
	"Dragonfly_by_Bolly.jpg",
	"seeding_by_Clements_Engelhardt.jpg",
	"sunset_by_Aitzol_Berasategi.jpg",
	"Bridge_by_Sander_Klootwijk.jpg",
	"picosdeeuropa_by_Aitzol_Berasategi.jpg",
}

// loadBenchPhotos reads the bench photographs, or skips b without them.
func loadBenchPhotos(b *testing.B) map[string][]byte {
	b.Helper()
	dir := os.Getenv("FOTOGAL_BENCH_PHOTOS")
	if dir == "" {
		dir = "/usr/share/backgrounds"
	}
	photos := make(map[string][]byte)
	for _, name := range benchPhotos {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Skipf("no bench photograph (install Debian's lomiri-wallpapers-16.04 or set FOTOGAL_BENCH_PHOTOS): %v", err)
		}
		photos[name] = data
	}
	return photos
}

// BenchmarkRender decodes a camera photograph and encodes its three
// renditions, as stored and turned a quarter (which re-encodes the
// original).
func BenchmarkRender(b *testing.B) {
	photos := loadBenchPhotos(b)
	for _, orientation := range []int{1, 6} {
		name := map[int]string{1: "as-stored", 6: "turned"}[orientation]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for i := 0; b.Loop(); i++ {
				data := photos[benchPhotos[i%len(benchPhotos)]]
				n += int64(len(data))
				info, err := Inspect(bytes.NewReader(data), int64(len(data)), limits)
				if err != nil {
					b.Fatal(err)
				}
				info.Orientation = orientation
				res, err := Render(bytes.NewReader(data), int64(len(data)), info)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range []Rendition{res.Original, res.Display, res.Thumb} {
					if err := r.Encode(io.Discard); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.SetBytes(n / int64(b.N))
		})
	}
}

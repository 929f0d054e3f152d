package imaging

import (
	"bytes"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// fuzzSeeds are small uploads of every format, with and without EXIF.
func fuzzSeeds(f *testing.F) {
	for _, seed := range [][]byte{
		testimages.PNG(8, 6), testimages.JPEG(16, 8, 1), testimages.JPEG(16, 8, 6),
		testimages.GIF(4, 4), []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), []byte("not an image"), {},
	} {
		f.Add(seed)
	}
}

// FuzzInspect: the type of an upload is decided by its content alone, and
// whatever Inspect accepts is within the limits it was given.
func FuzzInspect(f *testing.F) {
	fuzzSeeds(f)
	lim := Limits{MaxPixels: 1 << 20, MaxSide: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		format, sniffed := Sniff(data)
		info, err := Inspect(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			return
		}
		if !sniffed || info.Format != format {
			t.Fatalf("Inspect took a %v that Sniff calls %v (%v)", info.Format, format, sniffed)
		}
		if info.Width <= 0 || info.Height <= 0 || info.Width > lim.MaxSide || info.Height > lim.MaxSide ||
			int64(info.Width)*int64(info.Height) > lim.MaxPixels {
			t.Fatalf("Inspect accepted %d×%d past the limits %+v", info.Width, info.Height, lim)
		}
		if info.Orientation < 1 || info.Orientation > 8 {
			t.Fatalf("orientation %d", info.Orientation)
		}
	})
}

// FuzzJPEGHeader: the EXIF orientation reader answers 1 to 8 for any bytes.
func FuzzJPEGHeader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if o, _ := jpegHeader(bytes.NewReader(data)); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

// FuzzStrip: the metadata strippers never grow an image, and what they
// leave has nothing more to strip.
func FuzzStrip(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		format, ok := Sniff(data)
		if !ok {
			return
		}
		var once bytes.Buffer
		if err := strip(format, &once, bytes.NewReader(data), int64(len(data))); err != nil {
			return
		}
		if once.Len() > len(data) {
			t.Fatalf("stripping a %v of %d bytes gave %d", format, len(data), once.Len())
		}
		var twice bytes.Buffer
		if err := strip(format, &twice, bytes.NewReader(once.Bytes()), int64(once.Len())); err != nil {
			t.Fatalf("the stripped %v does not strip again: %v", format, err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("stripping a stripped %v changed it (%d → %d bytes)", format, once.Len(), twice.Len())
		}
	})
}

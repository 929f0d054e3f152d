package jpegscale

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// minPSNR is the least peak signal-to-noise ratio, in dB, of a scaled
// decode against the full decode box-averaged by the same factor.
const minPSNR = 35

// photoDir holds Debian's lomiri-wallpapers-16.04 photographs, when the
// package is installed.
const photoDir = "/usr/share/backgrounds"

// texture returns a w×h picture with gradients, ripples and noise.
func texture(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 3))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 40*math.Sin(float64(x)*0.3)*math.Cos(float64(y)*0.2) + 20*math.Sin(float64(x)*1.1+float64(y)*0.7) + rng.Float64()*16 - 8
			p := img.Pix[y*img.Stride+4*x:]
			p[0] = uint8(max(0, min(255, 60+120*float64(x)/float64(w)+v)))
			p[1] = uint8(max(0, min(255, 80+100*float64(y)/float64(h)+v)))
			p[2] = uint8(max(0, min(255, 200-100*float64(x)/float64(w)+v/2)))
			p[3] = 255
		}
	}
	return img
}

// encoded returns img encoded by image/jpeg (4:2:0 in colour).
func encoded(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// grey returns img's luma.
func grey(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
		}
	}
	return g
}

// plane is one plane of samples.
type plane struct {
	pix          []byte
	stride, w, h int
	name         string
}

// planes returns the planes of a decoded image, the chroma ones of the
// size image.YCbCr gives them.
func planes(t *testing.T, img image.Image) []plane {
	t.Helper()
	b := img.Bounds()
	switch img := img.(type) {
	case *image.Gray:
		return []plane{{pix: img.Pix, stride: img.Stride, w: b.Dx(), h: b.Dy(), name: "Y"}}
	case *image.YCbCr:
		cw, ch := b.Dx(), b.Dy()
		switch img.SubsampleRatio {
		case image.YCbCrSubsampleRatio422:
			cw = (cw + 1) / 2
		case image.YCbCrSubsampleRatio420:
			cw, ch = (cw+1)/2, (ch+1)/2
		case image.YCbCrSubsampleRatio440:
			ch = (ch + 1) / 2
		}
		return []plane{
			{pix: img.Y, stride: img.YStride, w: b.Dx(), h: b.Dy(), name: "Y"},
			{pix: img.Cb, stride: img.CStride, w: cw, h: ch, name: "Cb"},
			{pix: img.Cr, stride: img.CStride, w: cw, h: ch, name: "Cr"},
		}
	}
	t.Fatalf("decoded as %T", img)
	return nil
}

// planePSNR is the PSNR of the scaled plane against the full one reduced
// by k, each sample the mean of a k×k block (fewer along the right and
// bottom edges; without edges, those samples are left out).
func planePSNR(full, scaled plane, k int, edges bool) float64 {
	w, h := scaled.w, scaled.h
	if !edges {
		w, h = full.w/k, full.h/k
		if w == 0 || h == 0 {
			return math.Inf(1)
		}
	}
	var sum float64
	for y := range h {
		for x := range w {
			var total, n int
			for fy := y * k; fy < min(y*k+k, full.h); fy++ {
				for fx := x * k; fx < min(x*k+k, full.w); fx++ {
					total += int(full.pix[fy*full.stride+fx])
					n++
				}
			}
			d := float64(total)/float64(n) - float64(scaled.pix[y*scaled.stride+x])
			sum += d * d
		}
	}
	mse := sum / float64(w*h)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// fixture reads a test image of testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// subsampleName is how an image is sampled, for the test names.
func subsampleName(img image.Image) string {
	if ycc, ok := img.(*image.YCbCr); ok {
		return ycc.SubsampleRatio.String()
	}
	return "grey"
}

// Every scaled decode is the full decode, box-averaged by the same factor,
// to within minPSNR on luma, and close on chroma, whatever the size,
// sampling, restart interval and number of scans.
func TestDecodeMatchesReducedFullDecode(t *testing.T) {
	t.Parallel()
	type source struct {
		name        string
		data        []byte
		wantSubsamp string
		// reference, when set, is the same picture coded alike, for
		// image/jpeg to decode when it cannot decode data.
		reference []byte
	}
	var sources []source
	for _, size := range []image.Point{{1, 1}, {7, 9}, {16, 16}, {33, 17}, {100, 75}, {257, 131}} {
		img := texture(size.X, size.Y, uint64(size.X))
		sources = append(sources,
			source{name: fmt.Sprintf("image/jpeg %dx%d", size.X, size.Y), data: encoded(t, img, 90), wantSubsamp: "YCbCrSubsampleRatio420"},
			source{name: fmt.Sprintf("image/jpeg grey %dx%d", size.X, size.Y), data: encoded(t, grey(img), 90), wantSubsamp: "grey"})
	}
	for _, f := range []struct{ file, subsampling, reference string }{
		{"s444-restart.jpg", "YCbCrSubsampleRatio444", ""},
		{"s422-restart.jpg", "YCbCrSubsampleRatio422", ""},
		{"s440-restart.jpg", "YCbCrSubsampleRatio440", ""},
		{"s420-restart.jpg", "YCbCrSubsampleRatio420", ""},
		// image/jpeg fails on restart markers in non-interleaved scans
		// ("missing 0xff00 sequence"); the same coefficients without
		// them stand in.
		{"s420-multiscan.jpg", "YCbCrSubsampleRatio420", "s420-restart.jpg"},
		{"grey-restart.jpg", "grey", ""},
	} {
		src := source{name: f.file, data: fixture(t, f.file), wantSubsamp: f.subsampling}
		if f.reference != "" {
			src.reference = fixture(t, f.reference)
		}
		sources = append(sources, src)
	}
	photos, _ := filepath.Glob(filepath.Join(photoDir, "*.jpg"))
	if len(photos) == 0 {
		t.Logf("no photographs in %s (Debian's lomiri-wallpapers-16.04): testing generated images only", photoDir)
	}
	for _, p := range photos {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Most of them are progressive, which is not for Decode.
		if _, err := DecodeConfig(bytes.NewReader(data)); errors.Is(err, ErrUnsupported) {
			continue
		}
		sources = append(sources, source{name: filepath.Base(p), data: data})
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			t.Parallel()
			reference := src.data
			if src.reference != nil {
				reference = src.reference
			}
			full, err := jpeg.Decode(bytes.NewReader(reference))
			if err != nil {
				t.Fatalf("image/jpeg: %v", err)
			}
			if src.wantSubsamp != "" && subsampleName(full) != src.wantSubsamp {
				t.Fatalf("the source is %s, want %s", subsampleName(full), src.wantSubsamp)
			}
			fb := full.Bounds()
			for _, k := range []int{2, 4, 8} {
				got, err := Decode(bytes.NewReader(src.data), k)
				if err != nil {
					t.Fatalf("reduced by %d: %v", k, err)
				}
				want := image.Rect(0, 0, (fb.Dx()+k-1)/k, (fb.Dy()+k-1)/k)
				if got.Bounds() != want || subsampleName(got) != subsampleName(full) {
					t.Fatalf("reduced by %d: %s %v, want %s %v", k, subsampleName(got), got.Bounds(), subsampleName(full), want)
				}
				fullPlanes, gotPlanes := planes(t, full), planes(t, got)
				for i, fp := range fullPlanes {
					gp := gotPlanes[i]
					least, edges := float64(minPSNR), true
					if i > 0 {
						// Chroma blocks overhang small pictures most,
						// where the encoder's padding weighs in a block's
						// mean: chroma is compared inside only, and its
						// errors cost little.
						least, edges = 30, false
					}
					if psnr := planePSNR(fp, gp, k, edges); psnr < least {
						t.Errorf("reduced by %d: %s PSNR %.1f dB against the reduced full decode, want ≥ %.0f", k, gp.name, psnr, least)
					} else if testing.Verbose() && i == 0 {
						t.Logf("reduced by %d: Y PSNR %.1f dB", k, psnr)
					}
				}
			}
		})
	}
}

// DecodeConfig reads the size and colour model, and says which JPEGs
// Decode leaves to others.
func TestDecodeConfig(t *testing.T) {
	t.Parallel()
	colour := encoded(t, texture(70, 30, 1), 80)
	sof := bytes.Index(colour, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("image/jpeg wrote no SOF0")
	}
	patched := func(offset int, b byte) []byte {
		p := bytes.Clone(colour)
		p[sof+offset] = b
		return p
	}
	tests := []struct {
		name        string
		data        []byte
		want        image.Config
		unsupported bool
	}{
		{name: "colour", data: colour, want: image.Config{ColorModel: color.YCbCrModel, Width: 70, Height: 30}},
		{name: "grey", data: encoded(t, grey(texture(5, 300, 1)), 80), want: image.Config{ColorModel: color.GrayModel, Width: 5, Height: 300}},
		{name: "extended sequential (SOF1)", data: patched(1, 0xc1), want: image.Config{ColorModel: color.YCbCrModel, Width: 70, Height: 30}},
		{name: "progressive", data: fixture(t, "progressive.jpg"), unsupported: true},
		{name: "progressive (SOF2)", data: patched(1, 0xc2), unsupported: true},
		{name: "lossless (SOF3)", data: patched(1, 0xc3), unsupported: true},
		{name: "arithmetic (SOF9)", data: patched(1, 0xc9), unsupported: true},
		{name: "12-bit", data: patched(4, 12), unsupported: true},
		{name: "height in a DNL", data: patched(6, 0), unsupported: true},
		{name: "luma 4×1", data: patched(11, 0x41), unsupported: true},
		{name: "chroma 2×2 of luma 2×2", data: patched(14, 0x22), unsupported: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeConfig(bytes.NewReader(tc.data))
			if tc.unsupported {
				if !errors.Is(err, ErrUnsupported) {
					t.Fatalf("got %v, %v; want ErrUnsupported", got, err)
				}
				if _, err := Decode(bytes.NewReader(tc.data), 2); !errors.Is(err, ErrUnsupported) {
					t.Fatalf("Decode: %v, want ErrUnsupported", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// A JPEG cut short anywhere before its last scan ends, or missing a
// restart marker, is an error, not a picture with holes.
func TestDecodeRefusesTruncatedData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
	}{
		{"image/jpeg 4:2:0", encoded(t, texture(40, 24, 2), 75)},
		{"image/jpeg grey", encoded(t, grey(texture(24, 40, 2)), 75)},
		{"4:4:4 with restarts", fixture(t, "s444-restart.jpg")},
		{"three scans", fixture(t, "s420-multiscan.jpg")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The last two bytes are the end of image, which may be missing.
			for n := range len(tc.data) - 2 {
				if _, err := Decode(bytes.NewReader(tc.data[:n]), 4); err == nil {
					t.Fatalf("decoded the first %d of %d bytes", n, len(tc.data))
				}
			}
			if _, err := Decode(bytes.NewReader(tc.data[:len(tc.data)-2]), 4); err != nil {
				t.Errorf("without its end of image: %v", err)
			}
		})
	}
	t.Run("a restart marker missing", func(t *testing.T) {
		t.Parallel()
		data := fixture(t, "s444-restart.jpg")
		i := bytes.Index(data, []byte{0xff, markerRST0 + 1})
		if i < 0 {
			t.Fatal("no RST1 in the fixture")
		}
		broken := append(bytes.Clone(data[:i]), data[i+2:]...)
		if _, err := Decode(bytes.NewReader(broken), 2); err == nil {
			t.Fatal("decoded a scan missing a restart marker")
		}
	})
}

// Decode reduces by 2, 4 or 8 only.
func TestDecodeRefusesOtherFactors(t *testing.T) {
	t.Parallel()
	data := encoded(t, texture(16, 16, 1), 80)
	for _, k := range []int{0, 1, 3, 16} {
		if _, err := Decode(bytes.NewReader(data), k); err == nil {
			t.Errorf("reduced by %d", k)
		}
	}
}

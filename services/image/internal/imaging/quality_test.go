package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// minPSNR is the least peak signal-to-noise ratio, in dB, that a served
// variant must reach against the reference downscale: the renderer before
// shrinking on read (bilinear over the full image) reaches it, a
// nearest-neighbour resize, which aliases fine detail, does not.
const minPSNR = 33

// texturedPhoto returns a w×h JPEG (quality 95) with what makes resizing
// hard in a photo: smooth gradients, fine detail at many frequencies and
// noise, with an Exif orientation.
func texturedPhoto(t testing.TB, w, h, orientation int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 13))
	// Fine detail along x and along y, and across both.
	alongX, alongY, fineX, coarseY := make([]float64, w), make([]float64, h), make([]float64, w), make([]float64, h)
	for x := range w {
		alongX[x], fineX[x] = math.Sin(float64(x)*0.9), 25*math.Sin(float64(x)*0.35)
	}
	for y := range h {
		alongY[y], coarseY[y] = math.Cos(float64(y)*0.3), 30*math.Sin(float64(y)*1.7)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 40*alongX[x]*alongY[y] + fineX[x] + coarseY[y] + rng.Float64()*12 - 6
			p := img.Pix[y*img.Stride+4*x:]
			p[0] = uint8(max(0, min(255, 60+100*float64(x)/float64(w)+v)))
			p[1] = uint8(max(0, min(255, 90+60*float64(y)/float64(h)+v)))
			p[2] = uint8(max(0, min(255, 120+v)))
			p[3] = 255
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return withExifOrientation(buf.Bytes(), orientation)
}

// withExifOrientation puts an Exif APP1 segment with orientation o after
// a JPEG's start of image.
func withExifOrientation(jpg []byte, o int) []byte {
	le := binary.LittleEndian
	tiff := []byte("II")
	tiff = le.AppendUint16(tiff, 42)
	tiff = le.AppendUint32(tiff, 8)
	tiff = le.AppendUint16(tiff, 1)
	tiff = le.AppendUint16(tiff, orientationTag)
	tiff = le.AppendUint16(tiff, 3) // SHORT
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint16(tiff, uint16(o))
	tiff = le.AppendUint16(tiff, 0)
	tiff = le.AppendUint32(tiff, 0)
	payload := append(append([]byte{}, exifHeader...), tiff...)
	out := []byte{0xff, 0xd8, 0xff, 0xe1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(append(out, payload...), jpg[2:]...)
}

// psnr is the peak signal-to-noise ratio of b against a, in dB, over the
// red, green and blue channels.
func psnr(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("comparing %v with %v", a.Bounds(), b.Bounds())
	}
	var sum float64
	ab, bb := a.Bounds(), b.Bounds()
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				sum += d * d
			}
		}
	}
	mse := sum / float64(3*ab.Dx()*ab.Dy())
	return 10 * math.Log10(255*255/mse)
}

// scaledBy resizes src to size with an x/image/draw interpolator.
func scaledBy(in xdraw.Interpolator, src image.Image, sr image.Rectangle, size image.Point) *image.RGBA {
	dst := image.NewRGBA(image.Rectangle{Max: size})
	in.Scale(dst, dst.Bounds(), src, sr, xdraw.Src, nil)
	return dst
}

// asServed returns img as a variant is served: through the JPEG encoder at
// the variants' quality, and decoded again.
func asServed(t *testing.T, img *image.RGBA) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := encodedJPEG(img, variantQuality).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return decodeAs(t, JPEG, buf.Bytes())
}

// The variants are as sharp as a slow, high-quality resize of the whole
// decoded original (Catmull-Rom over every pixel): what shrinking on read
// saves costs no visible detail, while a careless resize would.
func TestVariantsMatchReferenceDownscale(t *testing.T) {
	// Shrunk by 2 on read, with a partial block along two edges.
	const w, h, orientation = 3401, 2267, 6
	data := texturedPhoto(t, w, h, orientation)
	info, renditions, encoded := render(t, data)
	full, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	turned := orient(toRGBA(full), orientation)
	tb := turned.Bounds()
	side := min(tb.Dx(), tb.Dy())
	centre := image.Rect(0, 0, side, side).Add(image.Pt((tb.Dx()-side)/2, (tb.Dy()-side)/2))
	display := image.Pt(renditions["display"].Width, renditions["display"].Height)
	if display != (image.Point{X: 720, Y: 1080}) || info.Orientation != orientation || shrinkFactor(image.Pt(w, h)) != 2 {
		t.Fatalf("display is %v, orientation %d, shrunk by %d; want 720×1080 turned, shrunk by 2", display, info.Orientation, shrinkFactor(image.Pt(w, h)))
	}
	reference := map[string]image.Image{
		"display": scaledBy(xdraw.CatmullRom, turned, tb, display),
		"thumb":   scaledBy(xdraw.CatmullRom, turned, centre, image.Pt(ThumbSide, ThumbSide)),
	}
	for _, variant := range []string{"display", "thumb"} {
		region := tb
		if variant == "thumb" {
			region = centre
		}
		size := reference[variant].Bounds().Size()
		tests := []struct {
			name  string
			img   image.Image
			sharp bool
		}{
			{"served JPEG", decodeAs(t, JPEG, encoded[variant]), true},
			{"bilinear over the full image", asServed(t, scaledBy(xdraw.BiLinear, turned, region, size)), true},
			{"nearest neighbour", asServed(t, scaledBy(xdraw.NearestNeighbor, turned, region, size)), false},
		}
		for _, tc := range tests {
			t.Run(variant+"/"+tc.name, func(t *testing.T) {
				got := psnr(t, reference[variant], tc.img)
				t.Logf("PSNR %.1f dB", got)
				if sharp := got >= minPSNR; sharp != tc.sharp {
					t.Errorf("PSNR %.1f dB against the reference; want %v it reach %d dB", got, map[bool]string{true: "", false: "not"}[tc.sharp], minPSNR)
				}
			})
		}
	}
}

// The variants of a JPEG decoded reduced in the DCT are as sharp as a
// slow, high-quality resize of the whole decoded original, as those of a
// full decode are.
func TestReducedVariantsMatchReferenceDownscale(t *testing.T) {
	tests := []struct {
		name       string
		w, h       int
		reduction  int
		wantWidth  int
		wantHeight int
	}{
		// Partial blocks along two edges.
		{"reduced by 2", 3401, 2267, 2, 1080, 720},
		// A panorama, not to test more pixels: its thumb, cut from a
		// display less than ThumbSide high, is not compared.
		{"reduced by 4", 7601, 1203, 4, 1080, 171},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := texturedPhoto(t, tc.w, tc.h, 1)
			info, renditions, encoded := render(t, data)
			display := image.Pt(renditions["display"].Width, renditions["display"].Height)
			if got := info.reduction(); got != tc.reduction || display != image.Pt(tc.wantWidth, tc.wantHeight) {
				t.Fatalf("reduced by %d to a display of %v; want by %d to %d×%d", got, display, tc.reduction, tc.wantWidth, tc.wantHeight)
			}
			full, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			fb := full.Bounds()
			side := min(fb.Dx(), fb.Dy())
			centre := image.Rect(0, 0, side, side).Add(image.Pt((fb.Dx()-side)/2, (fb.Dy()-side)/2))
			reference := map[string]image.Image{
				"display": scaledBy(xdraw.CatmullRom, full, fb, display),
				"thumb":   scaledBy(xdraw.CatmullRom, full, centre, image.Pt(ThumbSide, ThumbSide)),
			}
			for _, variant := range []string{"display", "thumb"} {
				if variant == "thumb" && display.Y < ThumbSide {
					continue
				}
				got := psnr(t, reference[variant], decodeAs(t, JPEG, encoded[variant]))
				t.Logf("%s: PSNR %.1f dB", variant, got)
				if got < minPSNR {
					t.Errorf("%s: PSNR %.1f dB against the reference; want it reach %d dB", variant, got, minPSNR)
				}
			}
		})
	}
}

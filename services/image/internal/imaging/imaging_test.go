package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/webp"

	"github.com/fotogal/fotogal/pkg/testimages"
)

var limits = Limits{MaxPixels: 50_000_000, MaxSide: 20000}

func inspect(t *testing.T, data []byte) (Info, error) {
	t.Helper()
	return Inspect(bytes.NewReader(data), int64(len(data)), limits)
}

func TestInspect(t *testing.T) {
	jpegData := testimages.JPEG(64, 32, 6)
	tests := []struct {
		name    string
		data    []byte
		want    Info
		invalid string // part of the reason, when the file is refused
	}{
		{name: "png", data: testimages.PNG(40, 30), want: Info{Format: PNG, Width: 40, Height: 30, Orientation: 1}},
		{name: "jpeg turned a quarter", data: jpegData, want: Info{Format: JPEG, Width: 64, Height: 32, Orientation: 6}},
		{name: "jpeg as stored", data: testimages.JPEG(64, 32, 1), want: Info{Format: JPEG, Width: 64, Height: 32, Orientation: 1}},
		{name: "gif", data: testimages.GIF(10, 20), want: Info{Format: GIF, Width: 10, Height: 20, Orientation: 1}},
		{name: "webp", data: testimages.WebP, want: Info{Format: WebP, Width: 2, Height: 1, Orientation: 1}},
		{name: "webp with exif", data: testimages.WebPWithExif(8), want: Info{Format: WebP, Width: 2, Height: 1, Orientation: 8}},
		{name: "empty", data: nil, invalid: "empty"},
		{name: "text", data: []byte("#!/bin/sh\necho this is not a photo\n"), invalid: "not a PNG, JPEG, GIF or WebP"},
		{name: "png signature only", data: testimages.PNG(4, 4)[:8], invalid: "unreadable png header"},
		{name: "jpeg header cut", data: jpegData[:40], invalid: "unreadable jpg header"},
		{name: "30000×30000", data: testimages.HugePNG(30000, 30000), invalid: "30000×30000 pixels is too large"},
		{name: "side over 20000", data: testimages.HugePNG(20001, 10), invalid: "too large"},
		{name: "over 50 megapixels", data: testimages.HugePNG(8000, 7000), invalid: "too large"},
		{name: "at the limits", data: testimages.HugePNG(20000, 2500), want: Info{Format: PNG, Width: 20000, Height: 2500, Orientation: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inspect(t, tc.data)
			if tc.invalid != "" {
				var ie *InvalidError
				if !errors.As(err, &ie) || !strings.Contains(ie.Reason, tc.invalid) {
					t.Fatalf("Inspect = %+v, %v; want an InvalidError about %q", got, err, tc.invalid)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Inspect = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image whose pixels are numbered 1-6 in reading order.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		src.Pix[4*i] = byte(i + 1)
	}
	read := func(img *image.RGBA) [][]byte {
		var rows [][]byte
		for y := range img.Bounds().Dy() {
			var row []byte
			for x := range img.Bounds().Dx() {
				row = append(row, img.RGBAAt(x, y).R)
			}
			rows = append(rows, row)
		}
		return rows
	}
	tests := []struct {
		orientation int
		want        [][]byte
	}{
		{1, [][]byte{{1, 2, 3}, {4, 5, 6}}},
		{2, [][]byte{{3, 2, 1}, {6, 5, 4}}},
		{3, [][]byte{{6, 5, 4}, {3, 2, 1}}},
		{4, [][]byte{{4, 5, 6}, {1, 2, 3}}},
		{5, [][]byte{{1, 4}, {2, 5}, {3, 6}}},
		{6, [][]byte{{4, 1}, {5, 2}, {6, 3}}}, // a quarter turn clockwise
		{7, [][]byte{{6, 3}, {5, 2}, {4, 1}}},
		{8, [][]byte{{3, 6}, {2, 5}, {1, 4}}}, // a quarter turn anticlockwise
	}
	for _, tc := range tests {
		got := read(orient(src, tc.orientation))
		if !slices.EqualFunc(got, tc.want, bytes.Equal) {
			t.Errorf("orient(%d) = %v, want %v", tc.orientation, got, tc.want)
		}
	}
}

// render runs Inspect and Render and encodes the three renditions.
func render(t *testing.T, data []byte) (Info, map[string]Rendition, map[string][]byte) {
	t.Helper()
	info, err := inspect(t, data)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	res, err := Render(bytes.NewReader(data), int64(len(data)), info)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	renditions := map[string]Rendition{"original": res.Original, "display": res.Display, "thumb": res.Thumb}
	encoded := make(map[string][]byte)
	for name, r := range renditions {
		var buf bytes.Buffer
		if err := r.Encode(&buf); err != nil {
			t.Fatalf("encode %s: %v", name, err)
		}
		encoded[name] = buf.Bytes()
	}
	return info, renditions, encoded
}

func decodeAs(t *testing.T, f Format, data []byte) image.Image {
	t.Helper()
	if got, ok := Sniff(data); !ok || got != f {
		t.Fatalf("encoded as %v, want %v", got, f)
	}
	img, err := decode(f, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return img
}

func near(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	d := func(x, y uint32) bool { return x-y < 0x1800 || y-x < 0x1800 }
	return d(r1, r2) && d(g1, g2) && d(b1, b2)
}

func noMetadataLeft(t *testing.T, name string, data []byte) {
	t.Helper()
	for _, secret := range []string{testimages.GPSMarker, testimages.CommentMarker, "Exif", "xmpmeta"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s still contains %q", name, secret)
		}
	}
}

func TestRenderJPEGTurned(t *testing.T) {
	_, renditions, encoded := render(t, testimages.JPEG(1600, 800, 6))
	wantSizes := map[string]image.Point{"original": {800, 1600}, "display": {540, 1080}, "thumb": {320, 320}}
	for name, data := range encoded {
		noMetadataLeft(t, name, data)
		for _, m := range testimages.JPEGSegments(data) {
			if (m >= 0xe1 && m <= 0xef) || m == 0xfe {
				t.Errorf("%s has a segment 0x%02x", name, m)
			}
		}
		img := decodeAs(t, JPEG, data)
		if got := img.Bounds().Size(); got != wantSizes[name] || got != image.Pt(renditions[name].Width, renditions[name].Height) {
			t.Errorf("%s is %v (says %dx%d), want %v", name, got, renditions[name].Width, renditions[name].Height, wantSizes[name])
		}
		// The left (red) half of the stored pixels is on top once turned.
		b := img.Bounds()
		if top, bottom := img.At(b.Dx()/2, 2), img.At(b.Dx()/2, b.Dy()-3); !near(top, testimages.Red) || !near(bottom, testimages.Blue) {
			t.Errorf("%s: top %v, bottom %v; want red on top, blue below", name, top, bottom)
		}
	}
}

func TestRenderJPEGAsStoredIsStrippedLosslessly(t *testing.T) {
	data := testimages.JPEG(300, 200, 1)
	_, _, encoded := render(t, data)
	original := encoded["original"]
	noMetadataLeft(t, "original", original)
	if got, want := testimages.JPEGSegments(original), []byte{0xdb, 0xc0, 0xc4, 0xda}; !slices.Equal(slices.Compact(slices.Sorted(slices.Values(got))), slices.Compact(slices.Sorted(slices.Values(want)))) {
		t.Errorf("segments % x, want only % x", got, want)
	}
	before, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	after := decodeAs(t, JPEG, original)
	if !bytes.Equal(before.(*image.YCbCr).Y, after.(*image.YCbCr).Y) {
		t.Error("stripping changed the pixels")
	}
	if len(original) >= len(data) {
		t.Errorf("stripped %d bytes to %d", len(data), len(original))
	}
}

func TestRenderPNG(t *testing.T) {
	data := testimages.PNG(2000, 500)
	_, renditions, encoded := render(t, data)
	wantSizes := map[string]image.Point{"original": {2000, 500}, "display": {1080, 270}, "thumb": {320, 320}}
	for name, data := range encoded {
		noMetadataLeft(t, name, data)
		if got := decodeAs(t, PNG, data).Bounds().Size(); got != wantSizes[name] || renditions[name].Format != PNG {
			t.Errorf("%s is %v %v, want %v PNG", name, renditions[name].Format, got, wantSizes[name])
		}
	}
	before, _ := png.Decode(bytes.NewReader(data))
	after := decodeAs(t, PNG, encoded["original"])
	if !bytes.Equal(before.(*image.RGBA).Pix, after.(*image.RGBA).Pix) {
		t.Error("stripping changed the pixels")
	}
}

func TestRenderSmallIsNotUpscaled(t *testing.T) {
	_, renditions, _ := render(t, testimages.PNG(100, 50))
	if d := renditions["display"]; d.Width != 100 || d.Height != 50 {
		t.Errorf("display %dx%d, want 100x50", d.Width, d.Height)
	}
	if th := renditions["thumb"]; th.Width != ThumbSide || th.Height != ThumbSide {
		t.Errorf("thumb %dx%d, want %d square", th.Width, th.Height, ThumbSide)
	}
}

func TestRenderGIF(t *testing.T) {
	data := testimages.GIF(30, 20)
	_, renditions, encoded := render(t, data)
	for name, data := range encoded {
		noMetadataLeft(t, name, data)
	}
	if renditions["original"].Format != GIF || renditions["display"].Format != PNG {
		t.Errorf("original %v, display %v; want GIF and PNG", renditions["original"].Format, renditions["display"].Format)
	}
	g, err := gif.Decode(bytes.NewReader(encoded["original"]))
	if err != nil || g.Bounds().Size() != image.Pt(30, 20) {
		t.Errorf("stripped GIF: %v, %v", g.Bounds(), err)
	}
}

func TestRenderWebP(t *testing.T) {
	tests := []struct {
		name         string
		data         []byte
		wantOriginal Format
		wantSize     image.Point
	}{
		{"plain", testimages.WebP, WebP, image.Pt(2, 1)},
		{"with exif as stored", testimages.WebPWithExif(1), WebP, image.Pt(2, 1)},
		{"with exif turned", testimages.WebPWithExif(6), JPEG, image.Pt(1, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, renditions, encoded := render(t, tc.data)
			for name, data := range encoded {
				noMetadataLeft(t, name, data)
			}
			original := renditions["original"]
			img := decodeAs(t, tc.wantOriginal, encoded["original"])
			if original.Format != tc.wantOriginal || img.Bounds().Size() != tc.wantSize {
				t.Errorf("original %v %v, want %v %v", original.Format, img.Bounds().Size(), tc.wantOriginal, tc.wantSize)
			}
			if !near(img.At(0, 0), color.RGBA{192, 128, 64, 255}) {
				t.Errorf("original's colour %v", img.At(0, 0))
			}
			if tc.wantOriginal == WebP {
				if _, err := webp.DecodeConfig(bytes.NewReader(encoded["original"])); err != nil {
					t.Errorf("stripped WebP: %v", err)
				}
				if bytes.Contains(encoded["original"], []byte("VP8X")) && encoded["original"][20]&0x0c != 0 {
					t.Errorf("VP8X still flags metadata: %08b", encoded["original"][20])
				}
			}
		})
	}
}

func TestRenderRefusesBrokenPixels(t *testing.T) {
	jpegData := testimages.JPEG(400, 300, 1)
	pngData := testimages.PNG(400, 300)
	for name, data := range map[string][]byte{
		"truncated jpeg": jpegData[:len(jpegData)/2],
		"truncated png":  pngData[:len(pngData)-40],
		"huge png":       testimages.HugePNG(4000, 4000),
	} {
		t.Run(name, func(t *testing.T) {
			info, err := inspect(t, data)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			_, err = Render(bytes.NewReader(data), int64(len(data)), info)
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Errorf("Render = %v, want an InvalidError", err)
			}
		})
	}
}

func TestStripRefusesTruncatedInput(t *testing.T) {
	tests := map[Format][]byte{
		JPEG: testimages.JPEG(50, 50, 1)[:300],
		PNG:  testimages.PNG(50, 50)[:60],
		GIF:  testimages.GIF(50, 50)[:40],
		WebP: testimages.WebP[:24],
	}
	for f, data := range tests {
		err := strip(f, io.Discard, bytes.NewReader(data), int64(len(data)))
		var ie *InvalidError
		if !errors.As(err, &ie) {
			t.Errorf("strip(%s) of a truncated file = %v, want an InvalidError", f.Ext(), err)
		}
	}
}

// A JPEG decoded reduced counts its reduced pixels against the budget;
// one decoded in full, all of them.
func TestFootprint(t *testing.T) {
	const w, h = 4000, 3000
	tests := []struct {
		name string
		info Info
		want int64
	}{
		{"baseline jpeg, reduced by 2", Info{Format: JPEG, Width: w, Height: h, Orientation: 1}, 2000*1500 + 1080*810},
		{"baseline jpeg turned", Info{Format: JPEG, Width: w, Height: h, Orientation: 6}, 2 * w * h},
		{"progressive jpeg", Info{Format: JPEG, Width: w, Height: h, Orientation: 1, Progressive: true}, 4 * w * h},
		{"jpeg jpegscale does not decode", Info{Format: JPEG, Width: w, Height: h, Orientation: 1, unscalable: true}, w * h},
		{"small baseline jpeg", Info{Format: JPEG, Width: 2000, Height: 1500, Orientation: 1}, 2000 * 1500},
		{"png", Info{Format: PNG, Width: w, Height: h, Orientation: 1}, w * h},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.info.Footprint(); got != tc.want {
				t.Errorf("Footprint = %d, want %d", got, tc.want)
			}
		})
	}
}

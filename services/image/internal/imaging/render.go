package imaging

import (
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/fotogal/fotogal/services/image/internal/imaging/jpegscale"
)

// The variants' sizes and encodings.
const (
	// ThumbSide is the side of the square thumb variant.
	ThumbSide = 320
	// DisplayMaxSide bounds the longest side of the display variant.
	DisplayMaxSide = 1080
	// variantQuality is the JPEG quality of the variants.
	variantQuality = 85
	// originalQuality is the JPEG quality of an original re-encoded to
	// apply its orientation.
	originalQuality = 90
)

// Rendition is one encoded image, ready to be written.
type Rendition struct {
	Format Format
	// Width and Height are its dimensions, as it is seen.
	Width, Height int
	// Encode writes its bytes to w.
	Encode func(w io.Writer) error
}

// Result holds the three renditions of an upload.
type Result struct {
	// Original is the upload stripped of its metadata: its bytes as they
	// are when it needs no turning, re-encoded with the orientation applied
	// otherwise (a WebP then becomes a JPEG: Go has no WebP encoder).
	Original Rendition
	// Display fits in DisplayMaxSide, never upscaled.
	Display Rendition
	// Thumb is a square centre crop, ThumbSide pixels a side.
	Thumb Rendition
}

// Render decodes the image in r (size bytes), which Inspect described as
// info, and prepares its renditions. It decodes the pixels once and reads
// them once more, shrinking them by a whole factor to about twice the
// display size; the display variant is filtered from that with the
// Catmull-Rom kernel, and the thumb from the display variant. A baseline
// JPEG that needs no turning is decoded already reduced, by 2, 4 or 8 in
// the DCT (jpegscale), and shrunk by what remains of the factor. Render
// and the renditions it returns, until they are encoded, hold at most
// info.Footprint() pixels' worth of memory, which callers bound.
func Render(r io.ReaderAt, size int64, info Info) (Result, error) {
	var (
		src     image.Image // in full, when it was decoded so
		display *image.RGBA
	)
	if d := info.reduction(); d > 1 {
		// Footprint counted the reduced pixels only: no falling back to a
		// full decode.
		reduced, err := jpegscale.Decode(io.NewSectionReader(r, 0, size), d)
		if err != nil {
			return Result{}, invalid("undecodable jpg: %v", err)
		}
		if reduced.Bounds() != image.Rect(0, 0, ceilDiv(info.Width, d), ceilDiv(info.Height, d)) {
			return Result{}, invalid("the jpg's pixels do not match its header")
		}
		display = scaleTo(reduced, float64(info.Width)/float64(d), float64(info.Height)/float64(d), displaySize(info))
	} else {
		var err error
		if src, err = decodeFull(r, size, info); err != nil {
			return Result{}, err
		}
		display = orient(scaleTo(src, float64(info.Width), float64(info.Height), displaySize(info)), info.Orientation)
	}
	variantFormat := JPEG
	if info.Format == PNG || info.Format == GIF {
		variantFormat = PNG
	}

	db := display.Bounds()
	side := min(db.Dx(), db.Dy())
	crop := image.Rect(0, 0, side, side).Add(image.Pt((db.Dx()-side)/2, (db.Dy()-side)/2))
	thumb := resample(display, crop, ThumbSide, ThumbSide)

	res := Result{
		Display: encoded(variantFormat, display, variantQuality),
		Thumb:   encoded(variantFormat, thumb, variantQuality),
	}
	switch {
	case info.Orientation == 1:
		res.Original = Rendition{
			Format: info.Format, Width: info.Width, Height: info.Height,
			Encode: func(w io.Writer) error { return strip(info.Format, w, r, size) },
		}
	default: // Only JPEG and WebP carry an orientation; src is in full.
		res.Original = encodedJPEG(orientedImage(src, info.Orientation), originalQuality)
	}
	return res, nil
}

// decodeFull decodes the image in r (size bytes), which Inspect described
// as info, at its full size.
func decodeFull(r io.ReaderAt, size int64, info Info) (image.Image, error) {
	src, err := decode(info.Format, io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, invalid("undecodable %s: %v", info.Format.Ext(), err)
	}
	if screen := image.Rect(0, 0, info.Width, info.Height); src.Bounds() != screen {
		// A GIF's first frame may cover part of its logical screen only.
		if info.Format != GIF || !src.Bounds().In(screen) {
			return nil, invalid("the %s's pixels do not match its header", info.Format.Ext())
		}
		canvas := image.NewRGBA(screen)
		draw.Draw(canvas, src.Bounds(), src, src.Bounds().Min, draw.Src)
		src = canvas
	}
	return src, nil
}

// reduction returns by how much Render decodes the image reduced in the
// DCT, 1 for not at all: a JPEG that jpegscale decodes and that needs no
// turning (a turned original is re-encoded from the full pixels) is
// reduced by the largest of 8, 4 and 2 that is no more than its shrink
// factor, so that what is decoded is still about twice the display size.
func (info Info) reduction() int {
	if info.Format != JPEG || info.Progressive || info.unscalable || info.Orientation != 1 {
		return 1
	}
	k := shrinkFactor(image.Pt(info.Width, info.Height))
	for _, d := range []int{8, 4, 2} {
		if d <= k {
			return d
		}
	}
	return 1
}

// Footprint is how much memory Render holds at once for the image info
// describes, counted in pixels of 4 bytes (RGBA; a decoded photo takes 1.5
// to 3 bytes a pixel): its pixels, twice as many when they must be turned
// (the turned copy of the original), four times as many for a progressive
// JPEG, whose decoder keeps every coefficient (4 bytes a sample) until its
// last scan. A JPEG decoded reduced counts its reduced pixels, and those
// of the display variant, which are no longer few beside them.
func (info Info) Footprint() int64 {
	n := int64(info.Width) * int64(info.Height)
	switch d := info.reduction(); {
	case info.Progressive:
		return 4 * n
	case info.Orientation != 1:
		return 2 * n
	case d > 1:
		display := displaySize(info)
		return int64(ceilDiv(info.Width, d))*int64(ceilDiv(info.Height, d)) + int64(display.X)*int64(display.Y)
	default:
		return n
	}
}

// displaySize returns the size, before orientation, to scale the source to
// so that the oriented display variant fits in DisplayMaxSide.
func displaySize(info Info) image.Point {
	w, h := info.Width, info.Height
	if longest := max(w, h); longest > DisplayMaxSide {
		w = max(1, (w*DisplayMaxSide+longest/2)/longest)
		h = max(1, (h*DisplayMaxSide+longest/2)/longest)
	}
	return image.Pt(w, h)
}

// scaleTo returns src, which spans width×height pixels' worth of the
// picture (less than its bounds when its last column and row stand for
// part of a block), resampled to size: shrunk by a whole factor first when
// it is much larger (a box filter, cheap), then filtered with the
// Catmull-Rom kernel.
func scaleTo(src image.Image, width, height float64, size image.Point) *image.RGBA {
	if src.Bounds().Size() == size {
		return toRGBA(src)
	}
	k := shrinkFactor(src.Bounds().Size())
	if k == 1 {
		return resampleExtent(src, src.Bounds(), width, height, size.X, size.Y)
	}
	shrunk := shrink(src, k)
	return resampleExtent(shrunk, shrunk.Bounds(), width/float64(k), height/float64(k), size.X, size.Y)
}

// toRGBA returns src as an *image.RGBA at the origin.
func toRGBA(src image.Image) *image.RGBA {
	if rgba, ok := src.(*image.RGBA); ok && rgba.Bounds().Min == (image.Point{}) {
		return rgba
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rectangle{Max: b.Size()})
	draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	return dst
}

// orientedImage returns src turned as EXIF orientation o says, ready for
// the JPEG encoder: a YCbCr image stays YCbCr (a third to three quarters of
// the memory of RGBA, and what the encoder reads fastest), anything else is
// composed over white.
func orientedImage(src image.Image, o int) image.Image {
	if ycc, ok := src.(*image.YCbCr); ok {
		if turned, ok := orientYCbCr(ycc, o); ok {
			return turned
		}
	}
	return onWhite(orient(toRGBA(src), o))
}

// encoded returns the rendition of img in format (PNG or JPEG).
func encoded(format Format, img *image.RGBA, quality int) Rendition {
	if format == JPEG {
		return encodedJPEG(onWhite(img), quality)
	}
	b := img.Bounds()
	return Rendition{
		Format: PNG, Width: b.Dx(), Height: b.Dy(),
		Encode: func(w io.Writer) error {
			return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
		},
	}
}

// encodedJPEG returns the JPEG rendition of img, which is opaque.
func encodedJPEG(img image.Image, quality int) Rendition {
	b := img.Bounds()
	return Rendition{
		Format: JPEG, Width: b.Dx(), Height: b.Dy(),
		Encode: func(w io.Writer) error {
			return jpeg.Encode(w, img, &jpeg.Options{Quality: quality})
		},
	}
}

// onWhite returns img composed over white when it has transparent pixels,
// which JPEG cannot hold.
func onWhite(img *image.RGBA) image.Image {
	if img.Opaque() {
		return img
	}
	dst := image.NewRGBA(img.Bounds())
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Over)
	return dst
}

package imaging

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
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
// info, and prepares its renditions. The decoded pixels are held until the
// renditions are encoded, so callers bound how many Render at once.
func Render(r io.ReaderAt, size int64, info Info) (Result, error) {
	src, err := decode(info.Format, io.NewSectionReader(r, 0, size))
	if err != nil {
		return Result{}, invalid("undecodable %s: %v", info.Format.Ext(), err)
	}
	if screen := image.Rect(0, 0, info.Width, info.Height); src.Bounds() != screen {
		// A GIF's first frame may cover part of its logical screen only.
		if info.Format != GIF || !src.Bounds().In(screen) {
			return Result{}, invalid("the %s's pixels do not match its header", info.Format.Ext())
		}
		canvas := image.NewRGBA(screen)
		draw.Draw(canvas, src.Bounds(), src, src.Bounds().Min, draw.Src)
		src = canvas
	}
	variantFormat := JPEG
	if info.Format == PNG || info.Format == GIF {
		variantFormat = PNG
	}

	display := orient(scaleTo(src, displaySize(info)), info.Orientation)
	db := display.Bounds()
	side := min(db.Dx(), db.Dy())
	crop := image.Rect(0, 0, side, side).Add(image.Pt((db.Dx()-side)/2, (db.Dy()-side)/2))
	thumb := image.NewRGBA(image.Rect(0, 0, ThumbSide, ThumbSide))
	draw.CatmullRom.Scale(thumb, thumb.Bounds(), display, crop, draw.Src, nil)

	res := Result{
		Display: encoded(variantFormat, display, variantQuality),
		Thumb:   encoded(variantFormat, thumb, variantQuality),
	}
	if info.Orientation == 1 {
		res.Original = Rendition{
			Format: info.Format, Width: info.Width, Height: info.Height,
			Encode: func(w io.Writer) error { return strip(info.Format, w, r, size) },
		}
	} else {
		res.Original = encoded(variantFormat, orient(toRGBA(src), info.Orientation), originalQuality)
	}
	return res, nil
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

// scaleTo returns src resampled to size. The bilinear kernel, widened by
// x/image/draw when shrinking, averages every source pixel (no aliasing) at
// half the cost of Catmull-Rom, which matters for the large sources.
func scaleTo(src image.Image, size image.Point) *image.RGBA {
	dst := image.NewRGBA(image.Rectangle{Max: size})
	if src.Bounds().Size() == size {
		draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
		return dst
	}
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

func toRGBA(src image.Image) *image.RGBA {
	if rgba, ok := src.(*image.RGBA); ok && rgba.Bounds().Min == (image.Point{}) {
		return rgba
	}
	return scaleTo(src, src.Bounds().Size())
}

// orient returns src turned and flipped as EXIF orientation o (1-8) says.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		for x := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:dy*dst.Stride+4*dx+4], row[4*x:4*x+4])
		}
	}
	return dst
}

// encoded returns the rendition of img in format (PNG or JPEG).
func encoded(format Format, img *image.RGBA, quality int) Rendition {
	b := img.Bounds()
	return Rendition{
		Format: format, Width: b.Dx(), Height: b.Dy(),
		Encode: func(w io.Writer) error {
			if format == PNG {
				return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
			}
			return jpeg.Encode(w, onWhite(img), &jpeg.Options{Quality: quality})
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

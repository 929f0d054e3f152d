// Package imaging turns an uploaded file into what the image service
// stores: it decides the type from the content, bounds the dimensions
// before decoding, reads the EXIF orientation, strips metadata from the
// original and renders the display and thumb variants.
//
// Supported types are PNG, JPEG, GIF (its first frame for the variants) and
// WebP. Every problem with the content itself is an *InvalidError.
package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"

	"github.com/fotogal/fotogal/services/image/internal/imaging/jpegscale"
)

// InvalidError says why a file is not an acceptable image.
type InvalidError struct {
	// Reason is a sentence fragment for the person who uploaded it.
	Reason string
}

func (e *InvalidError) Error() string { return "invalid image: " + e.Reason }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

// Format is an image file type.
type Format int

// The supported formats.
const (
	PNG Format = iota + 1
	JPEG
	GIF
	WebP
)

// ContentType returns the format's MIME type.
func (f Format) ContentType() string {
	return [...]string{PNG: "image/png", JPEG: "image/jpeg", GIF: "image/gif", WebP: "image/webp"}[f]
}

// Ext returns the format's usual file extension, without the dot.
func (f Format) Ext() string {
	return [...]string{PNG: "png", JPEG: "jpg", GIF: "gif", WebP: "webp"}[f]
}

// sniffLen is how many leading bytes Sniff needs.
const sniffLen = 12

// Sniff returns the format whose signature head starts with.
func Sniff(head []byte) (Format, bool) {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, true
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return JPEG, true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF, true
	case len(head) >= sniffLen && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP, true
	}
	return 0, false
}

// Limits bound the dimensions of an acceptable image.
type Limits struct {
	// MaxPixels bounds width × height.
	MaxPixels int64
	// MaxSide bounds the width and the height.
	MaxSide int
}

// Info is what Inspect learns from a file's header.
type Info struct {
	Format Format
	// Width and Height are the stored dimensions, before orientation.
	Width, Height int
	// Orientation is the EXIF orientation, 1 (as stored) to 8.
	Orientation int
	// Progressive is true for a progressive JPEG, whose decoding takes
	// more memory.
	Progressive bool
	// unscalable is true for a sequential JPEG that jpegscale does not
	// decode (four components, 12-bit samples, arithmetic coding, uncommon
	// sampling): it is decoded in full.
	unscalable bool
}

// Inspect identifies the image in r (size bytes) from its content and
// header only, without decoding its pixels, and checks its dimensions
// against lim.
func Inspect(r io.ReaderAt, size int64, lim Limits) (Info, error) {
	if size == 0 {
		return Info{}, invalid("the file is empty")
	}
	head := make([]byte, sniffLen)
	n, _ := r.ReadAt(head, 0)
	format, ok := Sniff(head[:n])
	if !ok {
		return Info{}, invalid("not a PNG, JPEG, GIF or WebP image")
	}
	cfg, err := decodeConfig(format, io.NewSectionReader(r, 0, size))
	if err != nil {
		return Info{}, invalid("unreadable %s header: %v", format.Ext(), err)
	}
	info := Info{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	if info.Width <= 0 || info.Height <= 0 {
		return Info{}, invalid("the image has no pixels")
	}
	if info.Width > lim.MaxSide || info.Height > lim.MaxSide || int64(info.Width)*int64(info.Height) > lim.MaxPixels {
		return Info{}, invalid("%d×%d pixels is too large: at most %d a side and %d pixels in all",
			info.Width, info.Height, lim.MaxSide, lim.MaxPixels)
	}
	switch format {
	case JPEG:
		info.Orientation, info.Progressive = jpegHeader(io.NewSectionReader(r, 0, size))
		if !info.Progressive {
			_, err := jpegscale.DecodeConfig(io.NewSectionReader(r, 0, size))
			info.unscalable = err != nil
		}
	case WebP:
		info.Orientation = webpOrientation(io.NewSectionReader(r, 0, size))
	}
	return info, nil
}

func decodeConfig(f Format, r io.Reader) (image.Config, error) {
	switch f {
	case PNG:
		return png.DecodeConfig(r)
	case JPEG:
		return jpeg.DecodeConfig(r)
	case GIF:
		return gif.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

func decode(f Format, r io.Reader) (image.Image, error) {
	switch f {
	case PNG:
		return png.Decode(r)
	case JPEG:
		return jpeg.Decode(r)
	case GIF:
		return gif.Decode(r) // The first frame.
	default:
		return webp.Decode(r)
	}
}

// Package testimages builds the image files FotoGal's tests
// upload: every one made here, in code, with the metadata the service must
// strip (an Exif block with an orientation and a GPS position, comments,
// XMP).
package testimages

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// GPSMarker is the text the GPS block of the test files carries; served
// bytes must not contain it.
const GPSMarker = "FOTOGAL-GPS-48.8584N-2.2945E"

// CommentMarker is the text of the comments the test files carry.
const CommentMarker = "FOTOGAL-SECRET-COMMENT"

// Red and Blue are the colours of the halves of Halves.
var (
	Red  = color.RGBA{R: 255, A: 255}
	Blue = color.RGBA{B: 255, A: 255}
)

// Halves returns a w×h image whose left half is Red and right half Blue,
// so that a turn shows where the halves went.
func Halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := Red
			if x >= w/2 {
				c = Blue
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// PNG returns Halves(w, h) as a PNG with a tEXt comment chunk.
func PNG(w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, Halves(w, h)); err != nil {
		panic(err)
	}
	data := buf.Bytes()
	// Insert a tEXt chunk after IHDR (8-byte signature, 25-byte IHDR).
	text := pngChunk("tEXt", []byte("Comment\x00"+CommentMarker))
	return concat(data[:33], text, data[33:])
}

// HugePNG returns a PNG header claiming w×h pixels, followed by no pixels.
func HugePNG(w, h int) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	return concat([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr), pngChunk("IDAT", []byte{0x78, 0x9c}), pngChunk("IEND", nil))
}

func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// JPEG returns Halves(w, h) as a JPEG carrying an Exif APP1 segment with
// orientation (1-8) and a GPS block, an XMP APP1 segment and a comment.
func JPEG(w, h, orientation int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Halves(w, h), &jpeg.Options{Quality: 95}); err != nil {
		panic(err)
	}
	data := buf.Bytes()
	exif := jpegSegment(0xe1, append([]byte("Exif\x00\x00"), TIFF(orientation)...))
	xmp := jpegSegment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+GPSMarker+"</x:xmpmeta>"))
	com := jpegSegment(0xfe, []byte(CommentMarker))
	// After SOI and the encoder's own segments, before the rest.
	return concat(data[:2], exif, xmp, data[2:len(data)-2], com, data[len(data)-2:])
}

func jpegSegment(marker byte, payload []byte) []byte {
	out := []byte{0xff, marker}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(out, payload...)
}

// TIFF returns a big-endian Exif TIFF block whose IFD0 holds orientation
// and a pointer to a GPS IFD with a latitude reference and GPSMarker as its
// area information.
func TIFF(orientation int) []byte {
	const ifd0, gpsIFD = 8, 8 + 2 + 2*12 + 4
	const gpsData = gpsIFD + 2 + 2*12 + 4
	b := []byte("MM\x00\x2a")
	b = binary.BigEndian.AppendUint32(b, ifd0)
	entry := func(tag, typ uint16, count uint32, value []byte) {
		b = binary.BigEndian.AppendUint16(b, tag)
		b = binary.BigEndian.AppendUint16(b, typ)
		b = binary.BigEndian.AppendUint32(b, count)
		b = append(b, value...)
	}
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	b = binary.BigEndian.AppendUint16(b, 2)
	entry(0x0112, 3, 1, []byte{0, byte(orientation), 0, 0}) // Orientation, SHORT
	entry(0x8825, 4, 1, be32(gpsIFD))                       // GPS IFD pointer, LONG
	b = append(b, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, 2)
	entry(0x0001, 2, 2, []byte{'N', 0, 0, 0})                       // GPSLatitudeRef, ASCII
	entry(0x001c, 7, uint32(len(GPSMarker)), be32(uint32(gpsData))) // GPSAreaInformation
	b = append(b, 0, 0, 0, 0)
	return append(b, GPSMarker...)
}

// GIF returns Halves(w, h) as a GIF with a comment extension and an XMP
// application extension.
func GIF(w, h int) []byte {
	src := Halves(w, h)
	pal := image.NewPaletted(src.Bounds(), color.Palette{Red, Blue})
	for y := range h {
		for x := range w {
			pal.Set(x, y, src.At(x, y))
		}
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, pal, nil); err != nil {
		panic(err)
	}
	data := buf.Bytes()
	// Header, screen descriptor and its 2-colour table: 6 + 7 + 6 bytes.
	const head = 19
	comment := concat([]byte{0x21, 0xfe, byte(len(CommentMarker))}, []byte(CommentMarker), []byte{0})
	xmp := concat([]byte{0x21, 0xff, 11}, []byte("XMP DataXMP"), []byte{byte(len(GPSMarker))}, []byte(GPSMarker), []byte{0})
	return concat(data[:head], comment, xmp, data[head:])
}

// WebP is a 2×1 lossless WebP (VP8L) of one colour, rgb(192, 128, 64),
// written bit by bit: both prefix codes of each channel have one symbol.
var WebP = []byte{
	0x52, 0x49, 0x46, 0x46, 0x18, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4c,
	0x0c, 0x00, 0x00, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x00, 0x28, 0x60, 0x81, 0x0b, 0xd4, 0xff, 0x00,
}

// WebPWithExif returns WebP in an extended (VP8X) container with an EXIF
// chunk (orientation and GPS) and an XMP chunk.
func WebPWithExif(orientation int) []byte {
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 | 0x04 // EXIF and XMP present
	vp8x[4] = 2 - 1       // canvas width - 1
	body := concat([]byte("WEBP"),
		riffChunk("VP8X", vp8x),
		WebP[12:], // the VP8L chunk
		riffChunk("EXIF", TIFF(orientation)),
		riffChunk("XMP ", []byte("<x:xmpmeta>"+GPSMarker+"</x:xmpmeta>")))
	return concat([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body)
}

func riffChunk(fourCC string, data []byte) []byte {
	out := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// JPEGSegments returns the markers of the segments of a JPEG before its
// first scan, and of those between later scans, e.g. 0xe0 for APP0.
func JPEGSegments(data []byte) []byte {
	var markers []byte
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			i++ // Entropy-coded data.
			continue
		}
		m := data[i+1]
		switch {
		case m == 0x00 || m == 0xff || (m >= 0xd0 && m <= 0xd7):
			i += 2
			continue
		case m == 0xd9:
			return markers
		}
		markers = append(markers, m)
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	return markers
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

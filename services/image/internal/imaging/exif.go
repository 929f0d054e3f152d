package imaging

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
)

// exifHeader starts the Exif APP1 segment of a JPEG (and, in some writers'
// hands, the EXIF chunk of a WebP).
var exifHeader = []byte("Exif\x00\x00")

// orientationTag is the TIFF tag of the EXIF orientation.
const orientationTag = 0x0112

// jpegHeader reads the segments before the first scan and returns the
// orientation of the first Exif APP1 segment (1 when there is none or it
// cannot be read) and whether the frame is progressive.
func jpegHeader(r io.Reader) (orientation int, progressive bool) {
	orientation = 1
	br := bufio.NewReader(r)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return orientation, false
	}
	seenExif := false
	for {
		marker, err := readMarker(br)
		if err != nil || marker == 0xda || marker == 0xd9 { // SOS, EOI
			return orientation, progressive
		}
		if isStandalone(marker) {
			continue
		}
		var length [2]byte
		if _, err := io.ReadFull(br, length[:]); err != nil {
			return orientation, progressive
		}
		n := int(binary.BigEndian.Uint16(length[:])) - 2
		if n < 0 {
			return orientation, progressive
		}
		switch marker {
		case 0xc2, 0xc6, 0xca, 0xce: // SOF2, SOF6, SOF10, SOF14
			progressive = true
		}
		if marker != 0xe1 || seenExif { // APP1
			if _, err := br.Discard(n); err != nil {
				return orientation, progressive
			}
			continue
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return orientation, progressive
		}
		if bytes.HasPrefix(payload, exifHeader) {
			orientation, seenExif = tiffOrientation(payload[len(exifHeader):]), true
		}
	}
}

// readMarker reads a JPEG marker (0xFF, optional fill bytes, the code) and
// returns its code.
func readMarker(br *bufio.Reader) (byte, error) {
	b, err := br.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xff {
		return 0, invalid("malformed JPEG: expected a marker")
	}
	for b == 0xff {
		if b, err = br.ReadByte(); err != nil {
			return 0, err
		}
	}
	return b, nil
}

// isStandalone reports whether a JPEG marker has no length and payload:
// TEM, RST0-7, SOI, EOI.
func isStandalone(marker byte) bool {
	return marker == 0x01 || (marker >= 0xd0 && marker <= 0xd9)
}

// webpOrientation returns the orientation of a WebP's EXIF chunk, or 1.
func webpOrientation(r *io.SectionReader) int {
	chunks, err := webpChunks(r)
	if err != nil {
		return 1
	}
	for _, c := range chunks {
		if c.fourCC != "EXIF" || c.size > 1<<20 {
			continue
		}
		payload := make([]byte, c.size)
		if _, err := r.ReadAt(payload, c.offset+8); err != nil {
			return 1
		}
		return tiffOrientation(bytes.TrimPrefix(payload, exifHeader))
	}
	return 1
}

// tiffOrientation returns the orientation tag of IFD0 of the TIFF structure
// b (the body of an Exif block), or 1 when it has none or a bad one.
func tiffOrientation(b []byte) int {
	if len(b) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(b[2:]) != 42 {
		return 1
	}
	ifd := int64(order.Uint32(b[4:]))
	if ifd+2 > int64(len(b)) {
		return 1
	}
	entries := int64(order.Uint16(b[ifd:]))
	for i := range entries {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(b)) {
			return 1
		}
		const typeShort = 3
		if order.Uint16(b[e:]) != orientationTag || order.Uint16(b[e+2:]) != typeShort || order.Uint32(b[e+4:]) != 1 {
			continue
		}
		if v := int(order.Uint16(b[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

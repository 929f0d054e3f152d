package imaging

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// strip copies the image in r (size bytes) to w without its metadata,
// losslessly: the pixels' bytes are copied as they are.
func strip(f Format, w io.Writer, r io.ReaderAt, size int64) error {
	switch f {
	case PNG:
		return stripPNG(w, io.NewSectionReader(r, 0, size))
	case JPEG:
		return stripJPEG(w, io.NewSectionReader(r, 0, size))
	case GIF:
		return stripGIF(w, io.NewSectionReader(r, 0, size))
	default:
		return stripWebP(w, io.NewSectionReader(r, 0, size))
	}
}

// truncated turns an unexpected end of input into an *InvalidError.
func truncated(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return invalid("truncated %s", what)
	}
	return err
}

// stripJPEG removes the APP1-APP15 segments (Exif, XMP, ICC, maker notes,
// ...) except APP14 (Adobe, which says how to read the colours), and the
// comments, wherever they are, keeping APP0 (JFIF) and everything else.
func stripJPEG(dst io.Writer, src io.Reader) error {
	r := bufio.NewReaderSize(src, 64<<10)
	w := bufio.NewWriterSize(dst, 64<<10)
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return invalid("malformed JPEG: no start of image")
	}
	w.Write(soi[:])
	inScan := false
	for {
		var marker byte
		var err error
		if inScan {
			marker, err = copyScan(w, r)
			inScan = false
		} else {
			marker, err = readMarker(r)
		}
		if err != nil {
			return truncated("JPEG", err)
		}
		if marker == 0xd9 { // EOI: anything after it is dropped.
			w.Write([]byte{0xff, marker})
			return w.Flush()
		}
		if isStandalone(marker) {
			w.Write([]byte{0xff, marker})
			continue
		}
		var length [2]byte
		if _, err := io.ReadFull(r, length[:]); err != nil {
			return truncated("JPEG", err)
		}
		n := int64(binary.BigEndian.Uint16(length[:])) - 2
		if n < 0 {
			return invalid("malformed JPEG: bad segment length")
		}
		isMetadata := (marker >= 0xe1 && marker <= 0xef && marker != 0xee) || marker == 0xfe
		out := io.Writer(w)
		if isMetadata {
			out = io.Discard
		} else {
			w.Write([]byte{0xff, marker})
			w.Write(length[:])
		}
		if _, err := io.CopyN(out, r, n); err != nil {
			return truncated("JPEG", err)
		}
		inScan = marker == 0xda // SOS: entropy-coded data follows.
	}
}

// copyScan copies entropy-coded data (with its stuffed zero bytes and
// restart markers) and returns the code of the marker that ends it.
func copyScan(w *bufio.Writer, r *bufio.Reader) (byte, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != 0xff {
			w.WriteByte(b)
			continue
		}
		next, err := r.ReadByte()
		for err == nil && next == 0xff {
			next, err = r.ReadByte()
		}
		if err != nil {
			return 0, err
		}
		if next == 0x00 || (next >= 0xd0 && next <= 0xd7) {
			w.Write([]byte{0xff, next})
			continue
		}
		return next, nil
	}
}

// pngKept lists the PNG chunks a stripped PNG keeps: the critical ones and
// those that change how its pixels look or animate. Text, eXIf, tIME and
// unknown chunks go.
var pngKept = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "cHRM": true, "gAMA": true, "iCCP": true, "sBIT": true, "sRGB": true,
	"cICP": true, "mDCV": true, "cLLI": true, "bKGD": true, "hIST": true, "pHYs": true, "sPLT": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

func stripPNG(dst io.Writer, src io.Reader) error {
	r := bufio.NewReaderSize(src, 64<<10)
	w := bufio.NewWriterSize(dst, 64<<10)
	sig := make([]byte, 8)
	if _, err := io.ReadFull(r, sig); err != nil {
		return truncated("PNG", err)
	}
	w.Write(sig)
	for {
		var header [8]byte
		if _, err := io.ReadFull(r, header[:]); err != nil {
			return truncated("PNG", err)
		}
		length := int64(binary.BigEndian.Uint32(header[:4]))
		if length > 1<<31-1 {
			return invalid("malformed PNG: bad chunk length")
		}
		typ := string(header[4:])
		out := io.Writer(io.Discard)
		if pngKept[typ] {
			out = w
			w.Write(header[:])
		}
		if _, err := io.CopyN(out, r, length+4); err != nil { // data and CRC
			return truncated("PNG", err)
		}
		if typ == "IEND" {
			return w.Flush()
		}
	}
}

// stripGIF removes comment extensions and application extensions other than
// the looping ones (NETSCAPE2.0, ANIMEXTS1.0), such as XMP.
func stripGIF(dst io.Writer, src io.Reader) error {
	r := bufio.NewReaderSize(src, 64<<10)
	w := bufio.NewWriterSize(dst, 64<<10)
	header := make([]byte, 13) // signature and logical screen descriptor
	if _, err := io.ReadFull(r, header); err != nil {
		return truncated("GIF", err)
	}
	w.Write(header)
	if err := copyColorTable(w, r, header[10]); err != nil {
		return err
	}
	for {
		b, err := r.ReadByte()
		if err != nil {
			return truncated("GIF", err)
		}
		switch b {
		case 0x3b: // trailer
			w.WriteByte(b)
			return w.Flush()
		case 0x2c: // image descriptor
			desc := make([]byte, 9)
			if _, err := io.ReadFull(r, desc); err != nil {
				return truncated("GIF", err)
			}
			w.WriteByte(b)
			w.Write(desc)
			if err := copyColorTable(w, r, desc[8]); err != nil {
				return err
			}
			minCodeSize, err := r.ReadByte()
			if err != nil {
				return truncated("GIF", err)
			}
			w.WriteByte(minCodeSize)
			if err := copySubBlocks(w, r); err != nil {
				return err
			}
		case 0x21: // extension
			label, err := r.ReadByte()
			if err != nil {
				return truncated("GIF", err)
			}
			if err := copyExtension(w, r, label); err != nil {
				return err
			}
		default:
			return invalid("malformed GIF: unknown block 0x%02x", b)
		}
	}
}

func copyColorTable(w io.Writer, r io.Reader, packed byte) error {
	if packed&0x80 == 0 {
		return nil
	}
	if _, err := io.CopyN(w, r, 3<<(packed&7+1)); err != nil {
		return truncated("GIF", err)
	}
	return nil
}

// copyExtension copies (or drops) an extension whose label was read.
func copyExtension(w *bufio.Writer, r *bufio.Reader, label byte) error {
	const comment, application = 0xfe, 0xff
	if label == comment {
		return copySubBlocks(io.Discard, r)
	}
	var first []byte
	if label == application {
		n, err := r.ReadByte()
		if err != nil {
			return truncated("GIF", err)
		}
		first = make([]byte, n)
		if _, err := io.ReadFull(r, first); err != nil {
			return truncated("GIF", err)
		}
		if !bytes.HasPrefix(first, []byte("NETSCAPE2.0")) && !bytes.HasPrefix(first, []byte("ANIMEXTS1.0")) {
			if n == 0 {
				return nil // The empty block was the terminator.
			}
			return copySubBlocks(io.Discard, r)
		}
		w.Write([]byte{0x21, label, n})
		w.Write(first)
		if n == 0 {
			return nil
		}
		return copySubBlocks(w, r)
	}
	w.Write([]byte{0x21, label})
	return copySubBlocks(w, r)
}

// copySubBlocks copies data sub-blocks up to and including the terminator.
func copySubBlocks(w io.Writer, r *bufio.Reader) error {
	for {
		n, err := r.ReadByte()
		if err != nil {
			return truncated("GIF", err)
		}
		if _, err := w.Write([]byte{n}); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := io.CopyN(w, r, int64(n)); err != nil {
			return truncated("GIF", err)
		}
	}
}

// webpChunk is one chunk of a WebP file: its type, its offset (of its
// header) and its payload size.
type webpChunk struct {
	fourCC string
	offset int64
	size   int64
}

// webpChunks lists the chunks of the RIFF container in r.
func webpChunks(r *io.SectionReader) ([]webpChunk, error) {
	var header [12]byte
	if _, err := r.ReadAt(header[:], 0); err != nil {
		return nil, truncated("WebP", err)
	}
	end := 8 + int64(binary.LittleEndian.Uint32(header[4:8]))
	if end > r.Size() {
		return nil, invalid("truncated WebP")
	}
	var chunks []webpChunk
	for offset := int64(12); offset < end; {
		var ch [8]byte
		if _, err := r.ReadAt(ch[:], offset); err != nil {
			return nil, truncated("WebP", err)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		if offset+8+size > end {
			return nil, invalid("truncated WebP")
		}
		chunks = append(chunks, webpChunk{fourCC: string(ch[:4]), offset: offset, size: size})
		offset += 8 + size + size&1 // Chunks are padded to an even size.
	}
	return chunks, nil
}

// stripWebP removes the EXIF and XMP chunks and clears their flags in the
// VP8X chunk.
func stripWebP(dst io.Writer, r *io.SectionReader) error {
	chunks, err := webpChunks(r)
	if err != nil {
		return err
	}
	var kept []webpChunk
	riffSize := int64(4) // "WEBP"
	for _, c := range chunks {
		if c.fourCC == "EXIF" || c.fourCC == "XMP " {
			continue
		}
		kept = append(kept, c)
		riffSize += 8 + c.size + c.size&1
	}
	w := bufio.NewWriterSize(dst, 64<<10)
	var header [12]byte
	copy(header[:], "RIFF")
	binary.LittleEndian.PutUint32(header[4:], uint32(riffSize))
	copy(header[8:], "WEBP")
	w.Write(header[:])
	for _, c := range kept {
		chunk := io.NewSectionReader(r, c.offset, 8+c.size+c.size&1)
		if c.fourCC == "VP8X" && c.size >= 1 {
			var head [9]byte
			if _, err := io.ReadFull(chunk, head[:]); err != nil {
				return truncated("WebP", err)
			}
			const exifFlag, xmpFlag = 0x08, 0x04
			head[8] &^= exifFlag | xmpFlag
			w.Write(head[:])
		}
		if _, err := io.Copy(w, chunk); err != nil {
			return truncated("WebP", err)
		}
	}
	return w.Flush()
}

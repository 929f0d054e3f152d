// Package jpegscale decodes baseline JPEG images (ITU-T T.81, sequential
// DCT with Huffman coding, 8-bit samples) at a half, a quarter or an
// eighth of their size, scaling in the DCT domain: each 8×8 block becomes
// 4×4, 2×2 or 1×1 samples by an inverse DCT of its lowest frequencies
// only, so that a large photograph costs the entropy decoding of its
// coefficients and little more.
//
// It reads what camera and phone photographs use: one (grey) or three
// (YCbCr) components, sampled 4:4:4, 4:2:2, 4:2:0 or 4:4:0, restart
// intervals, any number of quantisation and Huffman tables. Anything else
// is ErrUnsupported, for the caller to decode by other means.
package jpegscale

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
)

// ErrUnsupported is returned for a JPEG this package does not decode: a
// progressive, lossless, hierarchical or arithmetic-coded one, one of 12-bit
// samples, of 2 or 4 components, or sampled otherwise than 4:4:4, 4:2:2,
// 4:2:0 or 4:4:0.
var ErrUnsupported = errors.New("jpegscale: unsupported JPEG")

// Markers (T.81 table B.1).
const (
	markerSOF0 = 0xc0 // baseline DCT
	markerSOF1 = 0xc1 // extended sequential DCT, Huffman
	markerDHT  = 0xc4
	markerRST0 = 0xd0
	markerRST7 = 0xd7
	markerSOI  = 0xd8
	markerEOI  = 0xd9
	markerSOS  = 0xda
	markerDQT  = 0xdb
	markerDNL  = 0xdc
	markerDRI  = 0xdd
	markerDHP  = 0xde
	markerEXP  = 0xdf
	markerTEM  = 0x01
)

// component is one colour component of the frame and its scaled samples.
type component struct {
	id   byte
	h, v int // sampling factors
	tq   int // quantisation table
	// blocksX and blocksY are how many blocks the frame's MCUs hold of it.
	blocksX, blocksY int
	// pix holds its scaled samples, stride a row, blocksX×blocksY blocks of
	// n×n samples (more than the picture where MCUs overhang it).
	pix    []byte
	stride int
	// decoded is set once a scan has carried it.
	decoded bool
}

// frame is what a start-of-frame segment says.
type frame struct {
	width, height int
	comps         []component
	hmax, vmax    int
	// mcusX and mcusY are the MCUs of an interleaved scan across and down.
	mcusX, mcusY int
	ratio        image.YCbCrSubsampleRatio
}

// DecodeConfig returns the dimensions and colour model of the JPEG in r,
// or ErrUnsupported when Decode would not decode it. It reads up to the
// start of frame only. When it succeeds, Decode returns ErrUnsupported
// for no part of the same data (whatever follows the frame header is
// either decoded or an error).
func DecodeConfig(r io.Reader) (image.Config, error) {
	d := newDecoder(r, 1)
	if err := d.decode(true); err != nil {
		return image.Config{}, err
	}
	model := color.YCbCrModel
	if len(d.frame.comps) == 1 {
		model = color.GrayModel
	}
	return image.Config{ColorModel: model, Width: d.frame.width, Height: d.frame.height}, nil
}

// Decode decodes the JPEG in r reduced by denom, which is 2, 4 or 8: an
// image of ⌈width/denom⌉×⌈height/denom⌉ pixels whose every sample stands
// for the mean of a denom×denom block of the full-size picture. It
// returns an *image.YCbCr for a colour JPEG and an *image.Gray for a grey
// one. It allocates the image when it reads the frame header: callers
// bound the dimensions first (DecodeConfig reads them).
func Decode(r io.Reader, denom int) (image.Image, error) {
	n, ok := map[int]int{2: 4, 4: 2, 8: 1}[denom]
	if !ok {
		return nil, fmt.Errorf("jpegscale: cannot reduce by %d: only by 2, 4 or 8", denom)
	}
	d := newDecoder(r, n)
	if err := d.decode(false); err != nil {
		return nil, err
	}
	f := &d.frame
	rect := image.Rect(0, 0, ceilDiv(f.width*n, 8), ceilDiv(f.height*n, 8))
	if len(f.comps) == 1 {
		return &image.Gray{Pix: f.comps[0].pix, Stride: f.comps[0].stride, Rect: rect}, nil
	}
	return &image.YCbCr{
		Y: f.comps[0].pix, Cb: f.comps[1].pix, Cr: f.comps[2].pix,
		YStride: f.comps[0].stride, CStride: f.comps[1].stride,
		SubsampleRatio: f.ratio, Rect: rect,
	}, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// corrupt returns the error for data that break the format.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("jpegscale: corrupt JPEG: "+format, args...)
}

// decoder holds the state of one decoding.
type decoder struct {
	in  input
	bit bitReader
	// n is the side of a scaled block: 4, 2 or 1 samples.
	n int
	// configOnly stops the decoding at the start of frame.
	configOnly bool

	frame     frame
	haveFrame bool
	quant     [4][64]int32 // in zig-zag order
	haveQuant [4]bool
	dc, ac    [4]*huffTable
	// restartInterval is the number of MCUs between restart markers, 0
	// for none.
	restartInterval int
}

func newDecoder(r io.Reader, n int) *decoder {
	d := &decoder{in: input{r: r, buf: make([]byte, inputSize)}, n: n}
	d.bit.in = &d.in
	return d
}

// decode reads the stream to its end of image (or, with configOnly, to
// its start of frame).
func (d *decoder) decode(configOnly bool) error {
	d.configOnly = configOnly
	var soi [2]byte
	if err := d.in.readFull(soi[:]); err != nil || soi != [2]byte{0xff, markerSOI} {
		return errors.New("jpegscale: not a JPEG: no start of image")
	}
	for {
		marker, err := d.in.nextMarker()
		if err != nil {
			if d.complete() && errors.Is(err, io.ErrUnexpectedEOF) {
				return nil // Only the end of image is missing.
			}
			return fmt.Errorf("jpegscale: reading a marker: %w", err)
		}
		switch {
		case marker == markerEOI:
			if !d.complete() {
				return corrupt("the image ends before every component is decoded")
			}
			return nil
		case marker == markerTEM, marker >= markerRST0 && marker <= markerRST7:
			// Standalone markers outside a scan carry nothing.
		case marker == markerSOF0, marker == markerSOF1:
			if err := d.readFrame(); err != nil {
				return err
			}
			if configOnly {
				return nil
			}
		case marker >= 0xc0 && marker <= 0xcf && marker != markerDHT,
			marker == markerDNL, marker == markerDHP, marker == markerEXP:
			// Other frames (and JPG, DAC: extensions and arithmetic
			// coding), a height defined later, hierarchical coding:
			// DecodeConfig sees them too.
			if d.haveFrame {
				return corrupt("marker 0x%02x in a sequential frame", marker)
			}
			return fmt.Errorf("%w (marker 0x%02x)", ErrUnsupported, marker)
		case marker == markerDHT:
			if err := d.readDHT(); err != nil {
				return err
			}
		case marker == markerDQT:
			if err := d.readDQT(); err != nil {
				return err
			}
		case marker == markerDRI:
			if err := d.readDRI(); err != nil {
				return err
			}
		case marker == markerSOS:
			if !d.haveFrame {
				return corrupt("a scan before the frame header")
			}
			if err := d.readScan(); err != nil {
				return err
			}
		case marker == markerSOI:
			return corrupt("a second start of image")
		default: // APPn, COM and reserved segments.
			if err := d.skipSegment(); err != nil {
				return err
			}
		}
	}
}

// complete reports whether every component of the frame has been decoded.
func (d *decoder) complete() bool {
	if !d.haveFrame {
		return false
	}
	for _, c := range d.frame.comps {
		if !c.decoded {
			return false
		}
	}
	return true
}

// segment reads the length of a marker segment and returns its payload.
func (d *decoder) segment(what string) ([]byte, error) {
	var length [2]byte
	if err := d.in.readFull(length[:]); err != nil {
		return nil, fmt.Errorf("jpegscale: reading the %s: %w", what, err)
	}
	n := int(length[0])<<8 | int(length[1])
	if n < 2 {
		return nil, corrupt("a %s of length %d", what, n)
	}
	payload := make([]byte, n-2)
	if err := d.in.readFull(payload); err != nil {
		return nil, fmt.Errorf("jpegscale: reading the %s: %w", what, err)
	}
	return payload, nil
}

func (d *decoder) skipSegment() error {
	var length [2]byte
	if err := d.in.readFull(length[:]); err != nil {
		return fmt.Errorf("jpegscale: reading a segment's length: %w", err)
	}
	n := int(length[0])<<8 | int(length[1])
	if n < 2 {
		return corrupt("a segment of length %d", n)
	}
	if err := d.in.discard(n - 2); err != nil {
		return fmt.Errorf("jpegscale: skipping a segment: %w", err)
	}
	return nil
}

// readFrame reads a SOF0 or SOF1 segment (T.81 B.2.2) and allocates the
// components' samples.
func (d *decoder) readFrame() error {
	if d.haveFrame {
		return corrupt("a second frame header")
	}
	p, err := d.segment("frame header")
	if err != nil {
		return err
	}
	if len(p) < 6 {
		return corrupt("a frame header of %d bytes", len(p))
	}
	if p[0] != 8 {
		return fmt.Errorf("%w: %d-bit samples", ErrUnsupported, p[0])
	}
	f := &d.frame
	f.height, f.width = int(p[1])<<8|int(p[2]), int(p[3])<<8|int(p[4])
	nf := int(p[5])
	if f.height == 0 {
		return fmt.Errorf("%w: the height is given after the first scan", ErrUnsupported)
	}
	if f.width == 0 {
		return corrupt("a frame of width 0")
	}
	if nf != 1 && nf != 3 {
		return fmt.Errorf("%w: %d components", ErrUnsupported, nf)
	}
	if len(p) != 6+3*nf {
		return corrupt("a frame header of %d bytes for %d components", len(p), nf)
	}
	f.comps = make([]component, nf)
	for i := range f.comps {
		c := &f.comps[i]
		q := p[6+3*i:]
		c.id, c.h, c.v, c.tq = q[0], int(q[1]>>4), int(q[1]&15), int(q[2])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return corrupt("component %d: sampling %d×%d, quantisation table %d", c.id, c.h, c.v, c.tq)
		}
		for _, o := range f.comps[:i] {
			if o.id == c.id {
				return corrupt("two components numbered %d", c.id)
			}
		}
	}
	if err := f.sampling(); err != nil {
		return err
	}
	d.haveFrame = true
	if d.configOnly {
		return nil
	}
	f.mcusX, f.mcusY = ceilDiv(f.width, 8*f.hmax), ceilDiv(f.height, 8*f.vmax)
	for i := range f.comps {
		c := &f.comps[i]
		c.blocksX, c.blocksY = f.mcusX*c.h, f.mcusY*c.v
		c.stride = c.blocksX * d.n
		c.pix = make([]byte, c.stride*c.blocksY*d.n)
	}
	return nil
}

// sampling checks that the frame's sampling is one of those supported and
// sets hmax, vmax and ratio.
func (f *frame) sampling() error {
	if len(f.comps) == 1 {
		// A single component's scan is not interleaved: its factors do
		// not matter (T.81 A.2.2).
		f.comps[0].h, f.comps[0].v = 1, 1
		f.hmax, f.vmax = 1, 1
		return nil
	}
	y, cb, cr := f.comps[0], f.comps[1], f.comps[2]
	f.hmax, f.vmax = max(y.h, cb.h, cr.h), max(y.v, cb.v, cr.v)
	if y.h != f.hmax || y.v != f.vmax || cb.h != cr.h || cb.v != cr.v || f.hmax%cb.h != 0 || f.vmax%cb.v != 0 {
		return fmt.Errorf("%w: sampling %d×%d, %d×%d, %d×%d", ErrUnsupported, y.h, y.v, cb.h, cb.v, cr.h, cr.v)
	}
	ratios := map[[2]int]image.YCbCrSubsampleRatio{
		{1, 1}: image.YCbCrSubsampleRatio444,
		{2, 1}: image.YCbCrSubsampleRatio422,
		{2, 2}: image.YCbCrSubsampleRatio420,
		{1, 2}: image.YCbCrSubsampleRatio440,
	}
	ratio, ok := ratios[[2]int{f.hmax / cb.h, f.vmax / cb.v}]
	if !ok {
		return fmt.Errorf("%w: chroma subsampled %d×%d", ErrUnsupported, f.hmax/cb.h, f.vmax/cb.v)
	}
	f.ratio = ratio
	return nil
}

// readDQT reads a DQT segment (T.81 B.2.4.1): one or more tables.
func (d *decoder) readDQT() error {
	p, err := d.segment("quantisation tables")
	if err != nil {
		return err
	}
	for len(p) > 0 {
		pq, tq := p[0]>>4, int(p[0]&15)
		if pq > 1 || tq > 3 {
			return corrupt("quantisation table %d of precision %d", tq, pq)
		}
		size := 1 + 64*(1+int(pq))
		if len(p) < size {
			return corrupt("a short quantisation table")
		}
		for k := range 64 {
			if pq == 0 {
				d.quant[tq][k] = int32(p[1+k])
			} else {
				d.quant[tq][k] = int32(p[1+2*k])<<8 | int32(p[2+2*k])
			}
		}
		d.haveQuant[tq] = true
		p = p[size:]
	}
	return nil
}

// readDHT reads a DHT segment (T.81 B.2.4.2): one or more tables.
func (d *decoder) readDHT() error {
	p, err := d.segment("Huffman tables")
	if err != nil {
		return err
	}
	for len(p) > 0 {
		if len(p) < 17 {
			return corrupt("a short Huffman table")
		}
		class, th := p[0]>>4, int(p[0]&15)
		if class > 1 || th > 3 {
			return corrupt("Huffman table %d of class %d", th, class)
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(p[1+i])
			total += counts[i]
		}
		if total > 256 || len(p) < 17+total {
			return corrupt("a Huffman table of %d codes", total)
		}
		t, err := newHuffTable(counts, p[17:17+total])
		if err != nil {
			return err
		}
		if class == 0 {
			d.dc[th] = t
		} else {
			d.ac[th] = t
		}
		p = p[17+total:]
	}
	return nil
}

// readDRI reads a DRI segment (T.81 B.2.4.4).
func (d *decoder) readDRI() error {
	p, err := d.segment("restart interval")
	if err != nil {
		return err
	}
	if len(p) != 2 {
		return corrupt("a restart interval of %d bytes", len(p))
	}
	d.restartInterval = int(p[0])<<8 | int(p[1])
	return nil
}

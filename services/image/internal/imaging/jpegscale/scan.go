package jpegscale

import "fmt"

// zigzag[k] is the index, row by row, of the k-th coefficient of a block
// in zig-zag order (T.81 figure A.6).
var zigzag = func() [64]int {
	var z [64]int
	k := 0
	for s := range 15 { // the anti-diagonals row + column = s
		lo, hi := max(0, s-7), min(s, 7)
		for i := range hi - lo + 1 {
			row := hi - i // up the even diagonals
			if s%2 == 1 {
				row = lo + i // down the odd ones
			}
			z[k] = row*8 + s - row
			k++
		}
	}
	return z
}()

// kept returns, for blocks scaled to n×n, the index in the n×n block of
// each zig-zag coefficient that the scaled inverse DCT uses, -1 for those
// it does not.
func kept(n int) [64]int8 {
	var keep [64]int8
	for k, i := range zigzag {
		row, col := i/8, i%8
		keep[k] = -1
		if row < n && col < n {
			keep[k] = int8(row*n + col)
		}
	}
	return keep
}

// scanComponent is a component as one scan codes it.
type scanComponent struct {
	*component
	dc, ac *huffTable
	quant  *[64]int32
	pred   int32
}

// readScan reads a SOS segment (T.81 B.2.3) and decodes the scan that
// follows it.
func (d *decoder) readScan() error {
	p, err := d.segment("scan header")
	if err != nil {
		return err
	}
	if len(p) < 1 {
		return corrupt("an empty scan header")
	}
	ns := int(p[0])
	if ns < 1 || ns > len(d.frame.comps) || len(p) != 4+2*ns {
		return corrupt("a scan header of %d bytes for %d components", len(p), ns)
	}
	// A sequential frame codes all the coefficients of a component in one
	// scan (T.81 B.2.3).
	if ss, se, a := p[1+2*ns], p[2+2*ns], p[3+2*ns]; ss != 0 || se != 63 || a != 0 {
		return corrupt("a sequential scan of coefficients %d to %d, approximation %#x", ss, se, a)
	}
	comps := make([]scanComponent, ns)
	blocks := 0
	for i := range comps {
		id, tables := p[1+2*i], p[2+2*i]
		var c *component
		for j := range d.frame.comps {
			if d.frame.comps[j].id == id {
				c = &d.frame.comps[j]
			}
		}
		if c == nil {
			return corrupt("a scan of component %d, which the frame lacks", id)
		}
		if c.decoded {
			return corrupt("component %d in two scans", id)
		}
		td, ta := tables>>4, tables&15
		if td > 3 || ta > 3 || d.dc[td] == nil || d.ac[ta] == nil {
			return corrupt("component %d coded with undefined Huffman tables %d and %d", id, td, ta)
		}
		if !d.haveQuant[c.tq] {
			return corrupt("component %d quantised with undefined table %d", id, c.tq)
		}
		quant := d.quant[c.tq]
		comps[i] = scanComponent{component: c, dc: d.dc[td], ac: d.ac[ta], quant: &quant}
		c.decoded = true
		blocks += c.h * c.v
	}
	if ns > 1 && blocks > 10 {
		return corrupt("an MCU of %d blocks", blocks)
	}
	return d.decodeScan(comps)
}

// decodeScan decodes the entropy-coded data of a scan of comps, MCU by
// MCU (T.81 F.2), into the components' samples.
func (d *decoder) decodeScan(comps []scanComponent) error {
	f := &d.frame
	mcusX, mcusY := f.mcusX, f.mcusY
	if len(comps) == 1 {
		// A scan of one component codes its blocks one by one, as many as
		// cover its samples (T.81 A.2.2).
		c := comps[0]
		mcusX = ceilDiv(ceilDiv(f.width*c.h, f.hmax), 8)
		mcusY = ceilDiv(ceilDiv(f.height*c.v, f.vmax), 8)
	}
	keep := kept(d.n)
	d.bit.reset()
	toRestart, nextRestart := d.restartInterval, 0
	for my := range mcusY {
		for mx := range mcusX {
			if d.restartInterval > 0 {
				if toRestart == 0 {
					if err := d.restart(nextRestart); err != nil {
						return err
					}
					nextRestart = (nextRestart + 1) % 8
					toRestart = d.restartInterval
					for i := range comps {
						comps[i].pred = 0
					}
				}
				toRestart--
			}
			for i := range comps {
				c := &comps[i]
				if len(comps) == 1 {
					if err := d.block(c, &keep, mx, my); err != nil {
						return err
					}
					continue
				}
				for v := range c.v {
					for h := range c.h {
						if err := d.block(c, &keep, mx*c.h+h, my*c.v+v); err != nil {
							return err
						}
					}
				}
			}
			if d.bit.overrun() {
				return d.overrun()
			}
		}
	}
	d.bit.reset()
	return nil
}

// overrun returns the error for a scan whose data end early.
func (d *decoder) overrun() error {
	if d.in.err != nil && d.in.pos == d.in.end {
		return fmt.Errorf("jpegscale: reading a scan: %w", d.in.failure())
	}
	return corrupt("the scan's data end before its last block")
}

// restart reads the restart marker RSTm that must follow the data of an
// interval (T.81 F.1.2.3) and resets the bit reader.
func (d *decoder) restart(m int) error {
	if d.bit.overrun() {
		return d.overrun()
	}
	d.bit.reset()
	b, err := d.in.readByte()
	for err == nil && b == 0xff {
		if b, err = d.in.readByte(); err == nil && b != 0xff {
			if b != markerRST0+byte(m) {
				return corrupt("marker 0x%02x where restart marker %d was due", b, m)
			}
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("jpegscale: reading restart marker %d: %w", m, err)
	}
	return corrupt("no restart marker %d where it was due", m)
}

// block decodes the next block of c (T.81 F.2.2) and writes its n×n
// scaled samples at block (bx, by).
func (d *decoder) block(c *scanComponent, keep *[64]int8, bx, by int) error {
	br := &d.bit
	s, err := br.decode(c.dc)
	if err != nil {
		return err
	}
	if s > 15 {
		return corrupt("a DC difference of %d bits", s)
	}
	c.pred += br.receive(int(s))
	var coef [16]int32
	coef[0] = c.pred * c.quant[0]
	onlyDC := true
	for k := 1; k < 64; k++ {
		if br.nbits < 32 { // a code and its bits
			br.refill()
		}
		if e := c.ac.fastAC[br.acc>>(64-lookupBits)]; e != 0 {
			br.acc <<= e & 0xff
			br.nbits -= int(e & 0xff)
			if k += int(e >> 8 & 0xff); k > 63 {
				return corrupt("a block of more than 64 coefficients")
			}
			if i := keep[k]; i >= 0 {
				coef[i] = (e >> 16) * c.quant[k]
				onlyDC = false
			}
			continue
		}
		rs, err := br.decode(c.ac)
		if err != nil {
			return err
		}
		r, s := int(rs>>4), int(rs&15)
		if s == 0 {
			if r != 15 {
				break // end of block
			}
			k += 15 // sixteen zeros
			continue
		}
		k += r
		if k > 63 {
			return corrupt("a block of more than 64 coefficients")
		}
		if i := keep[k]; i >= 0 {
			coef[i] = br.receive(s) * c.quant[k]
			onlyDC = false
		} else {
			br.skip(s)
		}
	}
	out := c.pix[by*d.n*c.stride+bx*d.n:]
	switch {
	case d.n == 4 && !onlyDC:
		idct4(&coef, out, c.stride)
	case d.n == 2 && !onlyDC:
		idct2(&coef, out, c.stride)
	default: // A flat block, or one reduced to its mean.
		fill(out, c.stride, d.n, dcSample(coef[0]))
	}
	return nil
}

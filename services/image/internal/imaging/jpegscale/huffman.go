package jpegscale

// lookupBits is how many bits of code a huffTable resolves in one lookup.
const lookupBits = 9

// huffTable is a Huffman table (T.81 annex C) ready for decoding: codes of
// up to lookupBits bits are found by one lookup, longer ones by the
// procedure of T.81 F.2.2.3.
type huffTable struct {
	// lookup holds, for each value of the next lookupBits bits, the length
	// of the code they start with (bits 8 and up) and its value (bits 0 to
	// 7); 0 when the code is longer.
	lookup [1 << lookupBits]uint16
	// maxCode[l] is the largest code of length l, -1 when there is none.
	maxCode [17]int32
	// valPtr[l] plus a code of length l is the index of its value.
	valPtr [17]int32
	values []byte
	// fastAC holds, for each value of the next lookupBits bits that hold
	// both an AC code and the bits of its coefficient, the coefficient
	// (bits 16 and up, signed), the run of zeros before it (bits 8 to 15)
	// and the length of code and bits (bits 0 to 7); 0 for the others.
	fastAC [1 << lookupBits]int32
}

// newHuffTable builds the table whose counts[l-1] codes of length l take
// values in order (T.81 C.1 and C.2).
func newHuffTable(counts [16]int, values []byte) (*huffTable, error) {
	t := &huffTable{values: values}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		t.valPtr[l] = k - code
		t.maxCode[l] = -1
		if n == 0 {
			code <<= 1
			continue
		}
		if code+n > 1<<l {
			return nil, corrupt("a Huffman table with too many codes of %d bits", l)
		}
		if l <= lookupBits {
			for i := range n {
				first := (code + i) << (lookupBits - l)
				entry := uint16(l)<<8 | uint16(values[k+i])
				for j := range int32(1) << (lookupBits - l) {
					t.lookup[first+j] = entry
				}
			}
		}
		code += n
		k += n
		t.maxCode[l] = code - 1
		code <<= 1
	}
	for bits, e := range t.lookup {
		l, rs := int(e>>8), int(e&0xff)
		r, s := rs>>4, rs&15
		if e == 0 || s == 0 || l+s > lookupBits {
			continue
		}
		v := int32(bits>>(lookupBits-l-s)) & (1<<s - 1)
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		t.fastAC[bits] = v<<16 | int32(r)<<8 | int32(l+s)
	}
	return t, nil
}

// bitReader reads the entropy-coded data of a scan (T.81 F.1.2.3): bytes
// with 0xFF00 standing for 0xFF, up to the next marker.
type bitReader struct {
	in *input
	// acc holds nbits bits of data, the next one in its top bit, zeros
	// below them.
	acc   uint64
	nbits int
	// atMarker is set once a marker (or the end of the data) has been
	// reached: acc is then topped up with zeros, padding counts them, and
	// reading any of them is an error (overrun).
	atMarker bool
	padding  int
}

// reset forgets the bits read, at the start of a scan or after a restart
// marker.
func (b *bitReader) reset() {
	b.acc, b.nbits, b.atMarker, b.padding = 0, 0, false, 0
}

// refill tops acc up to at least 57 bits.
func (b *bitReader) refill() {
	in := b.in
	for b.nbits <= 56 {
		if b.atMarker {
			b.nbits += 8
			b.padding += 8
			continue
		}
		if in.end-in.pos < 2 && !in.fill(2) {
			if in.pos == in.end || in.buf[in.pos] == 0xff {
				b.atMarker = true
				continue
			}
		}
		c := in.buf[in.pos]
		if c == 0xff {
			if in.buf[in.pos+1] != 0 {
				b.atMarker = true
				continue
			}
			in.pos++
		}
		in.pos++
		b.acc |= uint64(c) << (56 - b.nbits)
		b.nbits += 8
	}
}

// overrun reports whether more bits were read than the data held.
func (b *bitReader) overrun() bool { return b.nbits < b.padding }

// decode returns the next value coded with t.
func (b *bitReader) decode(t *huffTable) (byte, error) {
	if b.nbits < 16 {
		b.refill()
	}
	if e := t.lookup[b.acc>>(64-lookupBits)]; e != 0 {
		b.acc <<= e >> 8
		b.nbits -= int(e >> 8)
		return byte(e), nil
	}
	for l := lookupBits + 1; l <= 16; l++ {
		code := int32(b.acc >> (64 - l))
		if code <= t.maxCode[l] {
			i := t.valPtr[l] + code
			if i < 0 || int(i) >= len(t.values) {
				break
			}
			b.acc <<= l
			b.nbits -= l
			return t.values[i], nil
		}
	}
	return 0, corrupt("a bad Huffman code")
}

// receive returns the next s bits (s ≤ 16) as a signed value (T.81
// F.2.2.1, RECEIVE and EXTEND).
func (b *bitReader) receive(s int) int32 {
	if s == 0 {
		return 0
	}
	if b.nbits < s {
		b.refill()
	}
	v := int32(b.acc >> (64 - s))
	b.acc <<= s
	b.nbits -= s
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// skip drops the next s bits (s ≤ 16).
func (b *bitReader) skip(s int) {
	if b.nbits < s {
		b.refill()
	}
	b.acc <<= s
	b.nbits -= s
}

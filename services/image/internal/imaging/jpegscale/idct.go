package jpegscale

// The scaled inverse DCTs sample the picture that a block's lowest
// frequencies describe at the centres of n×n larger pixels (T.81 A.3.3
// with x = (8/n)·(x' + ½) − ½): for n = 4,
//
//	f(x) = Σ_{u<4} C(u)/2 · F(u) · cos((2x+1)uπ/8),  C(0) = 1/√2, else 1,
//
// in each direction. The constants are in fixed point, idctBits bits.
const (
	idctBits = 12
	// idctC0 is C(0)/2, and also cos(π/4)/2: 1/(2√2).
	idctC0 = 1448
	// idctC1 and idctC3 are cos(π/8)/2 and cos(3π/8)/2.
	idctC1 = 1892
	idctC3 = 784
	// idctPass1 is how many fraction bits the first pass drops; it keeps
	// idctBits − idctPass1 of them for the second.
	idctPass1 = 9
	// idctFinal is how many fraction bits the second pass drops.
	idctFinal = 2*idctBits - idctPass1
)

// idct4 writes the 4×4 samples of the coefficients c (the 4×4 lowest
// frequencies, dequantised, row by row) at out, rows stride apart.
func idct4(c *[16]int32, out []byte, stride int) {
	var t [16]int32
	for u := range 4 { // down each column of frequencies
		f0, f1, f2, f3 := c[u], c[4+u], c[8+u], c[12+u]
		e0, e1 := (f0+f2)*idctC0, (f0-f2)*idctC0
		o0, o1 := f1*idctC1+f3*idctC3, f1*idctC3-f3*idctC1
		const round = 1 << (idctPass1 - 1)
		t[u] = (e0 + o0 + round) >> idctPass1
		t[4+u] = (e1 + o1 + round) >> idctPass1
		t[8+u] = (e1 - o1 + round) >> idctPass1
		t[12+u] = (e0 - o0 + round) >> idctPass1
	}
	for y := range 4 { // across each row
		f0, f1, f2, f3 := t[4*y], t[4*y+1], t[4*y+2], t[4*y+3]
		e0, e1 := (f0+f2)*idctC0, (f0-f2)*idctC0
		o0, o1 := f1*idctC1+f3*idctC3, f1*idctC3-f3*idctC1
		row := out[y*stride : y*stride+4 : y*stride+4]
		row[0] = sample(e0 + o0)
		row[1] = sample(e1 + o1)
		row[2] = sample(e1 - o1)
		row[3] = sample(e0 - o0)
	}
}

// sample returns the level-shifted, rounded and clamped sample of v, which
// has idctFinal fraction bits.
func sample(v int32) byte {
	v = (v+1<<(idctFinal-1))>>idctFinal + 128
	return clamp(v)
}

// idct2 writes the 2×2 samples of the coefficients c (the 2×2 lowest
// frequencies, dequantised, row by row) at out, rows stride apart. With
// n = 2 every cosine is ±cos(π/4), so each sample is (±F00 ± F01 ± F10 ±
// F11)/8.
func idct2(c *[16]int32, out []byte, stride int) {
	a, b, p, q := c[0]+c[2], c[1]+c[3], c[0]-c[2], c[1]-c[3]
	out[0] = clamp((a+b+4)>>3 + 128)
	out[1] = clamp((a-b+4)>>3 + 128)
	out[stride] = clamp((p+q+4)>>3 + 128)
	out[stride+1] = clamp((p-q+4)>>3 + 128)
}

// dcSample is the sample of a block whose only coefficient is the
// dequantised DC one, dc: its mean.
func dcSample(dc int32) byte { return clamp((dc+4)>>3 + 128) }

// fill sets the n×n samples at out, rows stride apart, to v.
func fill(out []byte, stride, n int, v byte) {
	for y := range n {
		row := out[y*stride : y*stride+n]
		for x := range row {
			row[x] = v
		}
	}
}

func clamp(v int32) byte {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	default:
		return byte(v)
	}
}

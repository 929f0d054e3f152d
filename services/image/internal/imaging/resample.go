package imaging

import (
	"image"
	"math"
)

// catmullRom is the Catmull-Rom cubic (B = 0, C = ½ in Mitchell and
// Netravali's family), sharp without visible ringing; it is zero from 2 on.
func catmullRom(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x < 1:
		return (1.5*x-2.5)*x*x + 1
	case x < 2:
		return ((-0.5*x+2.5)*x-4)*x + 2
	default:
		return 0
	}
}

// taps are the weights of a one-dimensional resampling: destination index
// i takes n source samples from start[i], weighted by w[i*n:(i+1)*n].
type taps struct {
	start []int
	n     int
	w     []float32
}

// makeTaps returns the Catmull-Rom weights that resample the srcLen
// samples from srcMin, which span extent samples' worth of the picture
// (less than srcLen when the last one stands for part of a block), to
// dstLen samples. When shrinking, the kernel is widened by the scale, so
// that every source sample is counted (no aliasing); weights that fall
// outside the source are dropped and the others renormalised.
func makeTaps(dstLen, srcMin, srcLen int, extent float64) taps {
	scale := extent / float64(dstLen)
	support := 2 * max(scale, 1)
	t := taps{start: make([]int, dstLen), n: int(math.Ceil(2*support)) + 1}
	t.w = make([]float32, dstLen*t.n)
	ws := make([]float64, t.n)
	for i := range dstLen {
		centre := (float64(i)+0.5)*scale - 0.5
		first := max(0, int(math.Ceil(centre-support)))
		last := min(srcLen-1, int(math.Floor(centre+support)))
		first = max(first, last-t.n+1)
		var total float64
		for j := first; j <= last; j++ {
			ws[j-first] = catmullRom((float64(j) - centre) / max(scale, 1))
			total += ws[j-first]
		}
		t.start[i] = srcMin + first
		for j := first; j <= last; j++ {
			t.w[i*t.n+j-first] = float32(ws[j-first] / total)
		}
	}
	return t
}

// resample returns the rectangle sr of src filtered to dw×dh pixels with
// the Catmull-Rom kernel, in two passes: each source row is filtered
// across once, into a ring of as many rows as the vertical kernel spans,
// and each destination row is filtered down from that ring. So it holds
// a few rows beside the result, whatever the size of src.
func resample(src image.Image, sr image.Rectangle, dw, dh int) *image.RGBA {
	return resampleExtent(src, sr, float64(sr.Dx()), float64(sr.Dy()), dw, dh)
}

// resampleExtent is resample for a source whose sr spans width×height
// pixels' worth of the picture, as a shrunk image whose last column and
// row stand for partial blocks does.
func resampleExtent(src image.Image, sr image.Rectangle, width, height float64, dw, dh int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	xt := makeTaps(dw, sr.Min.X, sr.Dx(), width)
	yt := makeTaps(dh, sr.Min.Y, sr.Dy(), height)
	ring := make([][]float32, yt.n)
	for i := range ring {
		ring[i] = make([]float32, 4*dw)
	}
	scratch := image.NewRGBA(image.Rect(0, 0, src.Bounds().Dx(), 1))
	next := sr.Min.Y // the next source row to filter across
	acc := make([]float32, 4*dw)
	for y := range dh {
		first := yt.start[y]
		for ; next < first+yt.n && next < sr.Max.Y; next++ {
			filterRow(ring[(next-sr.Min.Y)%yt.n], rgbaRow(src, next, scratch), src.Bounds().Min.X, xt)
		}
		clear(acc)
		for j, w := range yt.w[y*yt.n : (y+1)*yt.n] {
			if w == 0 {
				continue
			}
			row := ring[(first+j-sr.Min.Y)%yt.n]
			for i, v := range row {
				acc[i] += w * v
			}
		}
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		for x := range dw {
			a := clampByte(acc[4*x+3])
			p := out[4*x : 4*x+4 : 4*x+4]
			// Premultiplied: no colour above its alpha.
			p[0], p[1], p[2], p[3] = min(clampByte(acc[4*x]), a), min(clampByte(acc[4*x+1]), a), min(clampByte(acc[4*x+2]), a), a
		}
	}
	return dst
}

// filterRow filters the premultiplied RGBA row pix, whose first pixel is
// column minX, across into out by the weights t.
func filterRow(out []float32, pix []byte, minX int, t taps) {
	for i, start := range t.start {
		var r, g, b, a float32
		p := pix[4*(start-minX):]
		for j, w := range t.w[i*t.n : (i+1)*t.n] {
			if 4*j+3 >= len(p) {
				break
			}
			q := p[4*j : 4*j+4 : 4*j+4]
			r += w * float32(q[0])
			g += w * float32(q[1])
			b += w * float32(q[2])
			a += w * float32(q[3])
		}
		o := out[4*i : 4*i+4 : 4*i+4]
		o[0], o[1], o[2], o[3] = r, g, b, a
	}
}

func clampByte(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	default:
		return uint8(v + 0.5)
	}
}

package imaging

import (
	"image"
	"image/color"
	"image/draw"
	"runtime"
	"sync"
)

// shrinkFactor returns the whole factor to shrink an image of the given
// size by, in one cheap pass, before the display variant is filtered from
// it: the one that leaves about twice the display size (at least 1.5
// times), so that the filter that follows still has detail to work with.
func shrinkFactor(size image.Point) int {
	ratio := float64(max(size.X, size.Y)) / DisplayMaxSide
	return max(1, int(ratio/2+0.5))
}

// shrink returns src reduced by the whole factor k: each of its pixels is
// the mean of a k×k block of src (smaller along the right and bottom
// edges). It reads every pixel of src once.
func shrink(src image.Image, k int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, ceilDiv(b.Dx(), k), ceilDiv(b.Dy(), k)))
	inBands(dst.Rect.Dy(), func(lo, hi int) {
		if ycc, ok := src.(*image.YCbCr); ok {
			shrinkYCbCr(dst, ycc, k, lo, hi)
		} else {
			shrinkRGBA(dst, src, k, lo, hi)
		}
	})
	return dst
}

// inBands runs f over [0, n) split into as many bands as there are CPUs,
// at once, so that one image's work uses the machine while others wait for
// their turn.
func inBands(n int, f func(lo, hi int)) {
	bands := min(runtime.GOMAXPROCS(0), max(1, n/64))
	var wg sync.WaitGroup
	for i := range bands {
		wg.Go(func() { f(i*n/bands, (i+1)*n/bands) })
	}
	wg.Wait()
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// chromaShift returns by how many bits the chroma planes of a subsample
// ratio are shifted horizontally and vertically.
func chromaShift(r image.YCbCrSubsampleRatio) (hs, vs uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	default:
		return 0, 0
	}
}

// shrinkYCbCr averages the luma and chroma samples of each block of src
// and converts the means to RGB: the conversion is affine, so this is the
// mean of the block's colours. It fills the rows [lo, hi) of dst.
func shrinkYCbCr(dst *image.RGBA, src *image.YCbCr, k, lo, hi int) {
	b := src.Rect
	w, h := b.Dx(), b.Dy()
	hs, vs := chromaShift(src.SubsampleRatio)
	dw := dst.Rect.Dx()
	sums := make([]uint32, 3*dw)
	// cx[x] is the chroma column of the luma column x.
	cx := make([]int32, w)
	for x := range w {
		cx[x] = int32((b.Min.X+x)>>hs - b.Min.X>>hs)
	}
	for oy := lo; oy < hi; oy++ {
		clear(sums)
		y0, y1 := oy*k, min(oy*k+k, h)
		for y := y0; y < y1; y++ {
			yRow := src.Y[y*src.YStride : y*src.YStride+w]
			cBase := ((b.Min.Y+y)>>vs - b.Min.Y>>vs) * src.CStride
			cbRow, crRow := src.Cb[cBase:], src.Cr[cBase:]
			for ox := range dw {
				x0, x1 := ox*k, min(ox*k+k, w)
				var sy, scb, scr uint32
				for x := x0; x < x1; x++ {
					c := cx[x]
					sy += uint32(yRow[x])
					scb += uint32(cbRow[c])
					scr += uint32(crRow[c])
				}
				s := sums[3*ox : 3*ox+3 : 3*ox+3]
				s[0] += sy
				s[1] += scb
				s[2] += scr
			}
		}
		row := dst.Pix[oy*dst.Stride:]
		for ox := range dw {
			n := uint32((min(ox*k+k, w) - ox*k) * (y1 - y0))
			s := sums[3*ox : 3*ox+3 : 3*ox+3]
			r, g, bl := color.YCbCrToRGB(uint8((s[0]+n/2)/n), uint8((s[1]+n/2)/n), uint8((s[2]+n/2)/n))
			p := row[4*ox : 4*ox+4 : 4*ox+4]
			p[0], p[1], p[2], p[3] = r, g, bl, 0xff
		}
	}
}

// shrinkRGBA averages the premultiplied RGBA values of each block of src,
// converting src a row at a time. It fills the rows [lo, hi) of dst.
func shrinkRGBA(dst *image.RGBA, src image.Image, k, lo, hi int) {
	b := src.Bounds()
	w := b.Dx()
	dw := dst.Rect.Dx()
	sums := make([]uint32, 4*dw)
	row := image.NewRGBA(image.Rect(0, 0, w, 1))
	for oy := lo; oy < hi; oy++ {
		clear(sums)
		y0, y1 := b.Min.Y+oy*k, min(b.Min.Y+oy*k+k, b.Max.Y)
		for y := y0; y < y1; y++ {
			pix := rgbaRow(src, y, row)
			for ox := range dw {
				x0, x1 := ox*k, min(ox*k+k, w)
				s := sums[4*ox : 4*ox+4 : 4*ox+4]
				for x := x0; x < x1; x++ {
					p := pix[4*x : 4*x+4 : 4*x+4]
					s[0] += uint32(p[0])
					s[1] += uint32(p[1])
					s[2] += uint32(p[2])
					s[3] += uint32(p[3])
				}
			}
		}
		out := dst.Pix[oy*dst.Stride:]
		for ox := range dw {
			n := uint32((min(ox*k+k, w) - ox*k) * (y1 - y0))
			for c := range 4 {
				out[4*ox+c] = uint8((sums[4*ox+c] + n/2) / n)
			}
		}
	}
}

// rgbaRow returns row y of src as premultiplied RGBA bytes, from src's own
// pixels when it is an *image.RGBA and converted into scratch (one row as
// wide as src) otherwise.
func rgbaRow(src image.Image, y int, scratch *image.RGBA) []byte {
	b := src.Bounds()
	if rgba, ok := src.(*image.RGBA); ok {
		i := rgba.PixOffset(b.Min.X, y)
		return rgba.Pix[i : i+4*b.Dx()]
	}
	draw.Draw(scratch, scratch.Rect, src, image.Pt(b.Min.X, y), draw.Src)
	return scratch.Pix
}

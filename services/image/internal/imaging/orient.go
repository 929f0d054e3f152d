package imaging

import (
	"image"
	"sync"
)

// orient returns src turned and flipped as EXIF orientation o (1-8) says.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rectangle{Max: orientedSize(w, h, o)})
	orientPlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y):], src.Stride, w, h, 4, o)
	return dst
}

// orientYCbCr returns src turned and flipped as EXIF orientation o (2-8)
// says, plane by plane, or false when its chroma subsampling has no
// turned counterpart (4:1:1 and 4:1:0 turned a quarter).
func orientYCbCr(src *image.YCbCr, o int) (*image.YCbCr, bool) {
	ratio := src.SubsampleRatio
	if o >= 5 {
		switch ratio {
		case image.YCbCrSubsampleRatio422:
			ratio = image.YCbCrSubsampleRatio440
		case image.YCbCrSubsampleRatio440:
			ratio = image.YCbCrSubsampleRatio422
		case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
			return nil, false
		}
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewYCbCr(image.Rectangle{Max: orientedSize(w, h, o)}, ratio)
	// The chroma planes turn as the luma one does, each as its own image;
	// the three at once.
	cOff := src.COffset(src.Rect.Min.X, src.Rect.Min.Y)
	cw, ch := chromaSize(src)
	var wg sync.WaitGroup
	wg.Go(func() { orientPlane(dst.Cb, dst.CStride, src.Cb[cOff:], src.CStride, cw, ch, 1, o) })
	wg.Go(func() { orientPlane(dst.Cr, dst.CStride, src.Cr[cOff:], src.CStride, cw, ch, 1, o) })
	orientPlane(dst.Y, dst.YStride, src.Y[src.YOffset(src.Rect.Min.X, src.Rect.Min.Y):], src.YStride, w, h, 1, o)
	wg.Wait()
	return dst, true
}

// chromaSize returns the width and height of img's chroma planes.
func chromaSize(img *image.YCbCr) (int, int) {
	hs, vs := chromaShift(img.SubsampleRatio)
	r := img.Rect
	return (r.Max.X+(1<<hs)-1)>>hs - r.Min.X>>hs, (r.Max.Y+(1<<vs)-1)>>vs - r.Min.Y>>vs
}

// orientedSize is the size of a w×h image once oriented as o says.
func orientedSize(w, h, o int) image.Point {
	if o >= 5 {
		return image.Pt(h, w)
	}
	return image.Pt(w, h)
}

// orientPlane copies the w×h plane src (bpp bytes a pixel) into dst turned
// and flipped as EXIF orientation o (1-8) says. It goes through the plane
// in tiles so that the turns, which write down columns, stay in the cache.
func orientPlane(dst []byte, dstStride int, src []byte, srcStride, w, h, bpp, o int) {
	// Pixel (x, y) of src goes to dst[base + x*stepX + y*stepY].
	ds := dstStride
	var base, stepX, stepY int
	switch o {
	case 2:
		base, stepX, stepY = (w-1)*bpp, -bpp, ds
	case 3:
		base, stepX, stepY = (h-1)*ds+(w-1)*bpp, -bpp, -ds
	case 4:
		base, stepX, stepY = (h-1)*ds, bpp, -ds
	case 5:
		base, stepX, stepY = 0, ds, bpp
	case 6:
		base, stepX, stepY = (h-1)*bpp, ds, -bpp
	case 7:
		base, stepX, stepY = (w-1)*ds+(h-1)*bpp, -ds, -bpp
	case 8:
		base, stepX, stepY = (w-1)*ds, -ds, bpp
	default:
		base, stepX, stepY = 0, bpp, ds
	}
	const tile = 64
	for ty := 0; ty < h; ty += tile {
		for tx := 0; tx < w; tx += tile {
			for y := ty; y < min(ty+tile, h); y++ {
				row := src[y*srcStride:]
				d := base + tx*stepX + y*stepY
				if bpp == 1 {
					for x := tx; x < min(tx+tile, w); x++ {
						dst[d] = row[x]
						d += stepX
					}
					continue
				}
				for x := tx; x < min(tx+tile, w); x++ {
					copy(dst[d:d+bpp], row[x*bpp:x*bpp+bpp])
					d += stepX
				}
			}
		}
	}
}

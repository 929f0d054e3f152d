package benchimages

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// photoPackage is the Debian package the photographs come from, and
// photoDir where it installs them.
const (
	photoPackage = "lomiri-wallpapers-16.04"
	photoDir     = "/usr/share/backgrounds"
)

// sources are the package's photographs taken with a camera, each with the
// EXIF orientation the bench gives it: 6 and 8 are a camera held upright,
// whose pixels are stored on their side.
var sources = []struct {
	file        string
	orientation uint16
}{
	{"Dragonfly_by_Bolly.jpg", 1},
	{"seeding_by_Clements_Engelhardt.jpg", 6},
	{"sunset_by_Aitzol_Berasategi.jpg", 1},
	{"Bridge_by_Sander_Klootwijk.jpg", 8},
	{"picosdeeuropa_by_Aitzol_Berasategi.jpg", 1},
}

// The size every bench photo is made to: about 13.5 megapixels, in 2–5 MB.
const (
	targetPixels = 13.5e6
	minBytes     = 2 << 20
	maxBytes     = 5 << 20
)

// photo is one camera-sized JPEG the bench uploads.
type photo struct {
	name          string // the source file's name
	path          string // where its bytes are, for vipsthumbnail
	data          []byte
	width, height int // of the stored pixels, before orientation
	orientation   uint16
}

func (p photo) String() string {
	return fmt.Sprintf("%s: %d×%d (%.1f MP), %.2f MB, EXIF orientation %d",
		p.name, p.width, p.height, float64(p.width*p.height)/1e6, float64(len(p.data))/1e6, p.orientation)
}

// makePhotos scales each source photograph to about targetPixels with vips,
// re-encodes it at the highest JPEG quality that stays within maxBytes, and
// gives it an EXIF segment holding its orientation.
func makePhotos(t *testing.T, dir string) []photo {
	t.Helper()
	var photos []photo
	for _, src := range sources {
		in := filepath.Join(photoDir, src.file)
		if _, err := os.Stat(in); err != nil {
			t.Fatalf("bench photo %s: %v (install Debian's %s: scripts/bench-images.sh does)", in, err, photoPackage)
		}
		w, h := vipsSize(t, in)
		scale := math.Sqrt(targetPixels / float64(w*h))
		out := filepath.Join(dir, strings.TrimSuffix(src.file, ".jpg")+".jpg")
		var data []byte
		for _, q := range []int{96, 94, 92, 90, 88} {
			run(t, "vips", "resize", in, fmt.Sprintf("%s[Q=%d,strip]", out, q), strconv.FormatFloat(scale, 'f', 6, 64))
			var err error
			if data, err = os.ReadFile(out); err != nil {
				t.Fatal(err)
			}
			if len(data) <= maxBytes {
				break
			}
		}
		if len(data) < minBytes || len(data) > maxBytes {
			t.Fatalf("bench photo %s: %d bytes at 13.5 MP, want 2–5 MB", src.file, len(data))
		}
		data = withOrientation(t, data, src.orientation)
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("bench photo %s does not decode: %v", out, err)
		}
		photos = append(photos, photo{name: src.file, path: out, data: data,
			width: cfg.Width, height: cfg.Height, orientation: src.orientation})
	}
	return photos
}

// vipsSize is the width and height of an image file.
func vipsSize(t *testing.T, path string) (int, int) {
	t.Helper()
	field := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(run(t, "vipsheader", "-f", name, path)))
		if err != nil {
			t.Fatalf("vipsheader -f %s %s: %v", name, path, err)
		}
		return n
	}
	return field("width"), field("height")
}

// withOrientation puts an EXIF APP1 segment holding only the Orientation
// tag right after a JPEG's start-of-image marker.
func withOrientation(t *testing.T, jpg []byte, orientation uint16) []byte {
	t.Helper()
	if len(jpg) < 2 || jpg[0] != 0xff || jpg[1] != 0xd8 {
		t.Fatal("withOrientation: not a JPEG")
	}
	le := binary.LittleEndian
	var tiff []byte
	tiff = append(tiff, 'I', 'I')
	tiff = le.AppendUint16(tiff, 42)
	tiff = le.AppendUint32(tiff, 8) // the first IFD follows the header
	tiff = le.AppendUint16(tiff, 1) // one entry
	tiff = le.AppendUint16(tiff, 0x0112)
	tiff = le.AppendUint16(tiff, 3) // SHORT
	tiff = le.AppendUint32(tiff, 1) // one value
	tiff = le.AppendUint16(tiff, orientation)
	tiff = le.AppendUint16(tiff, 0) // padding of the value field
	tiff = le.AppendUint32(tiff, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)

	out := []byte{0xff, 0xd8, 0xff, 0xe1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// run runs a command and returns its standard output, failing the test
// with its output when it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

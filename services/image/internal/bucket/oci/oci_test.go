package oci_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/bucket/buckettest"
	"github.com/fotogal/fotogal/services/image/internal/bucket/oci"
)

// signer signs the tests' requests; stranger is a key the fakes do not
// know. Both are made once: an RSA key takes a while under -race.
var signer, stranger ocifake.Key

// TestMain makes the keys, and fails the package when a test leaves a
// goroutine behind: a reader's response, a retry loop, a connection.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oci-bucket-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, k := range []struct {
		key  *ocifake.Key
		name string
	}{{&signer, "signer"}, {&stranger, "stranger"}} {
		keyDir := filepath.Join(dir, k.name)
		if err == nil {
			err = os.Mkdir(keyDir, 0o700)
		}
		if err == nil {
			*k.key, err = ocifake.GenerateKey(keyDir, "us-ashburn-1")
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

const (
	bucketName = "fotogal_bucket_images"
	// partSize is Object Storage's smallest part, so that multipart tests
	// move as little as they can.
	partSize = 10 << 20
)

// fixture is a fake Object Storage that checks signatures with signer.
type fixture struct {
	fake *ocifake.ObjectStorage
	url  string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	fake, url := ocifake.StartObjectStorage(t, ocifake.ObjectStorageOptions{
		Buckets:  []string{bucketName},
		Verifier: &ocifake.Verifier{Keys: []ocifake.Key{signer}},
	})
	return fixture{fake: fake, url: url}
}

// config is the settings of the tests: quick retries, short timeouts.
func (f fixture) config() oci.Config {
	return oci.Config{
		Bucket:         bucketName,
		Endpoint:       f.url,
		PartSize:       partSize,
		RequestTimeout: 5 * time.Second,
		Attempts:       4,
		MaxBackoff:     20 * time.Millisecond,
	}
}

func provider(t *testing.T, key ocifake.Key) common.ConfigurationProvider {
	t.Helper()
	p, err := common.ConfigurationProviderFromFile(key.ConfigFile, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// open opens the bucket with cfg, signed with signer, and closes it when
// the test ends.
func (f fixture) open(t *testing.T, cfg oci.Config) *oci.Bucket {
	t.Helper()
	b, err := oci.Open(context.Background(), cfg, provider(t, signer))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// randomBytes returns n bytes that no pattern repeats in, the same for the
// same seed.
func randomBytes(n int, seed uint64) []byte {
	data := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(data)
	return data
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func readAll(t *testing.T, b bucket.Bucket, name string) []byte {
	t.Helper()
	r, _, err := b.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return data
}

func TestContract(t *testing.T) {
	t.Parallel()
	buckettest.Run(t, func(t *testing.T) bucket.Bucket {
		f := newFixture(t)
		return f.open(t, f.config())
	})
}

func TestPersistentOutageIsUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StoragePut, HTTPStatus: 503})

	_, err := b.Put(context.Background(), "img/a/thumb.jpg", bytes.NewReader([]byte("jpeg")))
	if got := status.Code(err); got != codes.Unavailable {
		t.Fatalf("Put during an outage: %v (code %v), want Unavailable", err, got)
	}
	var ociErr *oci.Error
	if !errors.As(err, &ociErr) || ociErr.Attempts != 4 {
		t.Errorf("Put error %v: want an *oci.Error after 4 attempts", err)
	}
	if got := f.fake.OpCount(ocifake.StoragePut); got != 4 {
		t.Errorf("the service got %d PutObjects, want 4 (FOTOGAL_OCI_ATTEMPTS)", got)
	}
	if objs := f.fake.Objects(bucketName); len(objs) != 0 {
		t.Errorf("the bucket holds %v after a failed Put", objs)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StoragePut, HTTPStatus: 400})

	_, err := b.Put(context.Background(), "img/a/thumb.jpg", bytes.NewReader([]byte("jpeg")))
	if err == nil || status.Code(err) == codes.Unavailable {
		t.Fatalf("Put refused with 400: %v, want an error that is not Unavailable", err)
	}
	if got := f.fake.OpCount(ocifake.StoragePut); got != 1 {
		t.Errorf("the service got %d PutObjects, want 1", got)
	}
}

func TestThrottlingBurstIsAbsorbed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StoragePut, HTTPStatus: 429, Times: 3})

	data := randomBytes(200_000, 1)
	info, err := b.Put(context.Background(), "img/a/display.jpg", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put through 3 throttled attempts: %v", err)
	}
	if info.Size != int64(len(data)) || info.SHA256 != sha256Hex(data) {
		t.Errorf("Put returned %+v", info)
	}
	if got := f.fake.OpCount(ocifake.StoragePut); got != 4 {
		t.Errorf("the service got %d PutObjects, want 4", got)
	}
	if got := readAll(t, b, "img/a/display.jpg"); !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes that differ from the %d put", len(got), len(data))
	}
	objs := f.fake.Objects(bucketName)
	if len(objs) != 1 || objs[0].ContentType != "image/jpeg" {
		t.Errorf("the bucket holds %+v, want one image/jpeg object", objs)
	}
}

func TestLargeObjectsGoMultipart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int
		wantParts int // 0: one PutObject
	}{
		{"exactly one part", partSize, 0},
		{"one byte more", partSize + 1, 2},
		{"two parts and a bit", 2*partSize + 12345, 3},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			b := f.open(t, f.config())
			data := randomBytes(tc.size, uint64(i))
			info, err := b.Put(context.Background(), "img/big/original.jpg", bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if info.Size != int64(tc.size) || info.SHA256 != sha256Hex(data) {
				t.Errorf("Put returned size %d, SHA-256 %s; want %d, %s", info.Size, info.SHA256, tc.size, sha256Hex(data))
			}
			puts, parts, commits := f.fake.OpCount(ocifake.StoragePut), f.fake.OpCount(ocifake.StorageUploadPart), f.fake.OpCount(ocifake.StorageCommitMultipart)
			if tc.wantParts == 0 && (puts != 1 || parts != 0) {
				t.Errorf("%d PutObjects and %d parts, want one PutObject", puts, parts)
			}
			if tc.wantParts > 0 && (puts != 0 || parts != tc.wantParts || commits != 1) {
				t.Errorf("%d PutObjects, %d parts, %d commits; want %d parts and one commit", puts, parts, commits, tc.wantParts)
			}
			if got := readAll(t, b, "img/big/original.jpg"); !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes that differ from the %d put", len(got), len(data))
			}
		})
	}
}

func TestFailedPartIsSentAgainWhole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	// The first part's first attempt is refused; its second is cut after
	// 1 MiB of the body, which the third must send again from its start.
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StorageUploadPart, HTTPStatus: 503, Times: 1})
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StorageUploadPart, CutAfter: 1 << 20, Times: 1})

	data := randomBytes(partSize+300_000, 7)
	info, err := b.Put(context.Background(), "img/p/original.jpg", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.SHA256 != sha256Hex(data) {
		t.Errorf("Put returned SHA-256 %s, want %s", info.SHA256, sha256Hex(data))
	}
	if got := f.fake.OpCount(ocifake.StorageUploadPart); got != 4 {
		t.Errorf("the service got %d UploadParts, want 4 (2 parts, 2 retries)", got)
	}
	if got := readAll(t, b, "img/p/original.jpg"); !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes that differ from the %d put", len(got), len(data))
	}
	objs := f.fake.Objects(bucketName)
	if len(objs) != 1 || !strings.HasSuffix(objs[0].MD5, "-2") {
		t.Errorf("the bucket holds %+v, want one object of 2 parts", objs)
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("encoder failed")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestFailedMultipartUploadIsAborted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault ocifake.StorageFault
		body  func() io.Reader
	}{
		{"reader fails after a part", ocifake.StorageFault{}, func() io.Reader { return &failingReader{n: partSize + 1000} }},
		{"commit keeps failing", ocifake.StorageFault{Op: ocifake.StorageCommitMultipart, HTTPStatus: 500},
			func() io.Reader { return bytes.NewReader(randomBytes(partSize+1000, 3)) }},
		{"part refused", ocifake.StorageFault{Op: ocifake.StorageUploadPart, HTTPStatus: 409},
			func() io.Reader { return bytes.NewReader(randomBytes(partSize+1000, 4)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			b := f.open(t, f.config())
			if tc.fault.Op != "" {
				f.fake.InjectFault(tc.fault)
			}
			if _, err := b.Put(context.Background(), "img/x/original.jpg", tc.body()); err == nil {
				t.Fatal("Put succeeded")
			}
			if got := f.fake.OpCount(ocifake.StorageAbortMultipart); got != 1 {
				t.Errorf("%d AbortMultipartUploads, want 1", got)
			}
			if objs := f.fake.Objects(bucketName); len(objs) != 0 {
				t.Errorf("the bucket holds %v after a failed Put", objs)
			}
			if _, _, err := b.Open(context.Background(), "img/x/original.jpg"); !errors.Is(err, bucket.ErrNotFound) {
				t.Errorf("Open after a failed Put = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestCutDownloadIsAnError(t *testing.T) {
	// Not parallel: it checks that no goroutine outlives the reader.
	f := newFixture(t)
	ignore := goleak.IgnoreCurrent() // The fake's own.
	b := f.open(t, f.config())
	data := randomBytes(1<<20, 5)
	if _, err := b.Put(context.Background(), "img/c/original.jpg", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StorageGet, CutAfter: 300_000})

	r, _, err := b.Open(context.Background(), "img/c/original.jpg")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err == nil {
		t.Fatalf("read %d of %d bytes and no error", len(got), len(data))
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) || status.Code(err) != codes.Unavailable {
		t.Errorf("read error %v: want an Unavailable io.ErrUnexpectedEOF", err)
	}
	if len(got) > 300_000 || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("read %d bytes before the cut at 300000, or wrong ones", len(got))
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	b.Close()
	goleak.VerifyNone(t, ignore)
}

func TestStalledDownloadIsCut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config()
	cfg.RequestTimeout = time.Second
	b := f.open(t, cfg)
	data := randomBytes(20<<10, 6)
	if _, err := b.Put(context.Background(), "img/s/display.jpg", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}

	// Five chunks of 4 KiB, 400ms apart: longer than RequestTimeout in
	// all, but never that long without a byte. It must not be cut.
	clear := f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StorageGet, SlowBody: 400 * time.Millisecond})
	start := time.Now()
	if got := readAll(t, b, "img/s/display.jpg"); !bytes.Equal(got, data) {
		t.Errorf("slow read got %d bytes that differ from the %d put", len(got), len(data))
	}
	if elapsed := time.Since(start); elapsed < cfg.RequestTimeout {
		t.Errorf("the slow read took %v, want more than RequestTimeout %v", elapsed, cfg.RequestTimeout)
	}
	clear()

	// Stuck after the first chunk: cut after RequestTimeout.
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StorageGet, SlowBody: time.Minute})
	r, _, err := b.Open(context.Background(), "img/s/display.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start = time.Now()
	_, err = io.ReadAll(r)
	if err == nil || !strings.Contains(err.Error(), "FOTOGAL_OCI_REQUEST_TIMEOUT") || status.Code(err) != codes.Unavailable {
		t.Errorf("stalled read error %v: want Unavailable, naming FOTOGAL_OCI_REQUEST_TIMEOUT", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("a stalled read took %v to fail", elapsed)
	}
}

func TestSlowAnswerIsTriedAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config()
	cfg.RequestTimeout = time.Second
	b := f.open(t, cfg)
	if _, err := b.Put(context.Background(), "img/d/thumb.jpg", bytes.NewReader([]byte("jpeg"))); err != nil {
		t.Fatal(err)
	}
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StorageHead, Delay: time.Minute, Times: 1})

	if _, _, err := b.Open(context.Background(), "img/d/thumb.jpg"); err != nil {
		t.Fatalf("Open after one stuck HeadObject: %v", err)
	}
	if got := f.fake.OpCount(ocifake.StorageHead); got != 2 {
		t.Errorf("%d HeadObjects, want 2", got)
	}
}

func TestCancelStopsRetries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config()
	cfg.Attempts, cfg.MaxBackoff = 10, 10*time.Second
	b := f.open(t, cfg)
	f.fake.InjectFault(ocifake.StorageFault{Op: ocifake.StoragePut, HTTPStatus: 503})

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.Put(ctx, "img/e/thumb.jpg", bytes.NewReader([]byte("jpeg")))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Put = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Put took %v after its context ended", elapsed)
	}
}

func TestReadsAfterSeek(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	data := randomBytes(300_000, 8)
	if _, err := b.Put(context.Background(), "img/r/original.jpg", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	r, info, err := b.Open(context.Background(), "img/r/original.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if info.Size != int64(len(data)) {
		t.Fatalf("Open size %d, want %d", info.Size, len(data))
	}
	if got := f.fake.OpCount(ocifake.StorageGet); got != 0 {
		t.Errorf("Open sent %d GetObjects, want none before a read", got)
	}

	steps := []struct {
		name           string
		offset         int64
		whence, length int
		wantPos        int64
		wantGets       int // GetObjects sent so far
	}{
		{"from the start", 0, io.SeekStart, 1000, 0, 1},
		{"on, same response", 0, io.SeekCurrent, 5000, 1000, 1},
		{"seek in place keeps it", 6000, io.SeekStart, 100, 6000, 1},
		{"forward", 200_000, io.SeekStart, 4096, 200_000, 2},
		{"back", -150_000, io.SeekCurrent, 10, 54_096, 3},
		{"from the end", -7, io.SeekEnd, 7, 299_993, 4},
	}
	for _, s := range steps {
		pos, err := r.Seek(s.offset, s.whence)
		if err != nil || pos != s.wantPos {
			t.Fatalf("%s: Seek = %d, %v; want %d", s.name, pos, err, s.wantPos)
		}
		got := make([]byte, s.length)
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("%s: read: %v", s.name, err)
		}
		if want := data[pos : pos+int64(s.length)]; !bytes.Equal(got, want) {
			t.Errorf("%s: read bytes that differ from the object's at %d", s.name, pos)
		}
		if gets := f.fake.OpCount(ocifake.StorageGet); gets != s.wantGets {
			t.Errorf("%s: %d GetObjects so far, want %d", s.name, gets, s.wantGets)
		}
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("read at the end = %d, %v; want io.EOF", n, err)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek to -1 succeeded")
	}
}

func TestReaderKeepsToOneVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	first, second := randomBytes(100_000, 9), randomBytes(100_000, 10)
	if _, err := b.Put(context.Background(), "obj", bytes.NewReader(first)); err != nil {
		t.Fatal(err)
	}
	r, _, err := b.Open(context.Background(), "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 10)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(context.Background(), "obj", bytes.NewReader(second)); err != nil {
		t.Fatal(err)
	}
	// A seek drops the response; the next must be of the first version.
	if _, err := r.Seek(50_000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadFull(r, head)
	if err == nil {
		t.Fatalf("read on after the object was replaced (bytes of the new version: %v), want an error", bytes.Equal(head, second[50_000:50_010]))
	}
	if !strings.Contains(err.Error(), "replaced") {
		t.Errorf("read error %v, want one saying the object was replaced", err)
	}
}

func TestDeleteMissingAndList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	if err := b.Delete(context.Background(), "img/none/thumb.jpg"); err != nil {
		t.Errorf("Delete(missing) = %v", err)
	}
	before := time.Now().Add(-time.Minute)
	oci.SetListPage(b, 10)
	const n = 25
	for i := range n {
		if _, err := b.Put(context.Background(), fmt.Sprintf("img/%02d/thumb.jpg", i), bytes.NewReader([]byte("x"))); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	if err := b.List(context.Background(), func(info bucket.ObjectInfo) error {
		if seen[info.Name] {
			t.Errorf("List gave %s twice", info.Name)
		}
		seen[info.Name] = true
		if info.Size != 1 || info.ModTime.Before(before) {
			t.Errorf("List gave %+v", info)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Errorf("List gave %d objects, want %d", len(seen), n)
	}
	if got := f.fake.OpCount(ocifake.StorageList); got != 3 {
		t.Errorf("%d ListObjects for %d objects, want 3 pages of 10", got, n)
	}
}

func TestOpenRefusesAWrongKey(t *testing.T) {
	t.Parallel()
	for _, namespace := range []string{"", "fotogalns"} {
		t.Run("namespace "+namespace, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			cfg := f.config()
			cfg.Namespace = namespace
			_, err := oci.Open(context.Background(), cfg, provider(t, stranger))
			if err == nil {
				t.Fatal("Open with a key the service does not know succeeded")
			}
			for _, want := range []string{"401", "FOTOGAL_OCI_AUTH", "FOTOGAL_OCI_CONFIG_FILE", "FOTOGAL_OCI_PROFILE"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Open error %q does not name %s", err, want)
				}
			}
		})
	}
}

func TestOpenNamesAMissingBucket(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config()
	cfg.Bucket = "fotogal_bucket_nope"
	_, err := oci.Open(context.Background(), cfg, provider(t, signer))
	if err == nil {
		t.Fatal("Open of a missing bucket succeeded")
	}
	for _, want := range []string{"FOTOGAL_OCI_BUCKET", `"fotogal_bucket_nope"`, `namespace "fotogalns"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q does not name %s", err, want)
		}
	}
	if got := f.fake.OpCount(ocifake.StorageHeadBucket); got != 1 {
		t.Errorf("%d HeadBuckets, want 1: a missing bucket is not retried", got)
	}
}

func TestOpenLooksUpTheNamespaceOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, f.config())
	for i := range 3 {
		if _, err := b.Put(context.Background(), "img/n/thumb.jpg", bytes.NewReader([]byte{byte(i)})); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.fake.OpCount(ocifake.StorageNamespace); got != 1 {
		t.Errorf("%d GetNamespaces, want 1", got)
	}

	cfg := f.config()
	cfg.Namespace = "fotogalns"
	f.open(t, cfg)
	if got := f.fake.OpCount(ocifake.StorageNamespace); got != 1 {
		t.Errorf("%d GetNamespaces with FOTOGAL_OCI_NAMESPACE set, want still 1", got)
	}
}

func TestOpenChecksTheConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config()
	cfg.PartSize = 1 << 20 // Below Object Storage's smallest part.
	if _, err := oci.Open(context.Background(), cfg, provider(t, signer)); err == nil || !strings.Contains(err.Error(), "FOTOGAL_OCI_PART_SIZE") {
		t.Errorf("Open with 1MiB parts: %v, want an error naming FOTOGAL_OCI_PART_SIZE", err)
	}
	if got := f.fake.OpCount(ocifake.StorageHeadBucket) + f.fake.OpCount(ocifake.StorageNamespace); got != 0 {
		t.Errorf("Open with a bad config sent %d requests", got)
	}
}

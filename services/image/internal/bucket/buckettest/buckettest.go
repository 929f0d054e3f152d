// Package buckettest is the contract suite every bucket.Bucket adapter
// passes.
package buckettest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/bucket"
)

// Run runs the contract suite; newBucket returns a fresh, empty bucket.
func Run(t *testing.T, newBucket func(t *testing.T) bucket.Bucket) {
	t.Run("PutOpen", func(t *testing.T) { testPutOpen(t, newBucket(t)) })
	t.Run("Missing", func(t *testing.T) { testMissing(t, newBucket(t)) })
	t.Run("InvalidNames", func(t *testing.T) { testInvalidNames(t, newBucket(t)) })
	t.Run("FailedPutLeavesNothing", func(t *testing.T) { testFailedPut(t, newBucket(t)) })
	t.Run("ListDelete", func(t *testing.T) { testListDelete(t, newBucket(t)) })
	t.Run("ReadersSeeWholeObjects", func(t *testing.T) { testAtomicOverwrite(t, newBucket(t)) })
}

func put(t *testing.T, b bucket.Bucket, name string, data []byte) bucket.ObjectInfo {
	t.Helper()
	info, err := b.Put(context.Background(), name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put(%s): %v", name, err)
	}
	return info
}

func read(t *testing.T, b bucket.Bucket, name string) []byte {
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

func testPutOpen(t *testing.T, b bucket.Bucket) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 10000)
	before := time.Now().Add(-time.Minute)
	info := put(t, b, "img/abc/original.jpg", data)
	sum := sha256.Sum256(data)
	if info.Name != "img/abc/original.jpg" || info.Size != int64(len(data)) || info.SHA256 != hex.EncodeToString(sum[:]) || info.ModTime.Before(before) {
		t.Errorf("Put returned %+v", info)
	}

	r, got, err := b.Open(ctx, "img/abc/original.jpg")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if got.Size != info.Size || !got.ModTime.Equal(info.ModTime) {
		t.Errorf("Open info %+v, Put info %+v", got, info)
	}
	if _, err := r.Seek(99995, io.SeekStart); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	tail, err := io.ReadAll(r)
	if err != nil || string(tail) != "56789" {
		t.Errorf("after Seek read %q, %v; want %q", tail, err, "56789")
	}

	put(t, b, "img/abc/original.jpg", []byte("replaced"))
	if got := read(t, b, "img/abc/original.jpg"); string(got) != "replaced" {
		t.Errorf("after overwrite read %q", got)
	}
}

func testMissing(t *testing.T, b bucket.Bucket) {
	ctx := context.Background()
	if _, _, err := b.Open(ctx, "img/none"); !errors.Is(err, bucket.ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, "img/none"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
}

func testInvalidNames(t *testing.T, b bucket.Bucket) {
	ctx := context.Background()
	for _, name := range []string{"", ".", "../escape", "/abs", "a/../b", "a//b", "a/"} {
		if _, err := b.Put(ctx, name, bytes.NewReader([]byte("x"))); !errors.Is(err, bucket.ErrInvalidName) {
			t.Errorf("Put(%q) = %v, want ErrInvalidName", name, err)
		}
		if _, _, err := b.Open(ctx, name); !errors.Is(err, bucket.ErrInvalidName) {
			t.Errorf("Open(%q) = %v, want ErrInvalidName", name, err)
		}
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func testFailedPut(t *testing.T, b bucket.Bucket) {
	ctx := context.Background()
	if _, err := b.Put(ctx, "img/x/original.png", &failingReader{n: 100000}); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	if _, _, err := b.Open(ctx, "img/x/original.png"); !errors.Is(err, bucket.ErrNotFound) {
		t.Errorf("Open after failed Put = %v, want ErrNotFound", err)
	}
	if names := list(t, b); len(names) != 0 {
		t.Errorf("List after failed Put = %v, want nothing", names)
	}
}

func list(t *testing.T, b bucket.Bucket) []string {
	t.Helper()
	var names []string
	if err := b.List(context.Background(), func(info bucket.ObjectInfo) error {
		names = append(names, info.Name)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	slices.Sort(names)
	return names
}

func testListDelete(t *testing.T, b bucket.Bucket) {
	ctx := context.Background()
	for _, name := range []string{"img/a/thumb.jpg", "img/a/display.jpg", "img/b/thumb.png", "loose"} {
		put(t, b, name, []byte(name))
	}
	if got, want := list(t, b), []string{"img/a/display.jpg", "img/a/thumb.jpg", "img/b/thumb.png", "loose"}; !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
	var sizes []int64
	if err := b.List(ctx, func(info bucket.ObjectInfo) error {
		sizes = append(sizes, info.Size)
		if info.ModTime.IsZero() {
			t.Errorf("List: %s has no modification time", info.Name)
		}
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	slices.Sort(sizes)
	if want := []int64{5, 15, 15, 17}; !slices.Equal(sizes, want) {
		t.Errorf("List sizes = %v, want %v", sizes, want)
	}
	stop := errors.New("stop")
	if err := b.List(ctx, func(bucket.ObjectInfo) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("List with a failing fn = %v, want its error", err)
	}

	for _, name := range []string{"img/a/thumb.jpg", "img/b/thumb.png"} {
		if err := b.Delete(ctx, name); err != nil {
			t.Fatalf("Delete(%s): %v", name, err)
		}
	}
	if got, want := list(t, b), []string{"img/a/display.jpg", "loose"}; !slices.Equal(got, want) {
		t.Errorf("List after Delete = %v, want %v", got, want)
	}
	put(t, b, "img/b/thumb.png", []byte("again"))
	if got := read(t, b, "img/b/thumb.png"); string(got) != "again" {
		t.Errorf("read after re-Put = %q", got)
	}
}

func testAtomicOverwrite(t *testing.T, b bucket.Bucket) {
	ctx := context.Background()
	versions := [][]byte{bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<19)}
	put(t, b, "obj", versions[0])
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 20 {
			if _, err := b.Put(ctx, "obj", bytes.NewReader(versions[i%2])); err != nil {
				t.Errorf("Put: %v", err)
			}
		}
	})
	for range 50 {
		got := read(t, b, "obj")
		if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
			t.Fatalf("read %d bytes that are neither version", len(got))
		}
	}
	wg.Wait()
}

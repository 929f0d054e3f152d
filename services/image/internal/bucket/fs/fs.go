// Package fs is the embedded adapter of the image service's bucket: a
// directory whose files are the objects. Writes go to a temporary file in
// the directory's ".tmp" subdirectory, are fsynced and renamed into place.
package fs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fotogal/fotogal/services/image/internal/bucket"
)

// tmpDir is the subdirectory of temporary files, never listed.
const tmpDir = ".tmp"

// Bucket is a bucket.Bucket in a directory.
type Bucket struct {
	root string
}

var _ bucket.Bucket = (*Bucket)(nil)

// New returns the bucket in directory root, creating it if needed and
// removing the temporary files an interrupted Put left behind.
func New(root string) (*Bucket, error) {
	if err := os.RemoveAll(filepath.Join(root, tmpDir)); err != nil {
		return nil, fmt.Errorf("clean %s: %w", root, err)
	}
	if err := os.MkdirAll(filepath.Join(root, tmpDir), 0o750); err != nil {
		return nil, fmt.Errorf("create bucket directory: %w", err)
	}
	return &Bucket{root: filepath.Clean(root)}, nil
}

// path returns the file of object name, or bucket.ErrInvalidName.
func (b *Bucket) path(name string) (string, error) {
	if !iofs.ValidPath(name) || name == "." || strings.HasPrefix(name, tmpDir+"/") || name == tmpDir {
		return "", fmt.Errorf("%w: %q", bucket.ErrInvalidName, name)
	}
	return filepath.Join(b.root, filepath.FromSlash(name)), nil
}

// Put writes r to a temporary file, fsyncs it and renames it to name.
func (b *Bucket) Put(ctx context.Context, name string, r io.Reader) (bucket.ObjectInfo, error) {
	path, err := b.path(name)
	if err != nil {
		return bucket.ObjectInfo{}, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("put %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Join(b.root, tmpDir), "put-*")
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("put %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // Fails harmlessly once renamed.
	hash := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, hash), contextReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
		if errors.Is(err, iofs.ErrNotExist) {
			// A Delete removed the emptied directory in between.
			if err = os.MkdirAll(filepath.Dir(path), 0o750); err == nil {
				err = os.Rename(tmp.Name(), path)
			}
		}
	}
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("put %s: %w", name, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("put %s: %w", name, err)
	}
	return bucket.ObjectInfo{Name: name, Size: size, ModTime: fi.ModTime().UTC(), SHA256: hex.EncodeToString(hash.Sum(nil))}, nil
}

// Open opens the file of name.
func (b *Bucket) Open(ctx context.Context, name string) (io.ReadSeekCloser, bucket.ObjectInfo, error) {
	path, err := b.path(name)
	if err != nil {
		return nil, bucket.ObjectInfo{}, err
	}
	f, err := os.Open(path)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, bucket.ObjectInfo{}, fmt.Errorf("open %s: %w", name, bucket.ErrNotFound)
	}
	if err != nil {
		return nil, bucket.ObjectInfo{}, fmt.Errorf("open %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, bucket.ObjectInfo{}, fmt.Errorf("open %s: %w", name, err)
	}
	return f, bucket.ObjectInfo{Name: name, Size: fi.Size(), ModTime: fi.ModTime().UTC()}, nil
}

// Delete removes the file of name, and its directory when that is left
// empty.
func (b *Bucket) Delete(ctx context.Context, name string) error {
	path, err := b.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	// Remove the emptied parents up to the root; failing because one is
	// not empty (or already gone) is the normal end.
	for dir := filepath.Dir(path); dir != b.root && strings.HasPrefix(dir, b.root+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// List walks the directory, skipping the temporary files.
func (b *Bucket) List(ctx context.Context, fn func(bucket.ObjectInfo) error) error {
	return filepath.WalkDir(b.root, func(path string, d iofs.DirEntry, err error) error {
		if errors.Is(err, iofs.ErrNotExist) {
			return nil // Deleted while walking.
		}
		if err != nil {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if d.IsDir() {
			if d.Name() == tmpDir && filepath.Dir(path) == b.root {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, iofs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(b.root, path)
		if err != nil {
			return err
		}
		return fn(bucket.ObjectInfo{Name: filepath.ToSlash(rel), Size: fi.Size(), ModTime: fi.ModTime().UTC()})
	})
}

// contextReader stops a copy when its context is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (r contextReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

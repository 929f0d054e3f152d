// Package bucket is the image service's object storage port: named,
// immutable objects written whole and read with seeks (for byte ranges).
// Adapters: fs (a directory) and, later, OCI Object Storage.
package bucket

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("bucket: object not found")

// ErrInvalidName is returned for a name that is not a clean relative
// slash-separated path ("img/abc/thumb.jpg").
var ErrInvalidName = errors.New("bucket: invalid object name")

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	// Name is the object's name.
	Name string
	// Size is its length in bytes.
	Size int64
	// ModTime is when it was written.
	ModTime time.Time
	// SHA256 is the hex SHA-256 of its bytes; set by Put only.
	SHA256 string
}

// Bucket stores objects.
type Bucket interface {
	// Put writes r whole to the object name, atomically: readers see the
	// old object or the new one, never a part.
	Put(ctx context.Context, name string, r io.Reader) (ObjectInfo, error)
	// Open opens the object name for reading; ErrNotFound when missing.
	Open(ctx context.Context, name string) (io.ReadSeekCloser, ObjectInfo, error)
	// Delete removes the object name; a missing object is not an error.
	Delete(ctx context.Context, name string) error
	// List calls fn for every object, in no particular order, until fn
	// returns an error, which List returns.
	List(ctx context.Context, fn func(ObjectInfo) error) error
}

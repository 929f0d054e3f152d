package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/fotogal/fotogal/services/image/internal/bucket"
)

// errReaderClosed is the error of using a closed object reader.
var errReaderClosed = errors.New("object reader closed")

// Open looks the object name up with HeadObject and returns a reader of
// it. The reader fetches nothing until read; it then reads the version of
// the object its first GetObject finds, and no other, until closed. ctx
// bounds the reader's requests too.
func (b *Bucket) Open(ctx context.Context, name string) (io.ReadSeekCloser, bucket.ObjectInfo, error) {
	if err := checkName(name); err != nil {
		return nil, bucket.ObjectInfo{}, err
	}
	var resp objectstorage.HeadObjectResponse
	err := b.retry(ctx, func(a *attempt) error {
		var err error
		resp, err = b.client.HeadObject(a.ctx, objectstorage.HeadObjectRequest{NamespaceName: &b.cfg.Namespace, BucketName: &b.cfg.Bucket, ObjectName: &name})
		return err
	})
	if httpStatus(err) == http.StatusNotFound {
		return nil, bucket.ObjectInfo{}, fmt.Errorf("open %s: %w", name, bucket.ErrNotFound)
	}
	if err == nil && resp.ContentLength == nil {
		err = errors.New("the service answered no Content-Length")
	}
	if err != nil {
		return nil, bucket.ObjectInfo{}, fmt.Errorf("open %s: %w", name, err)
	}
	info := bucket.ObjectInfo{Name: name, Size: *resp.ContentLength, ModTime: sdkTime(resp.LastModified)}
	return &objectReader{b: b, ctx: ctx, name: name, size: info.Size}, info, nil
}

// objectReader reads an object with GetObject requests for the bytes from
// its offset to the end. One response body serves sequential reads; a Seek
// elsewhere drops it, and the next Read asks for the rest of the object
// from the new offset. The first response fixes the version read: later
// requests ask for its ETag (If-Match), so that a reader never mixes the
// bytes of two versions.
type objectReader struct {
	b    *Bucket
	ctx  context.Context
	name string
	// size is the size of the version read (from the HeadObject until a
	// GetObject tells).
	size int64
	// etag is the version read, once a GetObject fixed it.
	etag   string
	offset int64
	closed bool

	// body is the open response, its attempt and the bytes it still owes;
	// nil when none is open.
	body      io.ReadCloser
	att       *attempt
	remaining int64
}

func (r *objectReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errReaderClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.body == nil {
		if r.offset >= r.size {
			return 0, io.EOF
		}
		if err := r.get(); err != nil {
			return 0, err
		}
		if r.body == nil { // The version read ends at the offset.
			return 0, io.EOF
		}
	}
	r.att.progress()
	n, err := r.body.Read(p[:min(int64(len(p)), r.remaining)])
	r.att.pause()
	r.offset += int64(n)
	r.remaining -= int64(n)
	switch {
	case r.remaining == 0:
		// Done with this response: give its connection back at once.
		r.drop()
		return n, nil
	case errors.Is(err, io.EOF):
		err = fmt.Errorf("the response ended %d bytes early: %w", r.remaining, io.ErrUnexpectedEOF)
	case err == nil:
		return n, nil
	default:
		err = r.att.explain(err)
	}
	r.drop()
	if r.ctx.Err() != nil {
		return n, fmt.Errorf("read %s: %w", r.name, context.Cause(r.ctx))
	}
	return n, fmt.Errorf("read %s at byte %d: %w", r.name, r.offset, &Error{Attempts: 1, err: err})
}

// get opens a response for the bytes from the offset to the end.
func (r *objectReader) get() error {
	req := objectstorage.GetObjectRequest{NamespaceName: &r.b.cfg.Namespace, BucketName: &r.b.cfg.Bucket, ObjectName: &r.name}
	if r.offset > 0 {
		req.Range = common.String(fmt.Sprintf("bytes=%d-", r.offset))
	}
	if r.etag != "" {
		req.IfMatch = &r.etag
	}
	var resp objectstorage.GetObjectResponse
	err := r.b.retry(r.ctx, func(a *attempt) error {
		var err error
		resp, err = r.b.client.GetObject(a.ctx, req)
		if err == nil {
			// The body is read with the attempt's context, after the call.
			a.kept, r.att = true, a
		}
		return err
	})
	switch httpStatus(err) {
	case http.StatusNotFound:
		return fmt.Errorf("read %s: %w", r.name, bucket.ErrNotFound)
	case http.StatusPreconditionFailed:
		return fmt.Errorf("read %s: the object was replaced while being read: %w", r.name, err)
	}
	if err != nil {
		return fmt.Errorf("read %s at byte %d: %w", r.name, r.offset, err)
	}
	r.body = resp.Content
	switch {
	case resp.ContentLength == nil:
		err = errors.New("the service answered no Content-Length")
	case r.offset > 0 && resp.RawResponse.StatusCode != http.StatusPartialContent:
		err = fmt.Errorf("the service answered %s to a range request", resp.RawResponse.Status)
	}
	if err != nil {
		r.drop()
		return fmt.Errorf("read %s at byte %d: %w", r.name, r.offset, err)
	}
	r.remaining = *resp.ContentLength
	r.size = r.offset + r.remaining
	if r.etag == "" {
		r.etag = deref(resp.ETag)
	}
	if r.remaining == 0 {
		r.drop()
	}
	return nil
}

// drop closes the open response, if any.
func (r *objectReader) drop() {
	if r.body == nil {
		return
	}
	r.body.Close()
	r.att.end()
	r.body, r.att, r.remaining = nil, nil, 0
}

func (r *objectReader) Seek(offset int64, whence int) (int64, error) {
	if r.closed {
		return 0, errReaderClosed
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.offset
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, fmt.Errorf("seek %s: invalid whence %d", r.name, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("seek %s: negative position %d", r.name, offset)
	}
	if offset != r.offset {
		r.drop()
		r.offset = offset
	}
	return offset, nil
}

// Close releases the open response; the reader reads no more.
func (r *objectReader) Close() error {
	r.drop()
	r.closed = true
	return nil
}

package oci

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/fotogal/fotogal/services/image/internal/bucket"
)

// Put reads r up to PartSize bytes into memory. When r ends there, the
// object is written with one PutObject; otherwise it is uploaded in parts
// of PartSize, each held in memory until it is stored, and committed once
// r ends. A failure, of the service or of r, aborts the upload: readers
// keep seeing the old object or none.
func (b *Bucket) Put(ctx context.Context, name string, r io.Reader) (bucket.ObjectInfo, error) {
	if err := checkName(name); err != nil {
		return bucket.ObjectInfo{}, err
	}
	p := &parts{r: r, size: int(b.cfg.PartSize), sum: sha256.New()}
	first, last, err := p.next(ctx)
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("put %s: read: %w", name, err)
	}
	mediaType := contentType(name, first[:min(len(first), 512)])
	var modTime time.Time
	if last {
		modTime, err = b.putObject(ctx, name, mediaType, first)
	} else {
		modTime, err = b.putParts(ctx, name, mediaType, p, first)
	}
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("put %s: %w", name, err)
	}
	return bucket.ObjectInfo{Name: name, Size: p.total, ModTime: modTime, SHA256: hex.EncodeToString(p.sum.Sum(nil))}, nil
}

// contentType returns the media type of an object: the one of its name's
// extension ("img/x/thumb.jpg": image/jpeg), or else sniffed from its first
// bytes.
func contentType(name string, head []byte) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return http.DetectContentType(head)
}

// putObject writes data whole to the object name.
func (b *Bucket) putObject(ctx context.Context, name, mediaType string, data []byte) (time.Time, error) {
	size, md5 := int64(len(data)), contentMD5(data)
	var resp objectstorage.PutObjectResponse
	err := b.retry(ctx, func(a *attempt) error {
		body := newRequestBody(data, a)
		defer body.Close()
		var err error
		resp, err = b.client.PutObject(a.ctx, objectstorage.PutObjectRequest{
			NamespaceName: &b.cfg.Namespace,
			BucketName:    &b.cfg.Bucket,
			ObjectName:    &name,
			ContentLength: &size,
			ContentType:   &mediaType,
			ContentMD5:    &md5,
			PutObjectBody: body,
		})
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return sdkTime(resp.LastModified), nil
}

// putParts uploads the object name in parts, first and then those p reads,
// and commits them; on any failure it aborts the upload.
func (b *Bucket) putParts(ctx context.Context, name, mediaType string, p *parts, first []byte) (time.Time, error) {
	var uploadID string
	err := b.retry(ctx, func(a *attempt) error {
		resp, err := b.client.CreateMultipartUpload(a.ctx, objectstorage.CreateMultipartUploadRequest{
			NamespaceName: &b.cfg.Namespace,
			BucketName:    &b.cfg.Bucket,
			CreateMultipartUploadDetails: objectstorage.CreateMultipartUploadDetails{
				Object:      &name,
				ContentType: &mediaType,
			},
		})
		uploadID = deref(resp.UploadId)
		return err
	})
	if err == nil && uploadID == "" {
		err = errors.New("the service answered no upload ID")
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("start multipart upload: %w", err)
	}
	modTime, err := b.uploadParts(ctx, name, uploadID, p, first)
	if err != nil {
		if abortErr := b.abort(ctx, name, uploadID); abortErr != nil {
			err = fmt.Errorf("%w (and abort upload %s: %v)", err, uploadID, abortErr)
		}
		return time.Time{}, err
	}
	return modTime, nil
}

// uploadParts uploads part and the rest of p, then commits them all.
func (b *Bucket) uploadParts(ctx context.Context, name, uploadID string, p *parts, part []byte) (time.Time, error) {
	var uploaded []objectstorage.CommitMultipartUploadPartDetails
	for num, last := 1, false; ; num++ {
		if num > maxParts {
			return time.Time{}, fmt.Errorf("more than %d parts of %d bytes: raise FOTOGAL_OCI_PART_SIZE", maxParts, p.size)
		}
		etag, err := b.uploadPart(ctx, name, uploadID, num, part)
		if err != nil {
			return time.Time{}, fmt.Errorf("upload part %d: %w", num, err)
		}
		uploaded = append(uploaded, objectstorage.CommitMultipartUploadPartDetails{PartNum: common.Int(num), Etag: &etag})
		if last {
			break
		}
		if part, last, err = p.next(ctx); err != nil {
			return time.Time{}, fmt.Errorf("read: %w", err)
		}
	}
	var resp objectstorage.CommitMultipartUploadResponse
	err := b.retry(ctx, func(a *attempt) error {
		var err error
		resp, err = b.client.CommitMultipartUpload(a.ctx, objectstorage.CommitMultipartUploadRequest{
			NamespaceName:                &b.cfg.Namespace,
			BucketName:                   &b.cfg.Bucket,
			ObjectName:                   &name,
			UploadId:                     &uploadID,
			CommitMultipartUploadDetails: objectstorage.CommitMultipartUploadDetails{PartsToCommit: uploaded},
		})
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("commit %d parts: %w", len(uploaded), err)
	}
	return sdkTime(resp.LastModified), nil
}

// uploadPart stores part number num of an upload and returns its ETag.
func (b *Bucket) uploadPart(ctx context.Context, name, uploadID string, num int, part []byte) (string, error) {
	size, md5 := int64(len(part)), contentMD5(part)
	var etag string
	err := b.retry(ctx, func(a *attempt) error {
		body := newRequestBody(part, a)
		defer body.Close()
		resp, err := b.client.UploadPart(a.ctx, objectstorage.UploadPartRequest{
			NamespaceName:  &b.cfg.Namespace,
			BucketName:     &b.cfg.Bucket,
			ObjectName:     &name,
			UploadId:       &uploadID,
			UploadPartNum:  &num,
			ContentLength:  &size,
			ContentMD5:     &md5,
			UploadPartBody: body,
		})
		etag = deref(resp.ETag)
		return err
	})
	if err == nil && etag == "" {
		err = errors.New("the service answered no ETag")
	}
	return etag, err
}

// abort discards an upload and its parts. It runs even when ctx is done,
// for at most one RequestTimeout per attempt.
func (b *Bucket) abort(ctx context.Context, name, uploadID string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(b.cfg.Attempts)*b.cfg.RequestTimeout)
	defer cancel()
	err := b.retry(ctx, func(a *attempt) error {
		_, err := b.client.AbortMultipartUpload(a.ctx, objectstorage.AbortMultipartUploadRequest{
			NamespaceName: &b.cfg.Namespace,
			BucketName:    &b.cfg.Bucket,
			ObjectName:    &name,
			UploadId:      &uploadID,
		})
		return err
	})
	if httpStatus(err) == http.StatusNotFound {
		return nil
	}
	return err
}

// contentMD5 returns the Content-MD5 header of data, which Object Storage
// checks the body it received against.
func contentMD5(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// requestBody is the body of one attempt of an upload, over bytes the Put
// holds. Each attempt gets its own, which starts at the first byte: that
// is how a retried body is rewound. Once closed it reads no more, so that
// a transport still sending it in the background can never see the
// buffer reused for the next part.
type requestBody struct {
	mu sync.Mutex
	r  *bytes.Reader // nil once closed
	a  *attempt
}

func newRequestBody(data []byte, a *attempt) *requestBody {
	return &requestBody{r: bytes.NewReader(data), a: a}
}

func (b *requestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.r == nil {
		return 0, errBodyClosed
	}
	b.a.progress()
	return b.r.Read(p)
}

func (b *requestBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r = nil
	return nil
}

var errBodyClosed = errors.New("request body closed")

// parts cuts what a Put reads into parts of size bytes, hashing them as it
// goes, and tells which part is the last.
type parts struct {
	r    io.Reader
	size int
	sum  hash.Hash
	// total is how many bytes the parts so far hold.
	total int64
	// buf holds the current part; it is reused for the next one.
	buf []byte
	// peek, when carry is set, is the first byte of the next part, read to
	// learn that the current one is not the last.
	carry bool
	peek  byte
}

// next returns the next part and whether it is the last; the part's bytes
// are valid until the next call. A last part may be empty (an empty
// object).
func (p *parts) next(ctx context.Context) ([]byte, bool, error) {
	buf := p.buf[:0]
	if p.carry {
		buf, p.carry = append(buf, p.peek), false
	}
	buf, err := readUpTo(ctx, p.r, buf, p.size)
	p.buf = buf
	if err != nil {
		return nil, false, err
	}
	last := len(buf) < p.size
	if !last {
		var one [1]byte
		peeked, err := readUpTo(ctx, p.r, one[:0], 1)
		if err != nil {
			return nil, false, err
		}
		if len(peeked) == 1 {
			p.carry, p.peek = true, peeked[0]
		} else {
			last = true
		}
	}
	p.sum.Write(buf)
	p.total += int64(len(buf))
	return buf, last, nil
}

// readUpTo appends what r reads to buf until buf holds limit bytes or r
// ends. It grows buf by doubling, so that small objects stay small.
func readUpTo(ctx context.Context, r io.Reader, buf []byte, limit int) ([]byte, error) {
	for len(buf) < limit {
		if err := ctx.Err(); err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 64<<10), limit-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

package ocifake

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// stagingDir is the directory under ObjectStorageOptions.Dir where bodies
// are received before they become objects or parts.
const stagingDir = ".staging"

// objectStore holds the objects of the buckets, in memory or under a
// directory: there, each object is a data file and a metadata file
// (<hash of the name>.json) that names it; renaming the metadata file into
// place is what makes a write happen.
type objectStore struct {
	dir     string                              // "" in memory
	buckets map[string]map[string]*bucketObject // bucket → object name → object
}

// bucketObject is a stored object; its exported fields are its metadata file.
type bucketObject struct {
	Name               string            `json:"name"`
	Size               int64             `json:"size"`
	ContentType        string            `json:"contentType"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	ContentLanguage    string            `json:"contentLanguage,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"` // opc-meta-* without the prefix, lower case
	MD5                string            `json:"md5,omitempty"`      // base64; of an object put whole
	MultipartMD5       string            `json:"multipartMD5,omitempty"`
	ETag               string            `json:"etag"`
	Time               time.Time         `json:"time"` // created, which is also its last modification
	DataFile           string            `json:"dataFile,omitempty"`

	data []byte // in memory
}

// md5Field is the object's MD5 as listings show it.
func (o *bucketObject) md5Field() string {
	if o.MultipartMD5 != "" {
		return o.MultipartMD5
	}
	return o.MD5
}

// blob is a body received in full, not yet an object.
type blob struct {
	size int64
	md5  []byte
	data []byte // in memory
	path string // a file under the staging directory
}

func openObjectStore(dir string, buckets []string) (*objectStore, error) {
	s := &objectStore{dir: dir, buckets: make(map[string]map[string]*bucketObject)}
	for _, b := range buckets {
		s.buckets[b] = make(map[string]*bucketObject)
	}
	if dir == "" {
		return s, nil
	}
	// Uploads in progress do not survive a restart: their parts go.
	if err := os.RemoveAll(filepath.Join(dir, stagingDir)); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, stagingDir), 0o755); err != nil {
		return nil, err
	}
	for _, b := range buckets {
		if err := s.loadBucket(b); err != nil {
			return nil, fmt.Errorf("load bucket %s from %s: %w", b, dir, err)
		}
	}
	return s, nil
}

// loadBucket reads the metadata files of bucket and removes the data files
// none of them names: those of writes that did not finish.
func (s *objectStore) loadBucket(bucket string) error {
	bdir := filepath.Join(s.dir, bucket)
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(bdir)
	if err != nil {
		return err
	}
	used := make(map[string]bool)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(bdir, e.Name()))
		if err != nil {
			return err
		}
		o := new(bucketObject)
		if err := json.Unmarshal(b, o); err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		s.buckets[bucket][o.Name] = o
		used[o.DataFile] = true
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") && !used[e.Name()] {
			if err := os.Remove(filepath.Join(bdir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// receive reads exactly size bytes of body (any number when size < 0) and
// returns them as a blob. A body that ends early or fails leaves nothing.
func (s *objectStore) receive(body io.Reader, size int64) (*blob, error) {
	h := md5.New()
	var w io.Writer
	var buf bytes.Buffer
	var file *os.File
	if s.dir == "" {
		w = io.MultiWriter(&buf, h)
	} else {
		var err error
		file, err = os.CreateTemp(filepath.Join(s.dir, stagingDir), "body-*")
		if err != nil {
			return nil, err
		}
		w = io.MultiWriter(file, h)
	}
	n, err := io.Copy(w, body)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("the body has %d bytes, not the %d of its Content-Length", n, size)
	}
	if file != nil {
		if err == nil {
			err = file.Sync()
		}
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(file.Name())
			return nil, err
		}
		return &blob{size: n, md5: h.Sum(nil), path: file.Name()}, nil
	}
	if err != nil {
		return nil, err
	}
	return &blob{size: n, md5: h.Sum(nil), data: buf.Bytes()}, nil
}

// concat returns one blob of parts in order.
func (s *objectStore) concat(parts []*blob) (*blob, error) {
	readers := make([]io.Reader, 0, len(parts))
	var size int64
	for _, p := range parts {
		r, err := s.openBlob(p)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		readers = append(readers, r)
		size += p.size
	}
	return s.receive(io.MultiReader(readers...), size)
}

// discard drops a blob that will not be stored.
func (s *objectStore) discard(b *blob) {
	if b != nil && b.path != "" {
		os.Remove(b.path)
	}
}

// put stores o in bucket with the content b, replacing any object of that
// name. The caller holds the fake's lock.
func (s *objectStore) put(bucket string, o *bucketObject, b *blob) error {
	old := s.buckets[bucket][o.Name]
	o.Size = b.size
	if s.dir == "" {
		o.data = b.data
		s.buckets[bucket][o.Name] = o
		return nil
	}
	bdir := filepath.Join(s.dir, bucket)
	base := fileBase(o.Name)
	o.DataFile = base + "-" + o.ETag + ".data"
	if err := os.Rename(b.path, filepath.Join(bdir, o.DataFile)); err != nil {
		return err
	}
	meta, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(bdir, base+".json"), meta); err != nil {
		os.Remove(filepath.Join(bdir, o.DataFile))
		return err
	}
	s.buckets[bucket][o.Name] = o
	if old != nil {
		os.Remove(filepath.Join(bdir, old.DataFile))
	}
	return nil
}

// remove deletes the object name of bucket. The caller holds the fake's
// lock.
func (s *objectStore) remove(bucket, name string) error {
	o := s.buckets[bucket][name]
	if o == nil {
		return nil
	}
	if s.dir != "" {
		bdir := filepath.Join(s.dir, bucket)
		if err := os.Remove(filepath.Join(bdir, fileBase(name)+".json")); err != nil {
			return err
		}
		if err := syncDir(bdir); err != nil {
			return err
		}
		os.Remove(filepath.Join(bdir, o.DataFile))
	}
	delete(s.buckets[bucket], name)
	return nil
}

// open returns a reader of o's content in bucket. The caller holds the
// fake's lock; the reader stays valid after the object is replaced or
// deleted.
func (s *objectStore) open(bucket string, o *bucketObject) (io.ReadSeekCloser, error) {
	if s.dir == "" {
		return nopSeekCloser{bytes.NewReader(o.data)}, nil
	}
	return os.Open(filepath.Join(s.dir, bucket, o.DataFile))
}

func (s *objectStore) openBlob(b *blob) (io.ReadCloser, error) {
	if b.path == "" {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}
	return os.Open(b.path)
}

// snapshot copies o for use outside the lock.
func (o *bucketObject) snapshot() bucketObject {
	c := *o
	c.Metadata = maps.Clone(o.Metadata)
	return c
}

// fileBase is the file name an object's files start with: the hex SHA-256
// of its name, which may hold any character.
func fileBase(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it to path, then syncs the directory.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

type nopSeekCloser struct{ io.ReadSeeker }

func (nopSeekCloser) Close() error { return nil }

// base64MD5 encodes an MD5 digest as the service's headers carry it.
func base64MD5(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

package ocifake

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxPartNum is the highest part number of a multipart upload.
const maxPartNum = 10000

// upload is a multipart upload in progress. It shows nothing in its bucket
// until it is committed.
type upload struct {
	id, bucket, object string
	created            time.Time
	details            multipartDetails
	parts              map[int]*part
}

// part is an uploaded part.
type part struct {
	etag string
	blob *blob
}

// multipartDetails is the body of a CreateMultipartUpload.
type multipartDetails struct {
	Object             string            `json:"object"`
	ContentType        string            `json:"contentType"`
	ContentLanguage    string            `json:"contentLanguage"`
	ContentEncoding    string            `json:"contentEncoding"`
	ContentDisposition string            `json:"contentDisposition"`
	CacheControl       string            `json:"cacheControl"`
	StorageTier        string            `json:"storageTier"`
	Metadata           map[string]string `json:"metadata"`
}

// commitDetails is the body of a CommitMultipartUpload.
type commitDetails struct {
	PartsToCommit []struct {
		PartNum *int    `json:"partNum"`
		ETag    *string `json:"etag"`
	} `json:"partsToCommit"`
	PartsToExclude []int `json:"partsToExclude"`
}

func (u *upload) json(namespace string) map[string]any {
	return map[string]any{
		"namespace":   namespace,
		"bucket":      u.bucket,
		"object":      u.object,
		"uploadId":    u.id,
		"timeCreated": jsonTime(u.created),
		"storageTier": "Standard",
	}
}

func (f *ObjectStorage) createMultipart(w http.ResponseWriter, r *http.Request, rt route, fl StorageFault) *storageError {
	var d multipartDetails
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
		return invalid("the CreateMultipartUpload body is not its JSON: %v", err)
	}
	if !wait(r.Context(), fl.Delay) {
		return nil // The client gave up: nothing is applied.
	}
	if d.Object == "" {
		return invalid("the CreateMultipartUpload body names no object")
	}
	if err := checkObjectName(d.Object); err != nil {
		return err
	}
	if d.StorageTier != "" && d.StorageTier != "Standard" {
		return invalid("storageTier %q: the fake keeps only Standard", d.StorageTier)
	}
	u := &upload{id: newETag(), bucket: rt.bucket, object: d.Object, created: f.now(), details: d, parts: make(map[int]*part)}
	f.mu.Lock()
	f.uploads[u.id] = u
	f.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("/n/%s/b/%s/u/%s?uploadId=%s",
		url.PathEscape(f.namespace), url.PathEscape(rt.bucket), url.PathEscape(d.Object), u.id))
	writeJSON(w, http.StatusOK, u.json(f.namespace))
	return nil
}

// findUpload returns the upload of the request's uploadId, which must be
// one of rt's object. The caller holds the lock.
func (f *ObjectStorage) findUpload(r *http.Request, rt route) (*upload, *storageError) {
	id := r.URL.Query().Get("uploadId")
	if id == "" {
		return nil, invalid("the request has no uploadId")
	}
	u := f.uploads[id]
	if u == nil || u.bucket != rt.bucket || u.object != rt.object {
		return nil, &storageError{http.StatusNotFound, "NoSuchUpload",
			fmt.Sprintf("there is no multipart upload %q of object %q in bucket %q", id, rt.object, rt.bucket)}
	}
	return u, nil
}

func (f *ObjectStorage) uploadPart(w http.ResponseWriter, r *http.Request, rt route, fl StorageFault) *storageError {
	s := r.URL.Query().Get("uploadPartNum")
	num, err := strconv.Atoi(s)
	if err != nil || num < 1 || num > maxPartNum {
		return invalid("uploadPartNum %q: want 1 to %d", s, maxPartNum)
	}
	f.mu.Lock()
	_, uerr := f.findUpload(r, rt)
	f.mu.Unlock()
	if uerr != nil {
		return uerr
	}
	wantMD5, herr := checkBodyHeaders(r)
	if herr != nil {
		return herr
	}
	b, rerr := f.store.receive(r.Body, r.ContentLength)
	if rerr != nil {
		return invalid("read the body of part %d of %q: %v", num, rt.object, rerr)
	}
	if !wait(r.Context(), fl.Delay) {
		f.store.discard(b)
		return nil // The client gave up: nothing is applied.
	}
	if wantMD5 != "" && base64MD5(b.md5) != wantMD5 {
		f.store.discard(b)
		return badMD5(rt.object, wantMD5, b.md5)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u, uerr := f.findUpload(r, rt) // It may have been aborted or committed meanwhile.
	if uerr != nil {
		f.store.discard(b)
		return uerr
	}
	old := u.parts[num]
	if m := r.Header.Get("if-match"); m != "" && (old == nil || (m != "*" && m != old.etag)) {
		f.store.discard(b)
		return &storageError{http.StatusPreconditionFailed, "IfMatchFailed",
			fmt.Sprintf("part %d of upload %q does not have the ETag of if-match %q", num, u.id, m)}
	}
	if m := r.Header.Get("if-none-match"); m == "*" && old != nil {
		f.store.discard(b)
		return &storageError{http.StatusPreconditionFailed, "IfNoneMatchFailed",
			fmt.Sprintf("part %d of upload %q exists and if-none-match is *", num, u.id)}
	}
	if old != nil {
		f.store.discard(old.blob)
	}
	p := &part{etag: newETag(), blob: b}
	u.parts[num] = p
	w.Header().Set("ETag", p.etag)
	w.Header().Set("opc-content-md5", base64MD5(b.md5))
	w.WriteHeader(http.StatusOK)
	return nil
}

// commitMultipart makes the object of the parts listed, in part-number
// order. Parts uploaded but not listed are dropped with the upload.
func (f *ObjectStorage) commitMultipart(w http.ResponseWriter, r *http.Request, rt route, fl StorageFault) *storageError {
	var d commitDetails
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
		return invalid("the CommitMultipartUpload body is not its JSON: %v", err)
	}
	if !wait(r.Context(), fl.Delay) {
		return nil // The client gave up: nothing is applied.
	}
	if len(d.PartsToCommit) == 0 {
		return invalid("partsToCommit is empty")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u, uerr := f.findUpload(r, rt)
	if uerr != nil {
		return uerr
	}
	nums := make([]int, 0, len(d.PartsToCommit))
	for _, c := range d.PartsToCommit {
		if c.PartNum == nil || c.ETag == nil {
			return invalid("every part of partsToCommit needs a partNum and an etag")
		}
		num := *c.PartNum
		p := u.parts[num]
		switch {
		case slices.Contains(nums, num):
			return invalid("part %d is twice in partsToCommit", num)
		case slices.Contains(d.PartsToExclude, num):
			return invalid("part %d is both in partsToCommit and in partsToExclude", num)
		case p == nil:
			return invalid("part %d of upload %q was not uploaded", num, u.id)
		case p.etag != *c.ETag:
			return invalid("part %d of upload %q has ETag %q, not %q", num, u.id, p.etag, *c.ETag)
		}
		nums = append(nums, num)
	}
	slices.Sort(nums)
	if err := preconditions(r, f.store.buckets[rt.bucket][rt.object], rt.object); err != nil {
		return err
	}
	blobs := make([]*blob, len(nums))
	digests := md5.New()
	for i, num := range nums {
		blobs[i] = u.parts[num].blob
		digests.Write(blobs[i].md5)
	}
	b, err := f.store.concat(blobs)
	if err != nil {
		return storeFailed(rt.object, err)
	}
	o := &bucketObject{
		Name:               rt.object,
		ContentType:        u.details.ContentType,
		ContentEncoding:    u.details.ContentEncoding,
		ContentLanguage:    u.details.ContentLanguage,
		ContentDisposition: u.details.ContentDisposition,
		CacheControl:       u.details.CacheControl,
		Metadata:           lowerKeys(u.details.Metadata),
		MultipartMD5:       base64.StdEncoding.EncodeToString(digests.Sum(nil)) + "-" + strconv.Itoa(len(nums)),
		ETag:               newETag(),
		Time:               f.now(),
	}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	if err := f.store.put(rt.bucket, o, b); err != nil {
		f.store.discard(b)
		return storeFailed(rt.object, err)
	}
	f.dropUpload(u)
	w.Header().Set("ETag", o.ETag)
	w.Header().Set("opc-multipart-md5", o.MultipartMD5)
	w.Header().Set("Last-Modified", o.Time.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	return nil
}

func (f *ObjectStorage) abortMultipart(w http.ResponseWriter, r *http.Request, rt route) *storageError {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, err := f.findUpload(r, rt)
	if err != nil {
		return err
	}
	f.dropUpload(u)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// dropUpload forgets u and its parts. The caller holds the lock.
func (f *ObjectStorage) dropUpload(u *upload) {
	for _, p := range u.parts {
		f.store.discard(p.blob)
	}
	delete(f.uploads, u.id)
}

// listMultipart answers a ListMultipartUploads: the uploads in progress in
// the bucket, by object name and then start, limit at a time; the
// opc-next-page header is the page token of the rest.
func (f *ObjectStorage) listMultipart(w http.ResponseWriter, r *http.Request, rt route) *storageError {
	q := r.URL.Query()
	limit, err := queryLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	after := ""
	if page := q.Get("page"); page != "" {
		b, derr := base64.RawURLEncoding.DecodeString(page)
		if derr != nil {
			return invalid("page %q is not a page token of this listing", page)
		}
		after = string(b)
	}
	key := func(u *upload) string { return u.object + "\x00" + jsonTime(u.created) + "\x00" + u.id }
	f.mu.Lock()
	var list []*upload
	for _, u := range f.uploads {
		if u.bucket == rt.bucket && key(u) > after {
			list = append(list, u)
		}
	}
	slices.SortFunc(list, func(a, b *upload) int { return strings.Compare(key(a), key(b)) })
	if len(list) > limit {
		list = list[:limit]
		w.Header().Set("opc-next-page", base64.RawURLEncoding.EncodeToString([]byte(key(list[limit-1]))))
	}
	items := make([]map[string]any, len(list))
	for i, u := range list {
		items[i] = u.json(f.namespace)
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, items)
	return nil
}

// lowerKeys returns m with its keys in lower case, as metadata headers
// come back.
func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

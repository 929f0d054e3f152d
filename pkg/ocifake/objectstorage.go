package ocifake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// StorageOp names an Object Storage operation, for fault injection and for
// counting requests.
type StorageOp string

// The Object Storage operations the fake serves.
const (
	StorageNamespace       StorageOp = "namespace"
	StorageHeadBucket      StorageOp = "headbucket"
	StorageGetBucket       StorageOp = "getbucket"
	StoragePut             StorageOp = "put"
	StorageGet             StorageOp = "get"
	StorageHead            StorageOp = "head"
	StorageDelete          StorageOp = "delete"
	StorageList            StorageOp = "list"
	StorageCreateMultipart StorageOp = "createmultipart"
	StorageUploadPart      StorageOp = "uploadpart"
	StorageCommitMultipart StorageOp = "commitmultipart"
	StorageAbortMultipart  StorageOp = "abortmultipart"
	StorageListMultipart   StorageOp = "listmultipart"
)

// defaultNamespace is the namespace of a fake whose options name none.
const defaultNamespace = "fotogalns"

// bucketName is what OCI accepts as a bucket name.
var bucketName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

// ObjectStorageOptions configures an Object Storage fake.
type ObjectStorageOptions struct {
	// Namespace is the tenancy's Object Storage namespace; "" means
	// "fotogalns".
	Namespace string
	// Buckets are the buckets that exist from the start; there are no
	// others (the fake does not create buckets).
	Buckets []string
	// Dir, when set, is where objects are kept, so that they survive a
	// restart: each object is written to a file and recorded in its own
	// metadata file, both written, synced and renamed into place before
	// the request is answered. "" keeps them in memory.
	Dir string
	// Verifier, when set, checks the OCI request signature of every
	// request; nil serves any caller.
	Verifier *Verifier
	// Now is the clock of creation and modification times; time.Now when
	// nil.
	Now func() time.Time
}

// StoredObject is what Objects reports of an object.
type StoredObject struct {
	Name        string
	Size        int64
	ContentType string
	// MD5 is the base64 MD5 of the content, or for an object committed
	// from parts the multipart MD5, "<base64 MD5 of the parts' MD5s>-<parts>".
	MD5 string
}

// ObjectStorage is a fake OCI Object Storage service (API 20160918): an
// http.Handler for the paths the OCI SDK's object storage client sends.
// It is safe for concurrent use.
type ObjectStorage struct {
	namespace string
	verifier  *Verifier
	now       func() time.Time

	mu      sync.Mutex
	store   *objectStore
	uploads map[string]*upload // by upload ID
	counts  map[StorageOp]int

	faults faults[StorageFault]
}

// NewObjectStorage returns a fake with the buckets o names, holding the
// objects kept in o.Dir, if any.
func NewObjectStorage(o ObjectStorageOptions) (*ObjectStorage, error) {
	f := &ObjectStorage{
		namespace: o.Namespace,
		verifier:  o.Verifier,
		now:       o.Now,
		uploads:   make(map[string]*upload),
		counts:    make(map[StorageOp]int),
	}
	if f.namespace == "" {
		f.namespace = defaultNamespace
	}
	if f.now == nil {
		f.now = time.Now
	}
	for _, b := range o.Buckets {
		if !bucketName.MatchString(b) {
			return nil, fmt.Errorf("fake object storage: bucket name %q: want 1 to 256 letters, digits, '-', '_' or '.'", b)
		}
	}
	store, err := openObjectStore(o.Dir, o.Buckets)
	if err != nil {
		return nil, fmt.Errorf("fake object storage: %w", err)
	}
	f.store = store
	return f, nil
}

// StartObjectStorage starts a fake with o on a local HTTP server for the
// test and returns it with its base URL ("http://127.0.0.1:port"), to set
// as the SDK client's Host. The server stops when the test ends.
func StartObjectStorage(t testing.TB, o ObjectStorageOptions) (*ObjectStorage, string) {
	t.Helper()
	f, err := NewObjectStorage(o)
	if err != nil {
		t.Fatalf("start fake object storage: %v", err)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// Objects returns the objects of bucket, sorted by name; nil when there is
// no such bucket. Uncommitted multipart uploads are not objects.
func (f *ObjectStorage) Objects(bucket string) []StoredObject {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.store.buckets[bucket]
	if b == nil {
		return nil
	}
	list := make([]StoredObject, 0, len(b))
	for _, o := range b {
		list = append(list, StoredObject{Name: o.Name, Size: o.Size, ContentType: o.ContentType, MD5: o.md5Field()})
	}
	slices.SortFunc(list, func(a, b StoredObject) int { return strings.Compare(a.Name, b.Name) })
	return list
}

// OpCount returns how many requests of op were answered, whether they
// succeeded or not (an injected fault included). Requests refused for
// their signature are not counted.
func (f *ObjectStorage) OpCount(op StorageOp) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

// route is what a request's path and method address.
type route struct {
	op                        StorageOp
	namespace, bucket, object string
	err                       *storageError // the path or method is not served
}

// parseRoute maps r to an operation. The object name is everything after
// "/o/" or "/u/", unescaped: it may hold slashes.
func parseRoute(r *http.Request) route {
	notFound := route{err: &storageError{http.StatusNotFound, "NotAuthorizedOrNotFound",
		fmt.Sprintf("%s %s is not a path of the Object Storage API the fake serves", r.Method, r.URL.Path)}}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/n")
	if !ok {
		return notFound
	}
	var rt route
	var kind string
	if rest == "" || rest == "/" {
		kind = "namespace"
	} else {
		var segs []string
		if segs = strings.SplitN(rest, "/", 6)[1:]; rest[0] != '/' || len(segs) < 3 || segs[1] != "b" {
			return notFound
		}
		var err1, err2 error
		rt.namespace, err1 = url.PathUnescape(segs[0])
		rt.bucket, err2 = url.PathUnescape(segs[2])
		if err1 != nil || err2 != nil || rt.bucket == "" {
			return notFound
		}
		switch {
		case len(segs) == 3:
			kind = "bucket"
		case len(segs) == 4 && (segs[3] == "o" || segs[3] == "u"):
			kind = segs[3]
		case len(segs) == 5 && (segs[3] == "o" || segs[3] == "u") && segs[4] != "":
			name, err := url.PathUnescape(segs[4])
			if err != nil {
				return notFound
			}
			rt.object, kind = name, segs[3]+"/"
		default:
			return notFound
		}
	}
	ops := map[string]map[string]StorageOp{
		"namespace": {http.MethodGet: StorageNamespace},
		"bucket":    {http.MethodHead: StorageHeadBucket, http.MethodGet: StorageGetBucket},
		"o":         {http.MethodGet: StorageList},
		"o/":        {http.MethodPut: StoragePut, http.MethodGet: StorageGet, http.MethodHead: StorageHead, http.MethodDelete: StorageDelete},
		"u":         {http.MethodPost: StorageCreateMultipart, http.MethodGet: StorageListMultipart},
		"u/":        {http.MethodPut: StorageUploadPart, http.MethodPost: StorageCommitMultipart, http.MethodDelete: StorageAbortMultipart},
	}
	op, ok := ops[kind][r.Method]
	if !ok {
		rt.err = &storageError{http.StatusMethodNotAllowed, "MethodNotAllowed",
			fmt.Sprintf("the fake does not serve %s on %s", r.Method, r.URL.Path)}
		return rt
	}
	rt.op = op
	return rt
}

// ServeHTTP answers one request of the SDK.
func (f *ObjectStorage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("opc-request-id", newOPCRequestID())
	if id := r.Header.Get("opc-client-request-id"); id != "" {
		w.Header().Set("opc-client-request-id", id)
	}
	rt := parseRoute(r)
	if f.verifier != nil {
		// As on the service, the body of an object or a part need not be
		// signed; every other POST and PUT signs its JSON body.
		unsignedBody := rt.op == StoragePut || rt.op == StorageUploadPart
		if err := f.verifier.check(r, signsBody(r.Method) && !unsignedBody); err != nil {
			writeNotAuthenticated(w, err)
			return
		}
	}
	if rt.err != nil {
		rt.err.write(w)
		return
	}
	f.mu.Lock()
	f.counts[rt.op]++
	f.mu.Unlock()
	fl, hit := f.matchFault(rt.op, rt.object)
	if hit {
		// The handler of a request with a body holds it back once the body
		// has arrived, when a client that gives up can be seen.
		if !carriesBody(rt.op) || fl.HTTPStatus != 0 || fl.CutAfter > 0 {
			if !wait(r.Context(), fl.Delay) {
				return // The client gave up: nothing is applied.
			}
			fl.Delay = 0
		}
		switch {
		case fl.HTTPStatus != 0:
			faultError(fl.HTTPStatus).write(w)
			return
		case fl.CutAfter > 0 && rt.op != StorageGet:
			cutRequest(r, fl.CutAfter)
		}
	}
	if err := f.serve(w, r, rt, fl); err != nil {
		err.write(w)
	}
}

// serve answers the request rt routes to, or returns the error to answer.
// fl is the fault that hit it, if any.
func (f *ObjectStorage) serve(w http.ResponseWriter, r *http.Request, rt route, fl StorageFault) *storageError {
	if rt.op == StorageNamespace {
		return f.getNamespace(w)
	}
	if rt.namespace != f.namespace {
		return &storageError{http.StatusNotFound, "NamespaceNotFound",
			fmt.Sprintf("namespace %q does not exist (the fake's is %q)", rt.namespace, f.namespace)}
	}
	if !f.bucketExists(rt.bucket) {
		return &storageError{http.StatusNotFound, "BucketNotFound",
			fmt.Sprintf("bucket %q does not exist in namespace %q", rt.bucket, rt.namespace)}
	}
	switch rt.op {
	case StorageHeadBucket, StorageGetBucket:
		return f.getBucket(w, rt)
	case StorageList:
		return f.listObjects(w, r, rt)
	case StoragePut:
		return f.putObject(w, r, rt, fl)
	case StorageGet, StorageHead:
		return f.getObject(w, r, rt, fl)
	case StorageDelete:
		return f.deleteObject(w, r, rt)
	case StorageCreateMultipart:
		return f.createMultipart(w, r, rt, fl)
	case StorageListMultipart:
		return f.listMultipart(w, r, rt)
	case StorageUploadPart:
		return f.uploadPart(w, r, rt, fl)
	case StorageCommitMultipart:
		return f.commitMultipart(w, r, rt, fl)
	case StorageAbortMultipart:
		return f.abortMultipart(w, r, rt)
	}
	return &storageError{http.StatusInternalServerError, "InternalServerError", "unrouted operation " + string(rt.op)}
}

// carriesBody reports whether requests of op have a body.
func carriesBody(op StorageOp) bool {
	switch op {
	case StoragePut, StorageUploadPart, StorageCreateMultipart, StorageCommitMultipart:
		return true
	}
	return false
}

func (f *ObjectStorage) bucketExists(bucket string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.store.buckets[bucket] != nil
}

// storageError is an error answer of the service.
type storageError struct {
	status        int
	code, message string
}

func (e *storageError) write(w http.ResponseWriter) {
	writeServiceError(w, e.status, e.code, e.message)
}

// invalid is a 400 InvalidParameter.
func invalid(format string, args ...any) *storageError {
	return &storageError{http.StatusBadRequest, "InvalidParameter", fmt.Sprintf(format, args...)}
}

// objectNotFound is the 404 of a missing object.
func objectNotFound(bucket, object string) *storageError {
	return &storageError{http.StatusNotFound, "ObjectNotFound",
		fmt.Sprintf("object %q does not exist in bucket %q", object, bucket)}
}

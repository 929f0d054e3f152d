package ocifake_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

func TestObjectStorageNamespaceAndBuckets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startStorage(t, ocifake.ObjectStorageOptions{})

	ns, err := c.GetNamespace(ctx, objectstorage.GetNamespaceRequest{})
	if err != nil || *ns.Value != testNS {
		t.Fatalf("GetNamespace = %v, %v; want %s", ns.Value, err, testNS)
	}
	head, err := c.HeadBucket(ctx, objectstorage.HeadBucketRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket)})
	if err != nil || head.ETag == nil {
		t.Fatalf("HeadBucket %s: %v, %v", testBucket, head, err)
	}
	b, err := c.GetBucket(ctx, objectstorage.GetBucketRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket)})
	if err != nil || *b.Name != testBucket || *b.Namespace != testNS {
		t.Fatalf("GetBucket %s: %v, %v", testBucket, b.Bucket, err)
	}

	_, err = c.HeadBucket(ctx, objectstorage.HeadBucketRequest{NamespaceName: common.String(testNS), BucketName: common.String("missing")})
	wantServiceError(t, err, http.StatusNotFound, "")
	_, err = c.GetBucket(ctx, objectstorage.GetBucketRequest{NamespaceName: common.String(testNS), BucketName: common.String("missing")})
	wantServiceError(t, err, http.StatusNotFound, "BucketNotFound")
	_, err = c.GetBucket(ctx, objectstorage.GetBucketRequest{NamespaceName: common.String("otherns"), BucketName: common.String(testBucket)})
	wantServiceError(t, err, http.StatusNotFound, "NamespaceNotFound")
}

func TestObjectStorageOptions(t *testing.T) {
	t.Parallel()
	if _, err := ocifake.NewObjectStorage(ocifake.ObjectStorageOptions{Buckets: []string{"photos/2026"}}); err == nil || !strings.Contains(err.Error(), "photos/2026") {
		t.Errorf("a bucket name with a slash: error %v, want one naming it", err)
	}
	f, c := startStorage(t, ocifake.ObjectStorageOptions{Namespace: "tenancyns", Buckets: []string{"a", "b"}})
	ns, err := c.GetNamespace(context.Background(), objectstorage.GetNamespaceRequest{})
	if err != nil || *ns.Value != "tenancyns" {
		t.Errorf("GetNamespace = %v, %v; want tenancyns", ns.Value, err)
	}
	if f.Objects("a") == nil || f.Objects("c") != nil {
		t.Errorf("Objects(a) = %v, Objects(c) = %v: want an empty bucket and none", f.Objects("a"), f.Objects("c"))
	}
}

func TestObjectStoragePutGetHeadDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	const name = "photos/2026/a b+c é.jpg"
	const content = "\xff\xd8 jpeg bytes"
	put, err := c.PutObject(ctx, objectstorage.PutObjectRequest{
		NamespaceName: common.String(testNS),
		BucketName:    common.String(testBucket),
		ObjectName:    common.String(name),
		ContentLength: common.Int64(int64(len(content))),
		ContentType:   common.String("image/jpeg"),
		ContentMD5:    common.String(md5Base64(content)),
		OpcMeta:       map[string]string{"Owner": "alice"},
		PutObjectBody: io.NopCloser(strings.NewReader(content)),
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if put.ETag == nil || put.OpcContentMd5 == nil || *put.OpcContentMd5 != md5Base64(content) || put.LastModified == nil {
		t.Fatalf("PutObject answered ETag %v, opc-content-md5 %v, last-modified %v", put.ETag, put.OpcContentMd5, put.LastModified)
	}

	get, err := c.GetObject(ctx, objectstorage.GetObjectRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String(name)})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	body, _ := io.ReadAll(get.Content)
	get.Content.Close()
	if string(body) != content {
		t.Errorf("GetObject content %q, want %q", body, content)
	}
	if *get.ETag != *put.ETag || *get.ContentType != "image/jpeg" || *get.ContentLength != int64(len(content)) ||
		*get.ContentMd5 != md5Base64(content) || get.OpcMeta["owner"] != "alice" || get.LastModified == nil {
		t.Errorf("GetObject headers: etag %s, type %s, length %d, md5 %s, meta %v, last-modified %v",
			*get.ETag, *get.ContentType, *get.ContentLength, *get.ContentMd5, get.OpcMeta, get.LastModified)
	}

	head, err := c.HeadObject(ctx, objectstorage.HeadObjectRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String(name)})
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if *head.ETag != *put.ETag || *head.ContentLength != int64(len(content)) || *head.ContentType != "image/jpeg" {
		t.Errorf("HeadObject: etag %s, length %d, type %s", *head.ETag, *head.ContentLength, *head.ContentType)
	}
	want := []ocifake.StoredObject{{Name: name, Size: int64(len(content)), ContentType: "image/jpeg", MD5: md5Base64(content)}}
	if got := f.Objects(testBucket); !slices.Equal(got, want) {
		t.Errorf("Objects = %v, want %v", got, want)
	}

	if _, err := c.DeleteObject(ctx, objectstorage.DeleteObjectRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String(name)}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	_, err = getObject(c, name)
	wantServiceError(t, err, http.StatusNotFound, "ObjectNotFound")
	_, err = c.HeadObject(ctx, objectstorage.HeadObjectRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String(name)})
	wantServiceError(t, err, http.StatusNotFound, "")
	_, err = c.DeleteObject(ctx, objectstorage.DeleteObjectRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String(name)})
	wantServiceError(t, err, http.StatusNotFound, "ObjectNotFound")
	if got := f.Objects(testBucket); len(got) != 0 {
		t.Errorf("Objects after the delete = %v, want none", got)
	}
	if got := f.OpCount(ocifake.StoragePut); got != 1 {
		t.Errorf("OpCount(put) = %d, want 1", got)
	}
}

func TestObjectStoragePutRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	put := func(name, content, md5 string) error {
		_, err := c.PutObject(ctx, objectstorage.PutObjectRequest{
			NamespaceName: common.String(testNS),
			BucketName:    common.String(testBucket),
			ObjectName:    common.String(name),
			ContentLength: common.Int64(int64(len(content))),
			ContentMD5:    common.String(md5),
			PutObjectBody: io.NopCloser(strings.NewReader(content)),
		})
		return err
	}
	wantServiceError(t, put("a.jpg", "content", md5Base64("other content")), http.StatusBadRequest, "InvalidParameter")
	wantServiceError(t, put(strings.Repeat("n", 1025), "content", md5Base64("content")), http.StatusBadRequest, "InvalidParameter")
	wantServiceError(t, put("line\nfeed", "content", md5Base64("content")), http.StatusBadRequest, "InvalidParameter")
	_, err := c.PutObject(ctx, objectstorage.PutObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String("missing"), ObjectName: common.String("a.jpg"),
		ContentLength: common.Int64(1), PutObjectBody: io.NopCloser(strings.NewReader("x")),
	})
	wantServiceError(t, err, http.StatusNotFound, "BucketNotFound")
	if got := f.Objects(testBucket); len(got) != 0 {
		t.Errorf("Objects = %v, want none: every put was refused", got)
	}
}

func TestObjectStorageConditionalPut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startStorage(t, ocifake.ObjectStorageOptions{})
	put := func(content string, ifMatch, ifNoneMatch *string) (string, error) {
		resp, err := c.PutObject(ctx, objectstorage.PutObjectRequest{
			NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("avatar"),
			ContentLength: common.Int64(int64(len(content))), PutObjectBody: io.NopCloser(strings.NewReader(content)),
			IfMatch: ifMatch, IfNoneMatch: ifNoneMatch,
		})
		if err != nil {
			return "", err
		}
		return *resp.ETag, nil
	}
	first, err := put("one", nil, common.String("*"))
	if err != nil {
		t.Fatalf("put if-none-match * of a new object: %v", err)
	}
	_, err = put("two", nil, common.String("*"))
	wantServiceError(t, err, http.StatusPreconditionFailed, "IfNoneMatchFailed")
	second, err := put("three", common.String(first), nil)
	if err != nil {
		t.Fatalf("put if-match the current ETag: %v", err)
	}
	_, err = put("four", common.String(first), nil)
	wantServiceError(t, err, http.StatusPreconditionFailed, "IfMatchFailed")
	if got, err := getObject(c, "avatar"); err != nil || got != "three" {
		t.Errorf("content %q, %v; want three", got, err)
	}
	if second == first {
		t.Error("a new put kept the ETag")
	}
	resp, err := c.GetObject(ctx, objectstorage.GetObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("avatar"),
		IfNoneMatch: common.String(second),
	})
	if err != nil || resp.RawResponse.StatusCode != http.StatusNotModified {
		t.Errorf("GetObject if-none-match the current ETag: %v, %v; want 304", resp.RawResponse, err)
	}
}

func TestObjectStorageRangeReads(t *testing.T) {
	t.Parallel()
	_, c := startStorage(t, ocifake.ObjectStorageOptions{})
	const content = "0123456789"
	putObject(t, c, "digits", content)
	tests := []struct {
		rng, want, contentRange string
		status                  int
	}{
		{"bytes=0-4", "01234", "bytes 0-4/10", http.StatusPartialContent},
		{"bytes=5-", "56789", "bytes 5-9/10", http.StatusPartialContent},
		{"bytes=-3", "789", "bytes 7-9/10", http.StatusPartialContent},
		{"bytes=-30", content, "bytes 0-9/10", http.StatusPartialContent},
		{"bytes=8-100", "89", "bytes 8-9/10", http.StatusPartialContent},
		{"bytes=9-9", "9", "bytes 9-9/10", http.StatusPartialContent},
		{"bytes=10-", "", "bytes */10", http.StatusRequestedRangeNotSatisfiable},
		{"bytes=5-2", "", "bytes */10", http.StatusRequestedRangeNotSatisfiable},
		{"bytes=-0", "", "bytes */10", http.StatusRequestedRangeNotSatisfiable},
		{"bytes=0-1,4-5", "", "", http.StatusBadRequest},
		{"items=0-1", "", "", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.rng, func(t *testing.T) {
			t.Parallel()
			resp, err := c.GetObject(context.Background(), objectstorage.GetObjectRequest{
				NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("digits"),
				Range: common.String(tc.rng),
			})
			if tc.status != http.StatusPartialContent {
				wantServiceError(t, err, tc.status, "")
				if got := resp.RawResponse.Header.Get("Content-Range"); got != tc.contentRange {
					t.Errorf("Content-Range %q, want %q", got, tc.contentRange)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			defer resp.Content.Close()
			body, _ := io.ReadAll(resp.Content)
			if resp.RawResponse.StatusCode != tc.status || string(body) != tc.want || *resp.ContentRange != tc.contentRange || *resp.ContentLength != int64(len(tc.want)) {
				t.Errorf("status %d, body %q, Content-Range %q, length %d; want %d %q %q",
					resp.RawResponse.StatusCode, body, *resp.ContentRange, *resp.ContentLength, tc.status, tc.want, tc.contentRange)
			}
		})
	}
}

func TestObjectStorageListPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startStorage(t, ocifake.ObjectStorageOptions{})
	var want []string
	for i := range 25 {
		name := fmt.Sprintf("img-%02d", i)
		putObject(t, c, name, strings.Repeat("x", i))
		want = append(want, name)
	}
	putObject(t, c, "other", "y")

	list := func(start *string, limit int, fields *string) objectstorage.ListObjectsResponse {
		t.Helper()
		resp, err := c.ListObjects(ctx, objectstorage.ListObjectsRequest{
			NamespaceName: common.String(testNS), BucketName: common.String(testBucket),
			Prefix: common.String("img-"), Start: start, Limit: common.Int(limit), Fields: fields,
		})
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		return resp
	}
	var got []string
	var start *string
	pages := 0
	for {
		page := list(start, 10, common.String("name,size,md5,timeCreated,etag"))
		pages++
		for _, o := range page.Objects {
			got = append(got, *o.Name)
			if o.Size == nil || o.Md5 == nil || o.TimeCreated == nil || o.Etag == nil {
				t.Fatalf("summary of %s lacks a field asked for: %+v", *o.Name, o)
			}
			var i int64
			if fmt.Sscanf(*o.Name, "img-%d", &i); *o.Size != i {
				t.Errorf("%s has size %d, want %d", *o.Name, *o.Size, i)
			}
		}
		if page.NextStartWith == nil {
			break
		}
		start = page.NextStartWith
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("%d pages of %v, want 3 of %v", pages, got, want)
	}

	names := list(common.String("img-20"), 3, nil)
	if len(names.Objects) != 3 || *names.Objects[0].Name != "img-20" || *names.NextStartWith != "img-23" {
		t.Errorf("from img-20, 3: %d objects from %s, next %v", len(names.Objects), *names.Objects[0].Name, names.NextStartWith)
	}
	if o := names.Objects[0]; o.Size != nil || o.Md5 != nil {
		t.Errorf("without fields, the summary has more than the name: %+v", o)
	}

	_, err := c.ListObjects(ctx, objectstorage.ListObjectsRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket), Limit: common.Int(1001)})
	wantServiceError(t, err, http.StatusBadRequest, "InvalidParameter")
	_, err = c.ListObjects(ctx, objectstorage.ListObjectsRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket), Fields: common.String("name,colour")})
	wantServiceError(t, err, http.StatusBadRequest, "InvalidParameter")
}

func TestObjectStorageWrongKey(t *testing.T) {
	t.Parallel()
	f, url := ocifake.StartObjectStorage(t, ocifake.ObjectStorageOptions{
		Buckets:  []string{testBucket},
		Verifier: &ocifake.Verifier{Keys: []ocifake.Key{ocifake.NewKey(t)}},
	})
	c := storageClient(t, url, ocifake.NewKey(t))
	_, err := c.PutObject(context.Background(), objectstorage.PutObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("a"),
		ContentLength: common.Int64(1), PutObjectBody: io.NopCloser(strings.NewReader("x")),
	})
	wantServiceError(t, err, http.StatusUnauthorized, "NotAuthenticated")
	_, err = getObject(c, "a")
	wantServiceError(t, err, http.StatusUnauthorized, "NotAuthenticated")
	if got := f.Objects(testBucket); len(got) != 0 {
		t.Errorf("Objects = %v after a refused put", got)
	}
	if got := f.OpCount(ocifake.StoragePut); got != 0 {
		t.Errorf("OpCount(put) = %d, want 0 for a refused signature", got)
	}
}

func TestObjectStorageWithoutVerifier(t *testing.T) {
	t.Parallel()
	f, url := ocifake.StartObjectStorage(t, ocifake.ObjectStorageOptions{Buckets: []string{testBucket}})
	req, _ := http.NewRequest(http.MethodPut, url+"/n/"+testNS+"/b/"+testBucket+"/o/plain", strings.NewReader("unsigned"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(f.Objects(testBucket)) != 1 {
		t.Errorf("an unsigned put without a Verifier: status %d, objects %v", resp.StatusCode, f.Objects(testBucket))
	}
}

// A put whose body stops short stores nothing, and leaves the object it
// would have replaced as it was.
func TestObjectStoragePutIsAtomic(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	f, url, closed := startStorageServer(t, ocifake.ObjectStorageOptions{
		Buckets:  []string{testBucket},
		Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}},
	})
	c := storageClient(t, url, k)
	putObject(t, c, "kept", "the old content")

	once := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, name := range []string{"new", "kept"} {
		req, err := http.NewRequest(http.MethodPut, url+"/n/"+testNS+"/b/"+testBucket+"/o/"+name,
			io.MultiReader(strings.NewReader(strings.Repeat("z", 1000)), failingReader{}))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = 5000
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		if err := common.RequestSignerExcludeBody(provider(t, k)).Sign(req); err != nil {
			t.Fatal(err)
		}
		if resp, err := once.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("a put whose body failed after 1000 of 5000 bytes was answered %d", resp.StatusCode)
		}
		awaitClosed(t, closed) // The fake is done with the request.
	}
	if got, err := getObject(c, "kept"); err != nil || got != "the old content" {
		t.Errorf("kept reads %q, %v; want the old content", got, err)
	}
	_, err := getObject(c, "new")
	wantServiceError(t, err, http.StatusNotFound, "ObjectNotFound")
	if got := f.Objects(testBucket); len(got) != 1 {
		t.Errorf("Objects = %v, want only kept", got)
	}
}

// failingReader fails every read, as a client's source that breaks.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("the source broke") }

func TestObjectStoragePersistsInDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := ocifake.NewKey(t)
	opts := ocifake.ObjectStorageOptions{Buckets: []string{testBucket}, Dir: dir, Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}}}
	f, url := ocifake.StartObjectStorage(t, opts)
	c := storageClient(t, url, k)
	putObject(t, c, "a/kept.jpg", "kept content")
	putObject(t, c, "replaced", "first")
	putObject(t, c, "replaced", "second")
	putObject(t, c, "deleted", "gone")
	if _, err := c.DeleteObject(context.Background(), objectstorage.DeleteObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("deleted"),
	}); err != nil {
		t.Fatal(err)
	}
	commitUpload(t, c, "multi", []string{"part one, ", "part two"})
	before := f.Objects(testBucket)

	again, url2 := ocifake.StartObjectStorage(t, opts)
	c2 := storageClient(t, url2, k)
	if got := again.Objects(testBucket); !slices.Equal(got, before) {
		t.Errorf("after a restart Objects = %v, want %v", got, before)
	}
	for name, want := range map[string]string{"a/kept.jpg": "kept content", "replaced": "second", "multi": "part one, part two"} {
		if got, err := getObject(c2, name); err != nil || got != want {
			t.Errorf("after a restart %s reads %q, %v; want %q", name, got, err, want)
		}
	}
	_, err := getObject(c2, "deleted")
	wantServiceError(t, err, http.StatusNotFound, "ObjectNotFound")
}

// TestObjectStorageReadersSurviveAReplace reads an object while it is
// replaced: the reader sees the content it opened.
func TestObjectStorageReadersSurviveAReplace(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"", t.TempDir()} {
		f, c := startStorage(t, ocifake.ObjectStorageOptions{Dir: dir})
		old := strings.Repeat("o", 64<<10)
		putObject(t, c, "photo", old)
		clear := f.InjectFault(ocifake.StorageFault{Op: ocifake.StorageGet, SlowBody: 5 * time.Millisecond})
		resp, err := c.GetObject(context.Background(), objectstorage.GetObjectRequest{
			NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("photo"),
		})
		if err != nil {
			t.Fatal(err)
		}
		clear()
		putObject(t, c, "photo", "new")
		got, err := io.ReadAll(resp.Content)
		resp.Content.Close()
		if err != nil || !bytes.Equal(got, []byte(old)) {
			t.Errorf("dir %q: a read begun before a replace got %d bytes, %v; want the %d old ones", dir, len(got), err, len(old))
		}
	}
}

// As on the service, an object's body need not be signed, but the JSON body
// of any other POST or PUT must be.
func TestObjectStorageBodySigning(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	f, url := ocifake.StartObjectStorage(t, ocifake.ObjectStorageOptions{
		Buckets:  []string{testBucket},
		Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}},
	})
	send := func(method, path, body string) int {
		t.Helper()
		req, err := http.NewRequest(method, url+"/n/"+testNS+"/b/"+testBucket+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		req.Header.Set("Content-Type", "application/json")
		if err := common.RequestSignerExcludeBody(provider(t, k)).Sign(req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send(http.MethodPut, "/o/photo", "bytes"); got != http.StatusOK {
		t.Errorf("PutObject with an unsigned body: status %d, want 200", got)
	}
	if got := send(http.MethodPost, "/u", `{"object":"big"}`); got != http.StatusUnauthorized {
		t.Errorf("CreateMultipartUpload with an unsigned body: status %d, want 401", got)
	}
	if got := f.OpCount(ocifake.StorageCreateMultipart); got != 0 {
		t.Errorf("OpCount(createmultipart) = %d, want 0", got)
	}
}

package ocifake_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

// createUpload starts a multipart upload of name in testBucket.
func createUpload(t *testing.T, c objectstorage.ObjectStorageClient, name string) string {
	t.Helper()
	resp, err := c.CreateMultipartUpload(context.Background(), objectstorage.CreateMultipartUploadRequest{
		NamespaceName: common.String(testNS),
		BucketName:    common.String(testBucket),
		CreateMultipartUploadDetails: objectstorage.CreateMultipartUploadDetails{
			Object:      common.String(name),
			ContentType: common.String("image/png"),
			Metadata:    map[string]string{"owner": "bob"},
		},
	})
	if err != nil {
		t.Fatalf("CreateMultipartUpload %s: %v", name, err)
	}
	if *resp.Object != name || *resp.Bucket != testBucket || *resp.Namespace != testNS || resp.UploadId == nil {
		t.Fatalf("CreateMultipartUpload answered %+v", resp.MultipartUpload)
	}
	return *resp.UploadId
}

// uploadPart uploads content as part num, and returns its ETag.
func uploadPart(c objectstorage.ObjectStorageClient, name, uploadID string, num int, content string) (string, error) {
	resp, err := c.UploadPart(context.Background(), objectstorage.UploadPartRequest{
		NamespaceName:  common.String(testNS),
		BucketName:     common.String(testBucket),
		ObjectName:     common.String(name),
		UploadId:       common.String(uploadID),
		UploadPartNum:  common.Int(num),
		ContentLength:  common.Int64(int64(len(content))),
		ContentMD5:     common.String(md5Base64(content)),
		UploadPartBody: io.NopCloser(strings.NewReader(content)),
	})
	if err != nil {
		return "", err
	}
	return *resp.ETag, nil
}

// commit commits parts (part number → ETag) of an upload.
func commit(c objectstorage.ObjectStorageClient, name, uploadID string, parts map[int]string) (objectstorage.CommitMultipartUploadResponse, error) {
	var details []objectstorage.CommitMultipartUploadPartDetails
	for num, etag := range parts {
		details = append(details, objectstorage.CommitMultipartUploadPartDetails{PartNum: common.Int(num), Etag: common.String(etag)})
	}
	return c.CommitMultipartUpload(context.Background(), objectstorage.CommitMultipartUploadRequest{
		NamespaceName:                common.String(testNS),
		BucketName:                   common.String(testBucket),
		ObjectName:                   common.String(name),
		UploadId:                     common.String(uploadID),
		CommitMultipartUploadDetails: objectstorage.CommitMultipartUploadDetails{PartsToCommit: details},
	})
}

// commitUpload uploads parts as an object name in one multipart upload.
func commitUpload(t *testing.T, c objectstorage.ObjectStorageClient, name string, parts []string) objectstorage.CommitMultipartUploadResponse {
	t.Helper()
	id := createUpload(t, c, name)
	etags := make(map[int]string)
	for i, p := range parts {
		etag, err := uploadPart(c, name, id, i+1, p)
		if err != nil {
			t.Fatalf("UploadPart %d of %s: %v", i+1, name, err)
		}
		etags[i+1] = etag
	}
	resp, err := commit(c, name, id, etags)
	if err != nil {
		t.Fatalf("CommitMultipartUpload %s: %v", name, err)
	}
	return resp
}

// listUploads lists the uploads in progress in testBucket, limit a page.
func listUploads(t *testing.T, c objectstorage.ObjectStorageClient, limit int) []string {
	t.Helper()
	var ids []string
	var page *string
	for {
		resp, err := c.ListMultipartUploads(context.Background(), objectstorage.ListMultipartUploadsRequest{
			NamespaceName: common.String(testNS), BucketName: common.String(testBucket), Limit: common.Int(limit), Page: page,
		})
		if err != nil {
			t.Fatalf("ListMultipartUploads: %v", err)
		}
		for _, u := range resp.Items {
			ids = append(ids, *u.UploadId)
		}
		if resp.OpcNextPage == nil {
			return ids
		}
		page = resp.OpcNextPage
	}
}

func TestObjectStorageMultipartUpload(t *testing.T) {
	t.Parallel()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	const name = "photos/big.png"
	id := createUpload(t, c, name)
	parts := []string{strings.Repeat("a", 5000), "bb", strings.Repeat("c", 3)}
	etags := make(map[int]string)
	for i, p := range parts {
		etag, err := uploadPart(c, name, id, i+1, p)
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		etags[i+1] = etag
	}
	// A part uploaded again replaces the first.
	parts[1] = "BB"
	etag, err := uploadPart(c, name, id, 2, parts[1])
	if err != nil {
		t.Fatalf("UploadPart 2 again: %v", err)
	}
	stale := etags[2]
	etags[2] = etag

	if got := listUploads(t, c, 10); len(got) != 1 || got[0] != id {
		t.Errorf("uploads in progress %v, want [%s]", got, id)
	}
	if got := f.Objects(testBucket); len(got) != 0 {
		t.Errorf("before the commit Objects = %v, want none", got)
	}
	_, err = getObject(c, name)
	wantServiceError(t, err, http.StatusNotFound, "ObjectNotFound")

	_, err = commit(c, name, id, map[int]string{1: etags[1], 2: stale, 3: etags[3]})
	wantServiceError(t, err, http.StatusBadRequest, "InvalidParameter")
	_, err = commit(c, name, id, map[int]string{1: etags[1], 4: etags[3]})
	wantServiceError(t, err, http.StatusBadRequest, "InvalidParameter")

	resp, err := commit(c, name, id, etags)
	if err != nil {
		t.Fatalf("CommitMultipartUpload: %v", err)
	}
	digests := md5.New()
	for _, p := range parts {
		sum := md5.Sum([]byte(p))
		digests.Write(sum[:])
	}
	wantMD5 := base64.StdEncoding.EncodeToString(digests.Sum(nil)) + "-3"
	if resp.OpcMultipartMd5 == nil || *resp.OpcMultipartMd5 != wantMD5 || resp.ETag == nil {
		t.Errorf("commit answered opc-multipart-md5 %v, ETag %v; want %s", resp.OpcMultipartMd5, resp.ETag, wantMD5)
	}
	get, err := c.GetObject(context.Background(), objectstorage.GetObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String(name),
	})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	body, _ := io.ReadAll(get.Content)
	get.Content.Close()
	if want := strings.Join(parts, ""); string(body) != want {
		t.Errorf("the committed object has %d bytes, want the %d of its parts in order", len(body), len(want))
	}
	if *get.ContentType != "image/png" || get.OpcMeta["owner"] != "bob" || *get.OpcMultipartMd5 != wantMD5 || *get.ETag != *resp.ETag {
		t.Errorf("GetObject: type %s, meta %v, multipart md5 %v, etag %s", *get.ContentType, get.OpcMeta, *get.OpcMultipartMd5, *get.ETag)
	}
	if got := f.Objects(testBucket); len(got) != 1 || got[0].MD5 != wantMD5 || got[0].Size != int64(len(body)) {
		t.Errorf("Objects = %v, want %s with MD5 %s", got, name, wantMD5)
	}
	if got := listUploads(t, c, 10); len(got) != 0 {
		t.Errorf("uploads in progress after the commit: %v", got)
	}
	_, err = uploadPart(c, name, id, 4, "late")
	wantServiceError(t, err, http.StatusNotFound, "NoSuchUpload")
}

func TestObjectStorageMultipartAbortAndList(t *testing.T) {
	t.Parallel()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	var ids []string
	for i := range 5 {
		ids = append(ids, createUpload(t, c, "upload-"+strconv.Itoa(i)))
	}
	if got := listUploads(t, c, 2); len(got) != 5 || got[0] != ids[0] || got[4] != ids[4] {
		t.Errorf("uploads by pages of 2: %v, want %v", got, ids)
	}
	if _, err := uploadPart(c, "upload-0", ids[0], 1, "data"); err != nil {
		t.Fatal(err)
	}
	_, err := uploadPart(c, "upload-1", ids[0], 1, "data")
	wantServiceError(t, err, http.StatusNotFound, "NoSuchUpload")
	_, err = uploadPart(c, "upload-0", ids[0], 10001, "data")
	wantServiceError(t, err, http.StatusBadRequest, "InvalidParameter")

	abort := func(name, id string) error {
		_, err := c.AbortMultipartUpload(context.Background(), objectstorage.AbortMultipartUploadRequest{
			NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String(name), UploadId: common.String(id),
		})
		return err
	}
	if err := abort("upload-0", ids[0]); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	wantServiceError(t, abort("upload-0", ids[0]), http.StatusNotFound, "NoSuchUpload")
	_, err = commit(c, "upload-0", ids[0], map[int]string{1: "x"})
	wantServiceError(t, err, http.StatusNotFound, "NoSuchUpload")
	if got := listUploads(t, c, 1000); len(got) != 4 {
		t.Errorf("after one abort, %d uploads in progress, want 4", len(got))
	}
	if got := f.Objects(testBucket); len(got) != 0 {
		t.Errorf("Objects = %v, want none: nothing was committed", got)
	}
}

func TestObjectStorageMultipartInDir(t *testing.T) {
	t.Parallel()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{Dir: t.TempDir()})
	big := bytes.Repeat([]byte("0123456789"), 100<<10)
	commitUpload(t, c, "video", []string{string(big[:600<<10]), string(big[600<<10:])})
	got, err := getObject(c, "video")
	if err != nil || got != string(big) {
		t.Errorf("the object committed in a Dir has %d bytes, %v; want its %d", len(got), err, len(big))
	}
	if objs := f.Objects(testBucket); len(objs) != 1 || objs[0].Size != int64(len(big)) {
		t.Errorf("Objects = %v", objs)
	}
}

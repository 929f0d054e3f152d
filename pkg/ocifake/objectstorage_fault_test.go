package ocifake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

func TestObjectStorageStatusFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op     ocifake.StorageOp
		status int
		code   string
		call   func(c objectstorage.ObjectStorageClient) error
	}{
		{ocifake.StorageGet, http.StatusServiceUnavailable, "ServiceUnavailable", func(c objectstorage.ObjectStorageClient) error {
			_, err := getObject(c, "photo")
			return err
		}},
		{ocifake.StoragePut, http.StatusTooManyRequests, "TooManyRequests", func(c objectstorage.ObjectStorageClient) error {
			_, err := c.PutObject(context.Background(), objectstorage.PutObjectRequest{
				NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("photo"),
				ContentLength: common.Int64(3), PutObjectBody: io.NopCloser(strings.NewReader("new")),
			})
			return err
		}},
		{ocifake.StorageList, http.StatusInternalServerError, "InternalServerError", func(c objectstorage.ObjectStorageClient) error {
			_, err := c.ListObjects(context.Background(), objectstorage.ListObjectsRequest{NamespaceName: common.String(testNS), BucketName: common.String(testBucket)})
			return err
		}},
		{ocifake.StorageDelete, http.StatusServiceUnavailable, "ServiceUnavailable", func(c objectstorage.ObjectStorageClient) error {
			_, err := c.DeleteObject(context.Background(), objectstorage.DeleteObjectRequest{
				NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("photo"),
			})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.op), func(t *testing.T) {
			t.Parallel()
			f, c := startStorage(t, ocifake.ObjectStorageOptions{})
			putObject(t, c, "photo", "old")
			f.InjectFault(ocifake.StorageFault{Op: tc.op, HTTPStatus: tc.status, Times: 2})
			for range 2 {
				wantServiceError(t, tc.call(c), tc.status, tc.code)
			}
			if got, err := getObject(c, "photo"); err != nil || got != "old" {
				t.Errorf("after the faults photo reads %q, %v; want old: a faulted request is not applied", got, err)
			}
			if err := tc.call(c); err != nil {
				t.Errorf("after Times hits the fault is gone, but: %v", err)
			}
			if got := f.OpCount(tc.op); got < 3 {
				t.Errorf("OpCount(%s) = %d, want the faulted requests counted", tc.op, got)
			}
		})
	}
}

func TestObjectStorageFaultMatching(t *testing.T) {
	t.Parallel()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	putObject(t, c, "private/a", "p")
	putObject(t, c, "public/a", "q")
	clear := f.InjectFault(ocifake.StorageFault{Object: "private/", HTTPStatus: http.StatusServiceUnavailable})
	_, err := getObject(c, "private/a")
	wantServiceError(t, err, http.StatusServiceUnavailable, "ServiceUnavailable")
	if got, err := getObject(c, "public/a"); err != nil || got != "q" {
		t.Errorf("an object outside the fault's prefix: %q, %v", got, err)
	}
	clear()
	if got, err := getObject(c, "private/a"); err != nil || got != "p" {
		t.Errorf("after clear: %q, %v", got, err)
	}
}

func TestObjectStorageDelayFault(t *testing.T) {
	t.Parallel()
	f, url, closed := startStorageServer(t, ocifake.ObjectStorageOptions{Buckets: []string{testBucket}})
	c := storageClient(t, url, ocifake.NewKey(t))
	putObject(t, c, "photo", "old")

	const delay = 150 * time.Millisecond
	f.InjectFault(ocifake.StorageFault{Op: ocifake.StorageHead, Delay: delay, Times: 1})
	start := time.Now()
	if _, err := c.HeadObject(context.Background(), objectstorage.HeadObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("photo"),
	}); err != nil {
		t.Fatalf("a delayed HeadObject: %v", err)
	}
	if took := time.Since(start); took < delay {
		t.Errorf("a HeadObject delayed %v was answered in %v", delay, took)
	}

	// A client that gives up during the delay leaves nothing applied. (The
	// SDK is not used here: its retry loop races when a context ends.)
	f.InjectFault(ocifake.StorageFault{Op: ocifake.StoragePut, Delay: 10 * time.Second, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url+"/n/"+testNS+"/b/"+testBucket+"/o/photo", strings.NewReader("new"))
	if err != nil {
		t.Fatal(err)
	}
	once := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := once.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a PutObject that gave up: error %v, want the deadline", err)
	}
	awaitClosed(t, closed) // The fake is done with the request.
	if got, err := getObject(c, "photo"); err != nil || got != "old" {
		t.Errorf("after the abandoned put photo reads %q, %v; want old", got, err)
	}
}

func TestObjectStorageSlowBodyFault(t *testing.T) {
	t.Parallel()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	content := strings.Repeat("s", 16<<10) // four 4 KiB chunks, three pauses
	putObject(t, c, "photo", content)
	const pause = 40 * time.Millisecond
	f.InjectFault(ocifake.StorageFault{Op: ocifake.StorageGet, SlowBody: pause})
	start := time.Now()
	got, err := getObject(c, "photo")
	if err != nil || got != content {
		t.Fatalf("a slow GetObject read %d bytes, %v; want %d", len(got), err, len(content))
	}
	if took := time.Since(start); took < 3*pause {
		t.Errorf("a body sent in four chunks %v apart arrived in %v", pause, took)
	}
}

func TestObjectStorageCutGet(t *testing.T) {
	t.Parallel()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	content := strings.Repeat("0123456789", 2000)
	putObject(t, c, "photo", content)
	f.InjectFault(ocifake.StorageFault{Op: ocifake.StorageGet, CutAfter: 5000, Times: 1})
	resp, err := c.GetObject(context.Background(), objectstorage.GetObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("photo"),
	})
	if err != nil {
		t.Fatalf("GetObject: %v (the cut comes in the body)", err)
	}
	got, err := io.ReadAll(resp.Content)
	resp.Content.Close()
	if err == nil || len(got) != 5000 || string(got) != content[:5000] {
		t.Errorf("a GET cut after 5000 bytes read %d bytes with error %v; want the first 5000 and an error", len(got), err)
	}
	if got, err := getObject(c, "photo"); err != nil || got != content {
		t.Errorf("the next GET read %d bytes, %v", len(got), err)
	}
}

func TestObjectStorageCutUploads(t *testing.T) {
	t.Parallel()
	f, c := startStorage(t, ocifake.ObjectStorageOptions{})
	putObject(t, c, "photo", "old")
	body := strings.Repeat("n", 10000)

	f.InjectFault(ocifake.StorageFault{Op: ocifake.StoragePut, CutAfter: 4096, Times: 1})
	_, err := c.PutObject(context.Background(), objectstorage.PutObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("photo"),
		ContentLength: common.Int64(int64(len(body))), PutObjectBody: io.NopCloser(strings.NewReader(body)),
	})
	if _, isService := common.IsServiceError(err); err == nil || isService {
		t.Fatalf("a PutObject cut after 4096 bytes: error %v, want a broken connection", err)
	}
	if got, err := getObject(c, "photo"); err != nil || got != "old" {
		t.Errorf("after the cut put photo reads %q, %v; want old", got, err)
	}

	id := createUpload(t, c, "big")
	f.InjectFault(ocifake.StorageFault{Op: ocifake.StorageUploadPart, CutAfter: 100, Times: 1})
	if _, err := uploadPart(c, "big", id, 1, body); err == nil {
		t.Fatal("an UploadPart cut after 100 bytes succeeded")
	}
	_, err = commit(c, "big", id, map[int]string{1: "no etag"})
	wantServiceError(t, err, http.StatusBadRequest, "InvalidParameter") // part 1 was not stored
	etag, err := uploadPart(c, "big", id, 1, body)
	if err != nil {
		t.Fatalf("UploadPart after the cut: %v", err)
	}
	if _, err := commit(c, "big", id, map[int]string{1: etag}); err != nil {
		t.Fatalf("commit after the cut: %v", err)
	}

	f.InjectFault(ocifake.StorageFault{Op: ocifake.StorageDelete, CutAfter: 1, Times: 1})
	if _, err := c.DeleteObject(context.Background(), objectstorage.DeleteObjectRequest{
		NamespaceName: common.String(testNS), BucketName: common.String(testBucket), ObjectName: common.String("photo"),
	}); err == nil {
		t.Fatal("a cut DeleteObject succeeded")
	}
	if got := f.Objects(testBucket); len(got) != 2 {
		t.Errorf("Objects = %v, want photo and big: the cut delete is not applied", got)
	}
}

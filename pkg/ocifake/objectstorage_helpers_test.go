package ocifake_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

// The namespace and bucket of the Object Storage tests.
const (
	testNS     = "fotogalns"
	testBucket = "fotogal_bucket_images"
)

// startStorage starts a fake with o, with testBucket and a Verifier of a new
// key when o has none, and returns it with an SDK client signing with that
// key.
func startStorage(t *testing.T, o ocifake.ObjectStorageOptions) (*ocifake.ObjectStorage, objectstorage.ObjectStorageClient) {
	t.Helper()
	k := ocifake.NewKey(t)
	if o.Verifier == nil {
		o.Verifier = &ocifake.Verifier{Keys: []ocifake.Key{k}}
	}
	if o.Buckets == nil {
		o.Buckets = []string{testBucket}
	}
	f, url := ocifake.StartObjectStorage(t, o)
	return f, storageClient(t, url, k)
}

// startStorageServer starts a fake with o and returns it, its URL, and a
// channel that receives each time the server closes a connection: after
// the handler of the connection's last request has returned.
func startStorageServer(t *testing.T, o ocifake.ObjectStorageOptions) (*ocifake.ObjectStorage, string, <-chan struct{}) {
	t.Helper()
	f, err := ocifake.NewObjectStorage(o)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{}, 100)
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return f, srv.URL, closed
}

// awaitClosed waits for the server to close a connection.
func awaitClosed(t *testing.T, closed <-chan struct{}) {
	t.Helper()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the fake did not close the connection in 5s")
	}
}

// storageClient is the OCI SDK's Object Storage client of the fake at url,
// signing with k, with no retries so that the tests see every failure.
func storageClient(t *testing.T, url string, k ocifake.Key) objectstorage.ObjectStorageClient {
	t.Helper()
	c, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(provider(t, k))
	if err != nil {
		t.Fatal(err)
	}
	noRetry := common.NoRetryPolicy()
	// This also sets Host from the region, so it comes first.
	c.SetCustomClientConfiguration(common.CustomClientConfiguration{RetryPolicy: &noRetry})
	c.Host = url
	return c
}

// putObject puts content as name into testBucket, and returns its ETag.
func putObject(t *testing.T, c objectstorage.ObjectStorageClient, name, content string) string {
	t.Helper()
	resp, err := c.PutObject(context.Background(), objectstorage.PutObjectRequest{
		NamespaceName: common.String(testNS),
		BucketName:    common.String(testBucket),
		ObjectName:    common.String(name),
		ContentLength: common.Int64(int64(len(content))),
		PutObjectBody: io.NopCloser(bytes.NewReader([]byte(content))),
	})
	if err != nil {
		t.Fatalf("PutObject %s: %v", name, err)
	}
	return *resp.ETag
}

// getObject reads name of testBucket whole.
func getObject(c objectstorage.ObjectStorageClient, name string) (string, error) {
	resp, err := c.GetObject(context.Background(), objectstorage.GetObjectRequest{
		NamespaceName: common.String(testNS),
		BucketName:    common.String(testBucket),
		ObjectName:    common.String(name),
	})
	if err != nil {
		return "", err
	}
	defer resp.Content.Close()
	b, err := io.ReadAll(resp.Content)
	return string(b), err
}

// wantServiceError fails the test unless err is the service's error with
// status and, unless "", code.
func wantServiceError(t *testing.T, err error, status int, code string) {
	t.Helper()
	se, ok := common.IsServiceError(err)
	if !ok {
		t.Fatalf("error %v, want the service's %d %s", err, status, code)
	}
	if se.GetHTTPStatusCode() != status || (code != "" && se.GetCode() != code) {
		t.Fatalf("error %d %s (%s), want %d %s", se.GetHTTPStatusCode(), se.GetCode(), se.GetMessage(), status, code)
	}
}

// md5Base64 is the base64 MD5 of s, as Content-MD5 carries it.
func md5Base64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

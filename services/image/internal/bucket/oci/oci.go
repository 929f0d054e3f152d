package oci

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net"
	"net/http"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/fotogal/fotogal/services/image/internal/bucket"
)

// maxNameLen is the longest object name Object Storage accepts, in bytes.
const maxNameLen = 1024

// listPageSize is how many objects List asks for at once, the most
// ListObjects returns.
const listPageSize = 1000

// Bucket is a bucket.Bucket in an Object Storage bucket. It is safe for
// concurrent use.
type Bucket struct {
	cfg       Config
	client    objectstorage.ObjectStorageClient
	transport *http.Transport
	// listPage is how many objects a ListObjects asks for.
	listPage int
}

var _ bucket.Bucket = (*Bucket)(nil)

// Open returns the bucket cfg names, reached with the identity provider
// signs as. It looks the namespace up when cfg leaves it empty and checks
// that the bucket exists and the identity may see it, so that a bad
// setting stops the binary at start with a message naming it. Zero fields
// of cfg take the defaults of LoadConfig.
func Open(ctx context.Context, cfg Config, provider common.ConfigurationProvider) (*Bucket, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(provider)
	if err != nil {
		return nil, fmt.Errorf("object storage client (FOTOGAL_OCI_AUTH, FOTOGAL_OCI_REGION): %w", err)
	}
	if cfg.Region != "" {
		client.SetRegion(cfg.Region)
	}
	if cfg.Endpoint != "" {
		client.Host = cfg.Endpoint
	}
	// Retries are the adapter's (see retry): the SDK's would nest inside
	// them. Its circuit breaker would turn a burst of throttling into
	// refusing every request for half a minute.
	noRetry := common.NoRetryPolicy()
	client.Configuration.RetryPolicy = &noRetry
	client.Configuration.CircuitBreaker = nil
	b := &Bucket{cfg: cfg, client: client, transport: newTransport(cfg.RequestTimeout), listPage: listPageSize}
	b.client.HTTPClient = &http.Client{Transport: attemptTransport{b.transport}}

	if b.cfg.Namespace == "" {
		if err := b.lookUpNamespace(ctx); err != nil {
			b.Close()
			return nil, err
		}
	}
	if err := b.headBucket(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// newTransport returns the HTTP transport of a bucket. It has no overall
// timeout, which would cut a large body that is still moving; connecting,
// the TLS handshake and the wait for an answer are bounded by limit, and
// the attempts' watchdogs bound the rest.
func newTransport(limit time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: limit, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = limit
	t.ResponseHeaderTimeout = limit
	// The image service reads and writes many objects at once, all on one
	// host: keep enough connections for them.
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 64
	return t
}

// Close releases the bucket's idle connections. Objects being read stay
// readable until their readers are closed.
func (b *Bucket) Close() error {
	b.transport.CloseIdleConnections()
	return nil
}

func (b *Bucket) lookUpNamespace(ctx context.Context) error {
	req := objectstorage.GetNamespaceRequest{}
	if b.cfg.Compartment != "" {
		req.CompartmentId = &b.cfg.Compartment
	}
	err := b.retry(ctx, func(a *attempt) error {
		resp, err := b.client.GetNamespace(a.ctx, req)
		if err == nil {
			if resp.Value == nil || *resp.Value == "" {
				return errors.New("the service answered no namespace")
			}
			b.cfg.Namespace = *resp.Value
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("look up the Object Storage namespace (FOTOGAL_OCI_NAMESPACE unset): %w", explainRefusal(err))
	}
	return nil
}

func (b *Bucket) headBucket(ctx context.Context) error {
	err := b.retry(ctx, func(a *attempt) error {
		_, err := b.client.HeadBucket(a.ctx, objectstorage.HeadBucketRequest{NamespaceName: &b.cfg.Namespace, BucketName: &b.cfg.Bucket})
		return err
	})
	if httpStatus(err) == http.StatusNotFound {
		return fmt.Errorf("FOTOGAL_OCI_BUCKET %q does not exist in namespace %q (FOTOGAL_OCI_NAMESPACE), or the identity of FOTOGAL_OCI_AUTH may not see it: %w",
			b.cfg.Bucket, b.cfg.Namespace, err)
	}
	if err != nil {
		return fmt.Errorf("check bucket %q in namespace %q: %w", b.cfg.Bucket, b.cfg.Namespace, explainRefusal(err))
	}
	return nil
}

// explainRefusal names the settings to check when Object Storage refused
// FotoGal's identity.
func explainRefusal(err error) error {
	var se common.ServiceError
	if !errors.As(err, &se) {
		return err
	}
	switch se.GetHTTPStatusCode() {
	case http.StatusUnauthorized:
		return fmt.Errorf("Object Storage refused FotoGal's signature (401 %s): check FOTOGAL_OCI_AUTH, FOTOGAL_OCI_CONFIG_FILE and FOTOGAL_OCI_PROFILE: %w", errorCode(se), err)
	case http.StatusForbidden:
		return fmt.Errorf("Object Storage denied FotoGal's identity (403 %s): check the IAM policies of the identity FOTOGAL_OCI_AUTH picks: %w", errorCode(se), err)
	}
	return err
}

// checkName returns bucket.ErrInvalidName unless name is a clean relative
// slash-separated path that Object Storage accepts.
func checkName(name string) error {
	if !iofs.ValidPath(name) || name == "." || len(name) > maxNameLen {
		return fmt.Errorf("%w: %q", bucket.ErrInvalidName, name)
	}
	return nil
}

// Delete removes the object name; a missing one is not an error.
func (b *Bucket) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := b.retry(ctx, func(a *attempt) error {
		_, err := b.client.DeleteObject(a.ctx, objectstorage.DeleteObjectRequest{NamespaceName: &b.cfg.Namespace, BucketName: &b.cfg.Bucket, ObjectName: &name})
		return err
	})
	if err != nil && httpStatus(err) != http.StatusNotFound {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// List pages through the bucket's objects, in name order, calling fn for
// each. ModTime is the object's creation time (an overwrite creates it
// anew).
func (b *Bucket) List(ctx context.Context, fn func(bucket.ObjectInfo) error) error {
	req := objectstorage.ListObjectsRequest{
		NamespaceName: &b.cfg.Namespace,
		BucketName:    &b.cfg.Bucket,
		Fields:        common.String("name,size,timeCreated"),
		Limit:         common.Int(b.listPage),
	}
	for {
		var page objectstorage.ListObjects
		err := b.retry(ctx, func(a *attempt) error {
			resp, err := b.client.ListObjects(a.ctx, req)
			page = resp.ListObjects
			return err
		})
		if err != nil {
			return fmt.Errorf("list objects: %w", err)
		}
		for _, obj := range page.Objects {
			info := bucket.ObjectInfo{Name: deref(obj.Name), ModTime: sdkTime(obj.TimeCreated)}
			if obj.Size != nil {
				info.Size = *obj.Size
			}
			if err := fn(info); err != nil {
				return err
			}
		}
		if page.NextStartWith == nil || *page.NextStartWith == "" {
			return nil
		}
		req.Start = page.NextStartWith
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sdkTime returns t in UTC, or the zero time when the service sent none.
func sdkTime(t *common.SDKTime) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time.UTC()
}

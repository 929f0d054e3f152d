package e2e

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
)

// BucketObjects lists the names of the objects in the image service's
// bucket ("img/<id>/original.png"), sorted.
func (s *Stack) BucketObjects(t testing.TB) []string {
	t.Helper()
	var names []string
	if s.Objects != nil {
		for _, obj := range s.Objects.Objects(ociBucket) {
			names = append(names, obj.Name)
		}
		return names
	}
	root := filepath.Join(s.DataDir, "bucket")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// PlantObject writes an object into the bucket behind the image service's
// back, as a crash between writing the bucket and the table leaves one. In
// the directory bucket it is dated an hour ago; in Object Storage, where
// only the service sets the date, it is new.
func (s *Stack) PlantObject(t testing.TB, name string, data []byte) {
	t.Helper()
	if s.Objects == nil {
		path := filepath.Join(s.DataDir, "bucket", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
		return
	}
	provider, err := common.ConfigurationProviderFromFile(s.OCIKey.ConfigFile, "")
	if err != nil {
		t.Fatal(err)
	}
	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(provider)
	if err != nil {
		t.Fatal(err)
	}
	client.Host = s.objectsURL
	ctx := context.Background()
	ns, err := client.GetNamespace(ctx, objectstorage.GetNamespaceRequest{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.PutObject(ctx, objectstorage.PutObjectRequest{
		NamespaceName: ns.Value,
		BucketName:    common.String(ociBucket),
		ObjectName:    common.String(name),
		ContentLength: common.Int64(int64(len(data))),
		PutObjectBody: io.NopCloser(bytes.NewReader(data)),
	})
	if err != nil {
		t.Fatalf("plant %s: %v", name, err)
	}
}

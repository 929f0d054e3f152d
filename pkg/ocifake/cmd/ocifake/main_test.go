package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
)

// binary builds the command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ocifake")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running fake binary.
type process struct {
	cmd    *exec.Cmd
	addr   string
	stdout *bufio.Scanner
}

// run starts the binary on a free port and waits for its start line.
func run(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	p := &process{cmd: cmd, stdout: bufio.NewScanner(out)}
	if !p.stdout.Scan() {
		t.Fatalf("no start line: %v", p.stdout.Err())
	}
	var line struct {
		Msg  string `json:"msg"`
		Addr string `json:"addr"`
	}
	if err := json.Unmarshal(p.stdout.Bytes(), &line); err != nil || line.Addr == "" {
		t.Fatalf("start line %q: %v", p.stdout.Text(), err)
	}
	p.addr = line.Addr
	return p
}

func client(t *testing.T, addr string) *nosqldb.Client {
	t.Helper()
	c, err := nosqldb.NewClient(nosqldb.Config{
		Mode:          "cloudsim",
		Endpoint:      "http://" + addr,
		LoggingConfig: nosqldb.LoggingConfig{DisableLogging: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestBinary(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()

	t.Run("writes survive kill -9", func(t *testing.T) {
		p := run(t, bin, "-data", dir)
		c := client(t, p.addr)
		if _, err := c.DoTableRequestAndWait(&nosqldb.TableRequest{Statement: "CREATE TABLE t (id STRING, PRIMARY KEY (id))"}, 5*time.Second, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Put(&nosqldb.PutRequest{TableName: "t", Value: types.NewMapValue(map[string]any{"id": "kept"})}); err != nil {
			t.Fatal(err)
		}
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()

		p2 := run(t, bin, "-data", dir)
		res, err := client(t, p2.addr).Get(&nosqldb.GetRequest{TableName: "t", Key: types.NewMapValue(map[string]any{"id": "kept"})})
		if err != nil {
			t.Fatal(err)
		}
		if res.Value == nil {
			t.Error("the answered put was lost")
		}
	})
	t.Run("with -key every service wants the key's signature", func(t *testing.T) {
		keyDir := t.TempDir()
		p := run(t, bin, "-key", keyDir, "-data", t.TempDir())
		provider, err := common.ConfigurationProviderFromFile(filepath.Join(keyDir, "config"), "")
		if err != nil {
			t.Fatalf("the config file it wrote: %v", err)
		}
		store, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(provider)
		if err != nil {
			t.Fatal(err)
		}
		store.Host = "http://" + p.addr
		ctx := context.Background()
		ns, err := store.GetNamespace(ctx, objectstorage.GetNamespaceRequest{})
		if err != nil || ns.Value == nil || *ns.Value != "fotogalns" {
			t.Fatalf("namespace lookup: %v, %v", ns.Value, err)
		}
		body := "a photo"
		if _, err := store.PutObject(ctx, objectstorage.PutObjectRequest{
			NamespaceName: common.String("fotogalns"), BucketName: common.String("fotogal_bucket_images"),
			ObjectName: common.String("img/a/original.jpg"), ContentLength: common.Int64(int64(len(body))),
			PutObjectBody: io.NopCloser(strings.NewReader(body)),
		}); err != nil {
			t.Fatalf("signed put: %v", err)
		}
		got, err := store.GetObject(ctx, objectstorage.GetObjectRequest{
			NamespaceName: common.String("fotogalns"), BucketName: common.String("fotogal_bucket_images"),
			ObjectName: common.String("img/a/original.jpg"),
		})
		if err != nil {
			t.Fatalf("signed get: %v", err)
		}
		data, _ := io.ReadAll(got.Content)
		got.Content.Close()
		if string(data) != body {
			t.Errorf("got %q back, want %q", data, body)
		}
		for _, path := range []string{"/n/", "/V2/nosql/data", "/20200831/logs/ocid1.log.oc1..x/actions/push"} {
			resp, err := http.Post("http://"+p.addr+path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("unsigned POST %s: %d, want 401", path, resp.StatusCode)
			}
		}
	})
	t.Run("SIGTERM shuts down gracefully", func(t *testing.T) {
		p := run(t, bin)
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(readerOf(p.stdout))
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("exit: %v", err)
		}
		if !strings.Contains(string(rest), "successful shutdown") {
			t.Errorf("got output %q, want the shutdown line", rest)
		}
	})
	t.Run("bad flags", func(t *testing.T) {
		out, err := exec.Command(bin, "-nope").CombinedOutput()
		if err == nil {
			t.Fatalf("got success with a bad flag: %s", out)
		}
	})
}

// readerOf reads the rest of a scanner's lines.
func readerOf(s *bufio.Scanner) io.Reader {
	r, w := io.Pipe()
	go func() {
		for s.Scan() {
			w.Write(append(s.Bytes(), '\n'))
		}
		w.CloseWithError(s.Err())
	}()
	return r
}

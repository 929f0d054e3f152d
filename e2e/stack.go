// Package e2e starts FotoGal's real binaries — the four services and the
// gateway — on free ports with their own data directory, and drives them as
// clients would: HTTP through the gateway, gRPC directly, a browser.
//
// One switch picks the backends of every service in every test,
// FOTOGAL_E2E_BACKEND:
//
//   - sqlite (the default): the embedded set, a SQLite file per service and
//     a directory bucket;
//   - nosql: the tables on a fake Oracle NoSQL service in cloudsim mode,
//     the bucket still a directory;
//   - oci: the complete OCI set, as in the cloud — the tables on the fake
//     NoSQL service in cloud mode, the bucket on a fake Object Storage and
//     every binary's logs on a fake Logging, each checking that every
//     request is signed with the key the stack made for it.
//
// The fakes of a Stack are served from the test process; the services reach
// them over the wire as they would reach the real ones.
package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

// Backend is the set of backends the services of every Stack use, from
// FOTOGAL_E2E_BACKEND: "sqlite", "nosql" or "oci".
var Backend = backendFromEnv()

func backendFromEnv() string {
	switch b := os.Getenv("FOTOGAL_E2E_BACKEND"); b {
	case "", "sqlite":
		return "sqlite"
	case "nosql", "oci":
		return b
	default:
		panic(fmt.Sprintf("FOTOGAL_E2E_BACKEND: %q is not sqlite, nosql or oci", b))
	}
}

// The names the oci backend gives what it makes up.
const (
	ociBucket      = "fotogal_bucket_images"
	ociLogID       = "ocid1.log.oc1..fotogale2e"
	ociCompartment = "ocid1.compartment.oc1..fotogale2e"
)

// Binaries are the programs a Stack runs, in start order.
var Binaries = []string{"auth", "user", "image", "feed", "gateway"}

var packages = map[string]string{
	"auth":    "./services/auth/cmd/auth",
	"user":    "./services/user/cmd/user",
	"image":   "./services/image/cmd/image",
	"feed":    "./services/feed/cmd/feed",
	"gateway": "./gateway/cmd/gateway",
}

// Build compiles every binary into dir, from the workspace root.
func Build(dir string) error {
	root, err := WorkspaceRoot()
	if err != nil {
		return err
	}
	args := []string{"build", "-o", dir + "/"}
	for _, name := range Binaries {
		args = append(args, packages[name])
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// WorkspaceRoot is the directory holding go.work.
func WorkspaceRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOWORK: %w", err)
	}
	work := strings.TrimSpace(string(out))
	if work == "" || work == "off" {
		return "", errors.New("not inside the FotoGal workspace (no go.work)")
	}
	return filepath.Dir(work), nil
}

// Stack is one running FotoGal: every binary, on free loopback ports,
// sharing a data directory and a service credential.
type Stack struct {
	// GatewayURL is the gateway's base URL, e.g. http://127.0.0.1:41234.
	GatewayURL string
	// Addr maps a service name to its gRPC address.
	Addr map[string]string
	// Secret is the service credential the services share.
	Secret string
	// DataDir holds the SQLite files and the bucket.
	DataDir string
	// LogDir holds one file of output per binary.
	LogDir string
	// NoSQL is the fake Oracle NoSQL service holding the tables when
	// Backend is nosql or oci, and nil otherwise.
	NoSQL *ocifake.NoSQL
	// Objects is the fake Object Storage holding the bucket, and Logging
	// the fake Logging every binary ships its entries to, when Backend is
	// oci; nil otherwise.
	Objects *ocifake.ObjectStorage
	Logging *ocifake.Logging
	// OCIKey is the key the services sign their OCI requests with, when
	// Backend is oci.
	OCIKey ocifake.Key

	objectsURL string

	t         testing.TB
	binDir    string
	env       []string
	binaryEnv map[string]map[string]string
	mu        sync.Mutex
	procs     map[string]*process
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *os.File
}

// Options tune a Stack.
type Options struct {
	// Env adds FOTOGAL_* variables for every binary (e.g. a lower login limit).
	Env map[string]string
	// BinaryEnv adds variables for one binary, by name, after Env.
	BinaryEnv map[string]map[string]string
}

// Start runs every binary from binDir and waits until the gateway reports
// all upstreams ready. The processes are stopped with SIGTERM when the test
// ends, and the test fails if one did not shut down cleanly.
func Start(t testing.TB, binDir string, opts Options) *Stack {
	t.Helper()
	s := &Stack{
		Addr:    map[string]string{},
		Secret:  RandomHex(24),
		DataDir: t.TempDir(),
		LogDir:  t.TempDir(),
		t:       t,
		binDir:  binDir,
		procs:   map[string]*process{},

		binaryEnv: opts.BinaryEnv,
	}
	for _, name := range []string{"auth", "user", "image", "feed"} {
		s.Addr[name] = FreeAddr(t)
	}
	contentAddr, httpAddr := FreeAddr(t), FreeAddr(t)
	s.GatewayURL = "http://" + httpAddr
	s.env = []string{
		"FOTOGAL_DATA_DIR=" + s.DataDir,
		"FOTOGAL_SERVICE_SECRET=" + s.Secret,
		"FOTOGAL_AUTH_ADDR=" + s.Addr["auth"],
		"FOTOGAL_USER_ADDR=" + s.Addr["user"],
		"FOTOGAL_IMAGE_ADDR=" + s.Addr["image"],
		"FOTOGAL_FEED_ADDR=" + s.Addr["feed"],
		"FOTOGAL_HTTP_ADDR=" + httpAddr,
		"FOTOGAL_CONTENT_ADDR=" + contentAddr,
		"FOTOGAL_IMAGE_CONTENT_URL=http://" + contentAddr,
		"FOTOGAL_METRICS_ADDR=",
		"FOTOGAL_LOG_LEVEL=debug",
		// Every test's people register and upload from 127.0.0.1: the
		// throttles' production limits are for tests that set them.
		"FOTOGAL_REGISTER_MAX_PER_ADDR=100000",
		"FOTOGAL_UPLOAD_MAX_PER_HOUR=100000",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
	}
	switch Backend {
	case "nosql":
		var endpoint string
		s.NoSQL, endpoint = ocifake.StartNoSQL(t)
		s.env = append(s.env,
			"FOTOGAL_STORE=nosql",
			"FOTOGAL_NOSQL_MODE=cloudsim",
			"FOTOGAL_NOSQL_ENDPOINT="+endpoint,
			"FOTOGAL_NOSQL_CREATE_TABLES=true",
		)
	case "oci":
		s.env = append(s.env, s.startOCI()...)
	}
	for k, v := range opts.Env {
		s.env = append(s.env, k+"="+v)
	}
	t.Cleanup(s.stopAll)
	for _, name := range Binaries {
		s.StartBinary(name)
	}
	s.WaitReady(60 * time.Second)
	return s
}

// startOCI starts the fakes of the oci backend, each verifying signatures
// with a key made for the stack, and returns the variables that put every
// service on them.
func (s *Stack) startOCI() []string {
	s.OCIKey = ocifake.NewKey(s.t)
	verifier := &ocifake.Verifier{Keys: []ocifake.Key{s.OCIKey}}
	var nosqlURL, logsURL string
	s.NoSQL, nosqlURL = ocifake.StartNoSQLWith(s.t, ocifake.NoSQLOptions{Verifier: verifier})
	s.Objects, s.objectsURL = ocifake.StartObjectStorage(s.t, ocifake.ObjectStorageOptions{
		Buckets:  []string{ociBucket},
		Verifier: verifier,
	})
	s.Logging, logsURL = ocifake.StartLogging(s.t, ocifake.LoggingOptions{Verifier: verifier, Logs: []string{ociLogID}})
	return []string{
		"FOTOGAL_OCI_AUTH=api_key",
		"FOTOGAL_OCI_CONFIG_FILE=" + s.OCIKey.ConfigFile,
		"FOTOGAL_OCI_PROFILE=" + s.OCIKey.Profile,
		"FOTOGAL_STORE=nosql",
		"FOTOGAL_NOSQL_MODE=cloud",
		"FOTOGAL_NOSQL_ENDPOINT=" + nosqlURL,
		"FOTOGAL_NOSQL_COMPARTMENT=" + ociCompartment,
		"FOTOGAL_NOSQL_CREATE_TABLES=true",
		"FOTOGAL_BUCKET=oci",
		"FOTOGAL_OCI_BUCKET=" + ociBucket,
		"FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT=" + s.objectsURL,
		"FOTOGAL_OCI_LOG_ID=" + ociLogID,
		"FOTOGAL_OCI_LOGGING_ENDPOINT=" + logsURL,
		"FOTOGAL_OCI_LOG_FLUSH_INTERVAL=200ms",
	}
}

// StartBinary (re)starts one binary with the stack's environment.
func (s *Stack) StartBinary(name string) {
	s.t.Helper()
	logFile, err := os.OpenFile(filepath.Join(s.LogDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(s.binDir, name))
	cmd.Env = append([]string{}, s.env...)
	if addr, ok := s.Addr[name]; ok {
		cmd.Env = append(cmd.Env, "FOTOGAL_GRPC_ADDR="+addr)
	}
	for k, v := range s.binaryEnv[name] {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", name, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), log: logFile}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	s.mu.Lock()
	s.procs[name] = p
	s.mu.Unlock()
}

// Kill ends one binary with SIGKILL, as a crash would, and waits for it.
func (s *Stack) Kill(name string) {
	s.mu.Lock()
	p := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Pause freezes one binary with SIGSTOP: it holds its connections and
// answers nothing, as a node that hangs does, until Resume or Kill.
func (s *Stack) Pause(name string) { s.signal(name, syscall.SIGSTOP) }

// Resume lets a paused binary run on (SIGCONT).
func (s *Stack) Resume(name string) { s.signal(name, syscall.SIGCONT) }

func (s *Stack) signal(name string, sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	p := s.procs[name]
	s.mu.Unlock()
	if p == nil {
		s.t.Fatalf("%s is not running", name)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %s: %v", name, err)
	}
}

// Stop ends one binary with SIGTERM and fails the test unless it exits 0
// within 15 seconds.
func (s *Stack) Stop(name string) {
	s.t.Helper()
	s.mu.Lock()
	p := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			s.t.Errorf("%s did not shut down cleanly: %v (log: %s)", name, p.err, s.LogPath(name))
		}
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		s.t.Errorf("%s did not stop within 15s of SIGTERM", name)
	}
}

func (s *Stack) stopAll() {
	for i := len(Binaries) - 1; i >= 0; i-- {
		s.Stop(Binaries[i])
	}
}

// LogPath is the file holding a binary's output.
func (s *Stack) LogPath(name string) string {
	return filepath.Join(s.LogDir, name+".log")
}

// Logs returns everything every binary has written so far.
func (s *Stack) Logs() string {
	var b strings.Builder
	for _, name := range Binaries {
		b.WriteString(s.logOf(name))
	}
	return b.String()
}

func (s *Stack) logOf(name string) string {
	data, _ := os.ReadFile(s.LogPath(name))
	return string(data)
}

// WaitReady polls the gateway's /readyz until it answers 200, and fails at
// once if a binary exits meanwhile.
func (s *Stack) WaitReady(limit time.Duration) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	last := "no answer yet"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.GatewayURL+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		switch {
		case err != nil:
			last = err.Error()
		case resp.StatusCode == http.StatusOK:
			resp.Body.Close()
			return
		default:
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = fmt.Sprintf("%s %s", resp.Status, body)
		}
		if name, err := s.exited(); name != "" {
			s.t.Fatalf("%s exited while FotoGal was starting: %v; its log:\n%s", name, err, tail(s.logOf(name), 4000))
		}
		select {
		case <-ctx.Done():
			s.t.Fatalf("FotoGal not ready after %v (last /readyz: %s); logs:\n%s", limit, last, tail(s.Logs(), 4000))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exited names a binary that has ended without being stopped, if any.
func (s *Stack) exited() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range Binaries {
		p := s.procs[name]
		if p == nil {
			continue
		}
		select {
		case <-p.done:
			return name, p.err
		default:
		}
	}
	return "", nil
}

// FreeAddr hands out a loopback address no one is listening on. A binary
// binds it some time later, and binds it again when a test restarts it, so
// the port must stay out of everyone else's way in between: it comes from
// below the kernel's ephemeral range, where neither a listener on port 0
// (every other test's servers) nor an outgoing connection can land, and the
// process never hands out the same port twice.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ports.Lock()
	defer ports.Unlock()
	low, high := reservedRange()
	for range 1000 {
		port := low + mathrand.IntN(high-low)
		if ports.given[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		ports.given[port] = true
		return l.Addr().String()
	}
	t.Fatalf("no free port in %d-%d", low, high)
	return ""
}

var ports = struct {
	sync.Mutex
	given map[int]bool
}{given: map[int]bool{}}

// reservedRange is the span of ports FreeAddr picks from: the 8000 ports
// just below the ephemeral range in /proc/sys/net/ipv4/ip_local_port_range.
func reservedRange() (low, high int) {
	high = 32768
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 9024 {
				high = n
			}
		}
	}
	return high - 8000, high
}

// RandomHex returns n random bytes in hex, for names and credentials no
// other run shares.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// PID is the process id of a running binary, 0 if it is not running.
func (s *Stack) PID(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.procs[name]; p != nil {
		return p.cmd.Process.Pid
	}
	return 0
}

// Eventually polls check every 100 ms until it holds, and fails the test
// after limit. It returns how long it took.
func Eventually(t testing.TB, limit time.Duration, what string, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !check() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not true after %v", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

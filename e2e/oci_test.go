package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/pkg/testimages"
)

// requireOCI skips a test of the OCI fakes' fault injection unless the
// stack runs on them; make test's second e2e pass (FOTOGAL_E2E_BACKEND=oci)
// runs it.
func requireOCI(t *testing.T) {
	t.Helper()
	if Backend != "oci" {
		t.Skip("needs the OCI backends: FOTOGAL_E2E_BACKEND=oci (make test's second e2e pass)")
	}
}

// An Object Storage outage during an upload answers 503 and leaves nothing
// behind: no photo in the list, no row, no object. Once it is over, the same
// upload works.
func TestOCIUploadDuringObjectStorageOutage(t *testing.T) {
	requireOCI(t)
	s := startStack(t, nil)
	ana := s.Register(t, Unique("ana"))
	photo := testimages.JPEG(400, 300, 1)

	clear := s.Objects.InjectFault(ocifake.StorageFault{Op: "put", HTTPStatus: http.StatusServiceUnavailable})
	resp := ana.Upload(t, http.MethodPost, "/v1/images", "during the outage", "out.jpg", photo, true)
	clear()
	if resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("upload during the outage: %d, want 503; body: %s", resp.Status, resp.Body)
	}
	if ids := ana.ImageIDs(t); len(ids) != 0 {
		t.Errorf("the list shows %d photos after the failed upload", len(ids))
	}
	if n := imageRows(t, s); n != 0 {
		t.Errorf("%d image rows after the failed upload", n)
	}
	Eventually(t, 10*time.Second, "no object left in the bucket", func() bool {
		return len(s.BucketObjects(t)) == 0
	})
	if s.Objects.OpCount("put") < 2 {
		t.Errorf("Object Storage saw %d puts: the image service did not retry", s.Objects.OpCount("put"))
	}

	id := upload(t, ana, "after the outage", "after.jpg", photo)
	ana.Get(t, "/v1/images/"+id+"/content?size=original", nil).Expect(t, http.StatusOK)
}

// A burst of throttling (429) from Object Storage is absorbed by the image
// service's retries: the upload answers 200 and every variant downloads.
func TestOCIThrottlingBurstAbsorbed(t *testing.T) {
	requireOCI(t)
	s := startStack(t, nil)
	ana := s.Register(t, Unique("ana"))
	photo := testimages.JPEG(400, 300, 1)

	puts := s.Objects.OpCount("put")
	s.Objects.InjectFault(ocifake.StorageFault{Op: "put", HTTPStatus: http.StatusTooManyRequests, Times: 3})
	id := upload(t, ana, "throttled", "t.jpg", photo)
	for _, size := range []string{"thumb", "display", "original"} {
		ana.Get(t, "/v1/images/"+id+"/content?size="+size, nil).Expect(t, http.StatusOK)
	}
	if got := s.Objects.OpCount("put") - puts; got < 4 {
		t.Errorf("Object Storage saw %d puts for the upload, want the 3 refused and the ones that went through", got)
	}
}

// A connection cut by Object Storage in the middle of a download ends the
// response early and visibly (the client gets fewer bytes than announced,
// never a short file passed off as whole), leaves no goroutine behind in
// the image service, and the service goes on serving: the next download is
// whole.
func TestOCIDownloadCut(t *testing.T) {
	requireOCI(t)
	metrics := FreeAddr(t)
	s := Start(t, binDir, Options{BinaryEnv: map[string]map[string]string{
		"image": {"FOTOGAL_METRICS_ADDR": metrics},
	}})
	ana := s.Register(t, Unique("ana"))
	photo := noisyPNG(t, 7, 640, 480)
	id := upload(t, ana, "cut", "cut.png", photo)
	path := "/v1/images/" + id + "/content?size=original"
	ana.Get(t, path, nil).Expect(t, http.StatusOK)
	before := goroutines(t, metrics)

	s.Objects.InjectFault(ocifake.StorageFault{Op: "get", CutAfter: 100_000, Times: 1})
	req, err := http.NewRequest(http.MethodGet, s.GatewayURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ana.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK && readErr == nil && len(got) == len(photo):
		t.Fatal("the download was whole despite the cut: the fault did not hit it")
	case resp.StatusCode == http.StatusOK && readErr == nil:
		t.Errorf("a %d-byte body passed for whole after the cut (the photo has %d)", len(got), len(photo))
	case resp.StatusCode == http.StatusOK && !errors.Is(readErr, io.ErrUnexpectedEOF):
		t.Errorf("the cut download ended with %v, want an unexpected EOF", readErr)
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable:
		t.Errorf("the cut download answered %d, want 200 cut short or 503", resp.StatusCode)
	}
	t.Logf("cut download: status %d, %d of %d bytes, %v", resp.StatusCode, len(got), len(photo), readErr)
	Eventually(t, 10*time.Second, fmt.Sprintf("the image service back to the %d goroutines it had before the cut", before), func() bool {
		return goroutines(t, metrics) <= before
	})
	t.Logf("image service goroutines: %d before the cut, %d after", before, goroutines(t, metrics))

	whole := ana.Get(t, path, nil).Expect(t, http.StatusOK)
	if len(whole.Body) != len(photo) {
		t.Errorf("the next download has %d bytes, want %d", len(whole.Body), len(photo))
	}
}

// shippedEntry is the part of a shipped log line the tests read.
type shippedEntry struct {
	Service   string `json:"service"`
	RequestID string `json:"request_id"`
	Msg       string `json:"msg"`
	Method    string `json:"method"`
}

func shipped(t *testing.T, s *Stack) []shippedEntry {
	t.Helper()
	var out []shippedEntry
	for _, e := range s.Logging.Entries() {
		var line shippedEntry
		if err := json.Unmarshal([]byte(e.Data), &line); err != nil {
			t.Fatalf("a shipped entry is not a JSON log line: %v: %s", err, e.Data)
		}
		if e.Type != "fotogal."+line.Service || e.Subject != line.Service {
			t.Errorf("an entry of %s has type %q and subject %q", line.Service, e.Type, e.Subject)
		}
		out = append(out, line)
	}
	return out
}

// Every binary ships its log entries to OCI Logging: the request id a
// client got back is on the gateway's access line and on the service's.
func TestOCILogsShipped(t *testing.T) {
	requireOCI(t)
	s := startStack(t, nil)
	ana := s.Register(t, Unique("ana"))
	upload(t, ana, "shipped", "s.jpg", testimages.JPEG(64, 64, 1))
	resp := ana.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)
	requestID := resp.Header.Get("X-Request-Id")
	if requestID == "" {
		t.Fatal("the gateway sent no X-Request-Id")
	}
	Eventually(t, 15*time.Second, "every binary's entries and both access lines of GetMe in OCI Logging", func() bool {
		services := map[string]bool{}
		var gatewayLine, userLine bool
		for _, e := range shipped(t, s) {
			services[e.Service] = true
			if e.RequestID == requestID {
				gatewayLine = gatewayLine || e.Service == "gateway"
				userLine = userLine || (e.Service == "user" && strings.HasSuffix(e.Method, "/GetMe"))
			}
		}
		return len(services) == len(Binaries) && gatewayLine && userLine
	})
}

// With OCI Logging holding every request, the service answers as before:
// an entry waits in its binary's buffer, never in a request. Once Logging
// answers again, the entries of those requests arrive.
func TestOCILoggingBlockedDoesNotHoldRequests(t *testing.T) {
	requireOCI(t)
	s := startStack(t, nil)
	ana := s.Register(t, Unique("ana"))
	Eventually(t, 10*time.Second, "the registration's entries shipped", func() bool { return len(s.Logging.Entries()) > 0 })

	release := s.Logging.Block()
	defer release()
	Eventually(t, 10*time.Second, "a shipper waiting on the held endpoint", func() bool { return s.Logging.Held() > 0 })
	var ids []string
	var slowest time.Duration
	for range 40 {
		start := time.Now()
		resp := ana.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)
		slowest = max(slowest, time.Since(start))
		ids = append(ids, resp.Header.Get("X-Request-Id"))
	}
	if s.Logging.Held() == 0 {
		t.Fatal("the endpoint let the shippers go before the requests were done")
	}
	t.Logf("40 requests answered while OCI Logging held %d requests; the slowest took %v", s.Logging.Held(), slowest)
	release()
	Eventually(t, 20*time.Second, "the held requests' entries shipped", func() bool {
		seen := map[string]bool{}
		for _, e := range shipped(t, s) {
			if e.Service == "gateway" {
				seen[e.RequestID] = true
			}
		}
		for _, id := range ids {
			if !seen[id] {
				return false
			}
		}
		return true
	})
}

// A key OCI does not know, or a clock far off, makes the services fail at
// start with a message naming the settings to fix: the image service
// against Object Storage, the auth service against Logging.
func TestOCIRefusedSignatureStopsTheStart(t *testing.T) {
	known := ocifake.NewKey(t)
	stranger := ocifake.NewKey(t)
	fastClock := func() time.Time { return time.Now().Add(10 * time.Minute) }
	cases := []struct {
		name   string
		key    ocifake.Key
		now    func() time.Time
		binary string
	}{
		{"image, unknown key", stranger, nil, "image"},
		{"image, stale date", known, fastClock, "image"},
		{"auth, unknown key", stranger, nil, "auth"},
		{"auth, stale date", known, fastClock, "auth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			verifier := &ocifake.Verifier{Keys: []ocifake.Key{known}, Now: c.now}
			env := []string{
				"FOTOGAL_SERVICE_SECRET=" + RandomHex(24),
				"FOTOGAL_DATA_DIR=" + t.TempDir(),
				"FOTOGAL_GRPC_ADDR=" + FreeAddr(t),
				"FOTOGAL_METRICS_ADDR=",
				"FOTOGAL_OCI_AUTH=api_key",
				"FOTOGAL_OCI_CONFIG_FILE=" + c.key.ConfigFile,
				"HOME=" + t.TempDir(),
			}
			var fake interface{ Requests() int }
			switch c.binary {
			case "image":
				objects, url := ocifake.StartObjectStorage(t, ocifake.ObjectStorageOptions{Buckets: []string{ociBucket}, Verifier: verifier})
				env = append(env, "FOTOGAL_BUCKET=oci", "FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT="+url)
				fake = opCounter{func() int { return objects.OpCount("namespace") + objects.OpCount("headbucket") }}
			case "auth":
				logs, url := ocifake.StartLogging(t, ocifake.LoggingOptions{Verifier: verifier})
				env = append(env, "FOTOGAL_OCI_LOG_ID="+ociLogID, "FOTOGAL_OCI_LOGGING_ENDPOINT="+url)
				fake = logs
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(binDir, c.binary))
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("%s did not fail at start (%v); output:\n%s", c.binary, err, out)
			}
			for _, setting := range []string{"401", "FOTOGAL_OCI_AUTH"} {
				if !strings.Contains(string(out), setting) {
					t.Errorf("the message does not name %s:\n%s", setting, out)
				}
			}
			if fake.Requests() != 0 {
				t.Errorf("the fake accepted %d requests", fake.Requests())
			}
		})
	}
}

// opCounter counts the requests an Object Storage fake accepted.
type opCounter struct{ count func() int }

func (c opCounter) Requests() int { return c.count() }

// goroutines reads go_goroutines off a binary's /metrics.
func goroutines(t *testing.T, metricsAddr string) int {
	t.Helper()
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if value, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				t.Fatalf("go_goroutines %q: %v", value, err)
			}
			return n
		}
	}
	t.Fatalf("no go_goroutines in the metrics of %s", metricsAddr)
	return 0
}

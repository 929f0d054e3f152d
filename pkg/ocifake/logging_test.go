package ocifake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/loggingingestion"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

const testLogID = "ocid1.log.oc1.iad.amaaaaaatestlog"

// startSignedLogging starts a Logging fake that accepts k's signatures
// and knows the log testLogID.
func startSignedLogging(t *testing.T, k ocifake.Key) (*ocifake.Logging, string) {
	t.Helper()
	return ocifake.StartLogging(t, ocifake.LoggingOptions{
		Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}},
		Logs:     []string{testLogID},
	})
}

// keyProvider is the OCI SDK's reading of k's config file.
func keyProvider(t *testing.T, k ocifake.Key) common.ConfigurationProvider {
	t.Helper()
	p, err := common.ConfigurationProviderFromFile(k.ConfigFile, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loggingClient returns an SDK Logging client of endpoint signing with k.
func loggingClient(t *testing.T, k ocifake.Key, endpoint string) loggingingestion.LoggingClient {
	t.Helper()
	c, err := loggingingestion.NewLoggingClientWithConfigurationProvider(keyProvider(t, k))
	if err != nil {
		t.Fatal(err)
	}
	c.Host = endpoint
	return c
}

// send makes the PutLogs call of req, as package ocilog does: through the
// client's Call, not its PutLogs, whose retrier leaves a goroutine racing
// with the caller when ctx ends first.
func send(ctx context.Context, c loggingingestion.LoggingClient, req loggingingestion.PutLogsRequest) error {
	httpReq, err := req.HTTPRequest(http.MethodPost, "/logs/{logId}/actions/push", nil, nil)
	if err != nil {
		return err
	}
	resp, err := c.CallWithServiceAndOperationName(ctx, &httpReq, "logging", "PutLogs")
	common.CloseBodyIfValid(resp)
	return err
}

// putLogs returns a PutLogs request of one batch with entries data.
func putLogs(logID string, data ...string) loggingingestion.PutLogsRequest {
	entries := make([]loggingingestion.LogEntry, len(data))
	for i, d := range data {
		entries[i] = loggingingestion.LogEntry{Data: common.String(d), Id: common.String(d + "-id")}
	}
	return loggingingestion.PutLogsRequest{
		LogId: common.String(logID),
		PutLogsDetails: loggingingestion.PutLogsDetails{
			Specversion: common.String("1.0"),
			LogEntryBatches: []loggingingestion.LogEntryBatch{{
				Entries:             entries,
				Source:              common.String("host-1"),
				Type:                common.String("fotogal.test"),
				Subject:             common.String("test"),
				Defaultlogentrytime: &common.SDKTime{Time: time.Now()},
			}},
		},
	}
}

// serviceError returns the status and code of an SDK error, failing the
// test if err is not a service error.
func serviceError(t *testing.T, err error) (int, string) {
	t.Helper()
	var se common.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not an OCI service error", err)
	}
	return se.GetHTTPStatusCode(), se.GetCode()
}

// waitFor waits until cond holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLoggingTakesEntries(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	received := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	f, url := ocifake.StartLogging(t, ocifake.LoggingOptions{
		Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}},
		Now:      func() time.Time { return received },
	})
	c := loggingClient(t, k, url)
	at := time.Date(2026, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	req := putLogs(testLogID, `{"msg":"one"}`, `{"msg":"two"}`)
	req.LogEntryBatches[0].Entries[1].Time = &common.SDKTime{Time: at}
	def := req.LogEntryBatches[0].Defaultlogentrytime.Time
	if _, err := c.PutLogs(context.Background(), req); err != nil {
		t.Fatalf("PutLogs: %v", err)
	}
	got := f.Entries()
	want := []ocifake.LogEntry{
		{LogID: testLogID, Source: "host-1", Type: "fotogal.test", Subject: "test", ID: `{"msg":"one"}-id`, Data: `{"msg":"one"}`, Time: def, Received: received},
		{LogID: testLogID, Source: "host-1", Type: "fotogal.test", Subject: "test", ID: `{"msg":"two"}-id`, Data: `{"msg":"two"}`, Time: at, Received: received},
	}
	if len(got) != len(want) {
		t.Fatalf("Entries() = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("entry %d time = %v, want %v", i, got[i].Time, want[i].Time)
		}
		got[i].Time = want[i].Time
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := f.Requests(); n != 1 {
		t.Errorf("Requests() = %d, want 1", n)
	}
}

// post sends body to path, signed with k, and returns the answer's status
// and OCI error code.
func post(t *testing.T, k ocifake.Key, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	if err := common.DefaultRequestSigner(keyProvider(t, k)).Sign(req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Code, Message string }
	if resp.StatusCode != http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatalf("%d answer is not an OCI error body: %v", resp.StatusCode, err)
		}
		if e.Message == "" {
			t.Errorf("%d %s answer has no message", resp.StatusCode, e.Code)
		}
	}
	return resp.StatusCode, e.Code
}

func TestLoggingValidation(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	f, url := startSignedLogging(t, k)
	push := url + "/20200831/logs/" + testLogID + "/actions/push"
	const now = `"2026-01-02T03:04:05.678Z"`
	batch := func(entries string) string {
		return `{"specversion":"1.0","logEntryBatches":[{"source":"h","type":"t","defaultlogentrytime":` + now + `,"entries":[` + entries + `]}]}`
	}
	tests := []struct {
		name       string
		method     string
		url        string // push when empty
		body       string
		wantStatus int
		wantCode   string
	}{
		{name: "valid", body: batch(`{"data":"x","id":"1"}`), wantStatus: 200},
		{name: "not JSON", body: `{"specversion":`, wantStatus: 400, wantCode: "CannotParseRequest"},
		{name: "no specversion", body: `{"logEntryBatches":[{"source":"h","type":"t","defaultlogentrytime":` + now + `,"entries":[{"data":"x","id":"1"}]}]}`, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "specversion 2.0", body: strings.Replace(batch(`{"data":"x","id":"1"}`), `"1.0"`, `"2.0"`, 1), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "no batches", body: `{"specversion":"1.0","logEntryBatches":[]}`, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "batch without entries", body: batch(``), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "batch without source", body: `{"specversion":"1.0","logEntryBatches":[{"type":"t","defaultlogentrytime":` + now + `,"entries":[{"data":"x","id":"1"}]}]}`, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "batch without type", body: `{"specversion":"1.0","logEntryBatches":[{"source":"h","defaultlogentrytime":` + now + `,"entries":[{"data":"x","id":"1"}]}]}`, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "batch without defaultlogentrytime", body: `{"specversion":"1.0","logEntryBatches":[{"source":"h","type":"t","entries":[{"data":"x","id":"1"}]}]}`, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "bad defaultlogentrytime", body: strings.Replace(batch(`{"data":"x","id":"1"}`), now, `"yesterday"`, 1), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "entry without data", body: batch(`{"id":"1"}`), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "entry with empty data", body: batch(`{"data":"","id":"1"}`), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "entry without id", body: batch(`{"data":"x"}`), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "entry with a bad time", body: batch(`{"data":"x","id":"1","time":"12:00"}`), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "entry of 1 MB", body: batch(`{"data":"` + strings.Repeat("x", 1_000_000) + `","id":"1"}`), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "one bad entry refuses the batch", body: batch(`{"data":"x","id":"1"},{"data":"y"}`), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "body over 10 MB", body: batch(strings.Repeat(`{"data":"`+strings.Repeat("x", 500_000)+`","id":"1"},`, 20) + `{"data":"x","id":"2"}`), wantStatus: 413, wantCode: "PayloadTooLarge"},
		{name: "unknown log", url: url + "/20200831/logs/ocid1.log.oc1.iad.other/actions/push", body: batch(`{"data":"x","id":"1"}`), wantStatus: 404, wantCode: "NotAuthorizedOrNotFound"},
		{name: "unknown path", url: url + "/20200831/logs/" + testLogID, body: batch(`{"data":"x","id":"1"}`), wantStatus: 404, wantCode: "NotAuthorizedOrNotFound"},
		{name: "PUT", method: http.MethodPut, body: batch(`{"data":"x","id":"1"}`), wantStatus: 405, wantCode: "MethodNotAllowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method, target := tc.method, tc.url
			if method == "" {
				method = http.MethodPost
			}
			if target == "" {
				target = push
			}
			status, code := post(t, k, method, target, tc.body)
			if status != tc.wantStatus || code != tc.wantCode {
				t.Errorf("answer %d %q, want %d %q", status, code, tc.wantStatus, tc.wantCode)
			}
		})
	}
	if n := len(f.Entries()); n != 1 {
		t.Errorf("%d entries taken, want 1 (the valid request's)", n)
	}
}

func TestLoggingSignature(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	tests := []struct {
		name   string
		client ocifake.Key
		skew   time.Duration // the fake's clock ahead of the client's
	}{
		{name: "unknown key", client: ocifake.NewKey(t)},
		{name: "stale date", client: k, skew: time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, url := ocifake.StartLogging(t, ocifake.LoggingOptions{Verifier: &ocifake.Verifier{
				Keys: []ocifake.Key{k},
				Now:  func() time.Time { return time.Now().Add(tc.skew) },
			}})
			_, err := loggingClient(t, tc.client, url).PutLogs(context.Background(), putLogs(testLogID, "x"))
			if status, code := serviceError(t, err); status != 401 || code != "NotAuthenticated" {
				t.Errorf("PutLogs answered %d %s, want 401 NotAuthenticated", status, code)
			}
			if n := len(f.Entries()); n != 0 {
				t.Errorf("%d entries taken, want none", n)
			}
		})
	}
}

func TestLoggingBlock(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	f, url := startSignedLogging(t, k)
	c := loggingClient(t, k, url)

	release := f.Block()
	done := make(chan error, 1)
	go func() {
		_, err := c.PutLogs(context.Background(), putLogs(testLogID, "held"))
		done <- err
	}()
	waitFor(t, "the request to be held", func() bool { return f.Held() == 1 })

	// A client that gives up while held gets nothing applied.
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		gaveUp <- send(ctx, c, putLogs(testLogID, "abandoned"))
	}()
	waitFor(t, "the second request to be held", func() bool { return f.Held() == 2 })
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("abandoned PutLogs: %v, want context.Canceled", err)
	}
	waitFor(t, "the abandoned request to leave", func() bool { return f.Held() == 1 })
	select {
	case err := <-done:
		t.Fatalf("PutLogs returned while blocked: %v", err)
	default:
	}
	if n := len(f.Entries()); n != 0 {
		t.Fatalf("%d entries taken while blocked, want none", n)
	}

	release()
	if err := <-done; err != nil {
		t.Fatalf("PutLogs after release: %v", err)
	}
	got := f.Entries()
	if len(got) != 1 || got[0].Data != "held" {
		t.Errorf("Entries() = %+v, want the held entry only", got)
	}
	if _, err := c.PutLogs(context.Background(), putLogs(testLogID, "after")); err != nil {
		t.Errorf("PutLogs after release: %v", err)
	}
}

func TestLoggingFaults(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	f, url := startSignedLogging(t, k)
	c := loggingClient(t, k, url)

	f.InjectFault(ocifake.LoggingFault{HTTPStatus: 503, Times: 1})
	f.InjectFault(ocifake.LoggingFault{HTTPStatus: 429, Times: 1})
	for _, want := range []struct {
		status int
		code   string
	}{{503, "ServiceUnavailable"}, {429, "TooManyRequests"}} {
		_, err := c.PutLogs(context.Background(), putLogs(testLogID, "refused"))
		if status, code := serviceError(t, err); status != want.status || code != want.code {
			t.Errorf("PutLogs answered %d %s, want %d %s", status, code, want.status, want.code)
		}
	}
	if _, err := c.PutLogs(context.Background(), putLogs(testLogID, "taken")); err != nil {
		t.Fatalf("PutLogs once the faults are used up: %v", err)
	}

	// The fault goes with the one request it hits, whenever the fake gets
	// to it: clearing it once the client gave up could beat the fake to it.
	f.InjectFault(ocifake.LoggingFault{Delay: time.Hour, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := send(ctx, c, putLogs(testLogID, "too late")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delayed PutLogs: %v, want context.DeadlineExceeded", err)
	}
	clearDelay := f.InjectFault(ocifake.LoggingFault{Delay: time.Hour})
	clearDelay()
	if _, err := c.PutLogs(context.Background(), putLogs(testLogID, "cleared")); err != nil {
		t.Fatalf("PutLogs after clear: %v", err)
	}
	var got []string
	for _, e := range f.Entries() {
		got = append(got, e.Data)
	}
	if strings.Join(got, ",") != "taken,cleared" {
		t.Errorf("entries taken: %q, want taken and cleared only", got)
	}
}

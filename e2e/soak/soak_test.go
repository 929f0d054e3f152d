package soak

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// The settings of a run.
const (
	// defaultDuration is how long the load runs without FOTOGAL_SOAK_DURATION.
	defaultDuration = 10 * time.Minute
	// defaultRate is the requests started a second without FOTOGAL_SOAK_RATE.
	defaultRate = 60
	// maxInFlight bounds the requests in flight; a start beyond it is shed.
	maxInFlight = 48
	// sampleEvery is the interval between resource samples.
	sampleEvery = 10 * time.Second
	// minSamples is how many samples under load the growth rule needs.
	minSamples = 6
	// seedPeople is how many accounts, each with a photo, exist before the load.
	seedPeople = 20
)

// TestSoak drives the real binaries with the mixed load of the package doc
// and prints its report. It fails on a 5xx or a request without an answer,
// and on a resource series that grows without bound.
func TestSoak(t *testing.T) {
	duration, rate, err := settings(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if duration == 0 {
		t.Skip("the soak runs with FOTOGAL_SOAK=1 or FOTOGAL_SOAK_DURATION: make soak")
	}
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < duration+5*time.Minute {
		t.Fatalf("FOTOGAL_SOAK_DURATION=%v does not fit in go test's -timeout with 5 minutes to spare", duration)
	}

	binDir := t.TempDir()
	if err := e2e.Build(binDir); err != nil {
		t.Fatal(err)
	}
	metrics := map[string]string{}
	binaryEnv := map[string]map[string]string{}
	for _, name := range e2e.Binaries {
		metrics[name] = e2e.FreeAddr(t)
		binaryEnv[name] = map[string]string{"FOTOGAL_METRICS_ADDR": metrics[name]}
	}
	s := e2e.Start(t, binDir, e2e.Options{
		Env: map[string]string{
			// One access line a request, as in production.
			"FOTOGAL_LOG_LEVEL": "info",
			// Every registration comes from 127.0.0.1, and the soak is
			// about load, not throttling.
			"FOTOGAL_REGISTER_MAX_PER_ADDR": "1000000",
			"FOTOGAL_UPLOAD_MAX_PER_HOUR":   "1000000",
		},
		BinaryEnv: binaryEnv,
	})
	sampler := &sampler{stack: s, metrics: metrics, client: &http.Client{Timeout: 5 * time.Second}}

	l := newLoad(s.GatewayURL, rate)
	l.seed(t, s, seedPeople)

	start := sampler.sample(0)
	began := time.Now()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.run(ctx)
	}()
	var underLoad []sample
	for k := 1; time.Duration(k)*sampleEvery <= duration; k++ {
		time.Sleep(time.Until(began.Add(time.Duration(k) * sampleEvery)))
		underLoad = append(underLoad, sampler.sample(time.Since(began)))
	}
	time.Sleep(time.Until(began.Add(duration)))
	stop()
	<-done
	ran := time.Since(began)
	end := sampler.sample(ran)

	fmt.Print(l.report(ran))
	fmt.Print(resourceReport(start, end, underLoad))
	fmt.Printf("\nbackend %s; %d CPUs; %d samples under load, every %v\n", e2e.Backend, runtime.NumCPU(), len(underLoad), sampleEvery)

	for _, err := range sampler.errs {
		t.Error(err)
	}
	for _, failure := range l.failures() {
		t.Error(failure)
	}
	if len(underLoad) < minSamples {
		t.Fatalf("%d samples under load; the growth rule needs %d (a run of at least %v)", len(underLoad), minSamples, minSamples*sampleEvery)
	}
	for _, g := range growths(underLoad) {
		t.Errorf("%s grows without bound: %s", g.series, g.verdict)
	}
}

// settings reads the run's duration and rate from the environment: a zero
// duration means the soak is not to run.
func settings(lookup func(string) (string, bool)) (time.Duration, int, error) {
	duration := time.Duration(0)
	if v, _ := lookup("FOTOGAL_SOAK"); v == "1" {
		duration = defaultDuration
	}
	if v, ok := lookup("FOTOGAL_SOAK_DURATION"); ok && strings.TrimSpace(v) != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < minSamples*sampleEvery {
			return 0, 0, fmt.Errorf("FOTOGAL_SOAK_DURATION: %q is not a duration of at least %v", v, minSamples*sampleEvery)
		}
		duration = d
	}
	rate := defaultRate
	if v, ok := lookup("FOTOGAL_SOAK_RATE"); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 10000 {
			return 0, 0, fmt.Errorf("FOTOGAL_SOAK_RATE: %q is not a number of requests a second from 1 to 10000", v)
		}
		rate = n
	}
	return duration, rate, nil
}

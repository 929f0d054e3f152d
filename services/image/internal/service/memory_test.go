package service_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fotogal/fotogal/pkg/testimages"
	"github.com/fotogal/fotogal/services/image/internal/service"
)

// gauge reads the value of the gauge name from the families reg gathers.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	v, err := readGauge(reg, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readGauge is gauge for goroutines other than the test's.
func readGauge(reg *prometheus.Registry, name string) (float64, error) {
	families, err := reg.Gather()
	if err != nil {
		return 0, fmt.Errorf("gather metrics: %w", err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetGauge().GetValue(), nil
		}
	}
	return 0, fmt.Errorf("no gauge %s in the metrics", name)
}

// Sixteen uploads at once, with a worker for each, stay within the pixel
// budget, as the service's own metrics show: the pixels in flight never
// pass it, and the heap in use (go_memstats_heap_inuse_bytes) grows by no
// more than the budget's pixels allow, where the sixteen decoded at once
// would take several times as much.
func TestConcurrentUploadsStayWithinPixelBudget(t *testing.T) {
	const (
		uploads = 16
		w, h    = 1500, 1000
		budget  = 2_000_000 // one 1.5-megapixel photo at a time
	)
	e := newEnv(t, withConfig(func(c *service.Config) {
		c.Workers = uploads
		c.PixelBudget = budget
	}))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	reg.MustRegister(e.srv.Collectors()...)
	if got := gauge(t, reg, "fotogal_image_pixel_budget"); got != budget {
		t.Fatalf("fotogal_image_pixel_budget = %v, want %d", got, budget)
	}
	photos := [][]byte{testimages.JPEG(w, h, 1), testimages.JPEG(w, h, 6)}
	runtime.GC()
	heapBefore := gauge(t, reg, "go_memstats_heap_inuse_bytes")

	var peakPixels, peakHeap float64
	var sampleErr error
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			pixels, err := readGauge(reg, "fotogal_image_pixels_in_flight")
			heap, err2 := readGauge(reg, "go_memstats_heap_inuse_bytes")
			if sampleErr = errors.Join(err, err2); sampleErr != nil {
				return
			}
			peakPixels, peakHeap = max(peakPixels, pixels), max(peakHeap, heap)
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, uploads)
	for i := range uploads {
		wg.Go(func() { _, errs[i] = e.upload("alice", photos[i%len(photos)], uploadOptions{}) })
	}
	wg.Wait()
	close(stop)
	<-sampled
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}

	if peakPixels == 0 || peakPixels > budget {
		t.Errorf("fotogal_image_pixels_in_flight peaked at %v, want within the budget of %d (and seen above 0)", peakPixels, budget)
	}
	// The budget's pixels at 4 bytes, twice over for the garbage collector,
	// and 32 MiB for the streams, buffers and variants being encoded.
	const allowed = 2*4*budget + 32<<20
	if grew := peakHeap - heapBefore; grew > allowed {
		t.Errorf("heap in use grew by %.0f MiB during %d uploads, want at most %d MiB", grew/(1<<20), uploads, allowed>>20)
	}
	t.Logf("peak pixels in flight %v of %d; heap in use grew by %.1f MiB (allowed %d MiB)", peakPixels, budget, (peakHeap-heapBefore)/(1<<20), allowed>>20)
	if got := gauge(t, reg, "fotogal_image_pixels_in_flight"); got != 0 {
		t.Errorf("fotogal_image_pixels_in_flight = %v after the uploads, want 0", got)
	}
}

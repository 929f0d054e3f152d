package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// seedExplore writes 2,000 photos of the last 7 days by 60 accounts and
// 20,000 reactions (about one in five a dislike) spread over them.
func seedExplore(b *testing.B, e *exploreEnv) {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	photos := make([]string, 2000)
	for i := range photos {
		photos[i] = e.post(b, fmt.Sprintf("person%02d", i%60), time.Duration(rng.Int64N(int64(7*24*time.Hour))))
	}
	ctx := context.Background()
	for i := range 20000 {
		kind := store.Like
		if rng.IntN(5) == 0 {
			kind = store.Dislike
		}
		if err := e.st.React(ctx, photos[rng.IntN(len(photos))], fmt.Sprintf("id-fan%05d", i), kind); err != nil {
			b.Fatal(err)
		}
	}
}

// reportLatency reports the median and the 99th percentile of took.
func reportLatency(b *testing.B, took []time.Duration) {
	b.Helper()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkExplore measures a first page of 30 through the real gRPC
// server, on 2,000 candidates and 20,000 reactions: "ranked" ranks anew on
// every call (the cost paid once a minute per replica), "cached" serves
// from the snapshot (every other call).
func BenchmarkExplore(b *testing.B) {
	for _, bc := range []struct {
		name    string
		refresh time.Duration
	}{
		{"ranked", time.Nanosecond},
		{"cached", time.Hour},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newExploreEnv(b, bc.refresh)
			seedExplore(b, e)
			e.explore(b, "erin", 30, "")
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				if len(e.explore(b, "erin", 30, "").GetImages()) != 30 {
					b.Fatal("short page")
				}
				took = append(took, time.Since(start))
			}
			reportLatency(b, took)
		})
	}
}

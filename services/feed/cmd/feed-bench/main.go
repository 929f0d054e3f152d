// Command feed-bench measures GetFeed against running FotoGal binaries. It
// logs in as each reader of the manifest user-seed left (seed.json), times
// their first request (which fills the reader's materialised timeline),
// walks to a deep page of their timeline, timing the walk (past the
// backfill, each page is read once by fan-out on read and copied into the
// timeline), then times a fixed number of requests of the first page and
// of that deep page at a given concurrency, and prints p50, p99 and
// requests per second as a markdown table.
//
//	feed-bench -manifest var/seed.json -requests 200 -concurrency 4
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
)

// manifest is the part of user-seed's seed.json this command reads.
type manifest struct {
	Password string   `json:"password"`
	Readers  []reader `json:"readers"`
}

type reader struct {
	Email            string `json:"email"`
	Username         string `json:"username"`
	Following        int    `json:"following"`
	PhotosPerAccount int    `json:"photosPerAccount"`
}

type options struct {
	manifest    string
	authAddr    string
	feedAddr    string
	requests    int
	concurrency int
	pageSize    int
	deepPage    int
	wait        time.Duration
	waitFor     []string
}

// stats summarise the latencies of one batch of requests.
type stats struct {
	p50, p99 time.Duration
	rps      float64
}

// row is one line of the table: a reader's timeline measured.
type row struct {
	reader reader
	// fill is the latency of the reader's very first request, and walk the
	// mean latency of the requests of the walk to the deep page: one-time
	// costs, not timed again.
	fill, walk  time.Duration
	first, deep stats
	// deepPage is the page number measured as deep: the -deep-page or the
	// timeline's last page, whichever comes first.
	deepPage int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "feed-bench:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context, args []string, out io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(o.manifest)
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("decode manifest: %w", err)
	}
	dial := func(addr string) (*grpc.ClientConn, error) {
		return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	authConn, err := dial(o.authAddr)
	if err != nil {
		return fmt.Errorf("dial auth: %w", err)
	}
	defer authConn.Close()
	feedConn, err := dial(o.feedAddr)
	if err != nil {
		return fmt.Errorf("dial feed: %w", err)
	}
	defer feedConn.Close()
	for _, addr := range o.waitFor {
		if err := waitServing(ctx, addr, o.wait); err != nil {
			return err
		}
	}
	auth := authv1.NewAuthServiceClient(authConn)
	feed := feedv1.NewFeedServiceClient(feedConn)

	var rows []row
	for _, r := range m.Readers {
		login, err := auth.Login(ctx, &authv1.LoginRequest{Email: r.Email, Password: m.Password})
		if err != nil {
			return fmt.Errorf("log in as %s: %w", r.Username, err)
		}
		rctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+login.GetSessionToken())
		res, err := measure(rctx, feed, o)
		if err != nil {
			return fmt.Errorf("reader %s: %w", r.Username, err)
		}
		res.reader = r
		rows = append(rows, res)
		fmt.Fprintf(os.Stderr, "feed-bench: %s done\n", r.Username)
	}
	printTable(out, o, rows)
	return nil
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("feed-bench", flag.ContinueOnError)
	dataDir := os.Getenv("FOTOGAL_DATA_DIR")
	if dataDir == "" {
		dataDir = "./var"
	}
	var o options
	fs.StringVar(&o.manifest, "manifest", dataDir+"/seed.json", "user-seed's manifest")
	fs.StringVar(&o.authAddr, "auth-addr", envOr("FOTOGAL_AUTH_ADDR", "127.0.0.1:9091"), "auth service address")
	fs.StringVar(&o.feedAddr, "feed-addr", envOr("FOTOGAL_FEED_ADDR", "127.0.0.1:9094"), "feed service address")
	fs.IntVar(&o.requests, "requests", 200, "timed requests per page and reader")
	fs.IntVar(&o.concurrency, "concurrency", 4, "requests in flight at once")
	fs.IntVar(&o.pageSize, "page-size", 20, "page size")
	fs.IntVar(&o.deepPage, "deep-page", 50, "the deep page to time (1 is the first)")
	fs.DurationVar(&o.wait, "wait", time.Minute, "how long to wait for the services to be serving")
	waitFor := fs.String("wait-for", strings.Join([]string{
		envOr("FOTOGAL_AUTH_ADDR", "127.0.0.1:9091"),
		envOr("FOTOGAL_USER_ADDR", "127.0.0.1:9092"),
		envOr("FOTOGAL_IMAGE_ADDR", "127.0.0.1:9093"),
		envOr("FOTOGAL_FEED_ADDR", "127.0.0.1:9094"),
	}, ","), "comma-separated addresses of the services to wait for (gRPC health SERVING)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o.waitFor = strings.Split(*waitFor, ",")
	if o.requests < 1 || o.concurrency < 1 || o.pageSize < 1 || o.deepPage < 2 {
		return options{}, errors.New("-requests, -concurrency and -page-size must be positive, -deep-page at least 2")
	}
	return o, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// waitServing polls the gRPC health of addr until it is SERVING or wait
// has passed.
func waitServing(ctx context.Context, addr string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not serving after %v (last error: %v)", addr, wait, err)
		case <-tick.C:
		}
	}
}

// measure times the first request and the walk to the deep page, then
// times the first and the deep page.
func measure(ctx context.Context, feed feedv1.FeedServiceClient, o options) (row, error) {
	first := &feedv1.GetFeedRequest{PageSize: int32(o.pageSize)}
	start := time.Now()
	resp, err := feed.GetFeed(ctx, first)
	if err != nil {
		return row{}, err
	}
	fill := time.Since(start)
	if len(resp.GetItems()) == 0 {
		return row{}, fmt.Errorf("empty timeline (%v)", resp.GetEmptyReason())
	}
	deep := first
	page := 1
	start = time.Now()
	for ; page < o.deepPage && resp.GetNextPageToken() != ""; page++ {
		deep = &feedv1.GetFeedRequest{PageSize: int32(o.pageSize), PageToken: resp.GetNextPageToken()}
		if resp, err = feed.GetFeed(ctx, deep); err != nil {
			return row{}, err
		}
	}
	r := row{fill: fill, deepPage: page}
	if page > 1 {
		r.walk = time.Since(start) / time.Duration(page-1)
	}
	if r.first, err = timeRequests(ctx, feed, first, o); err != nil {
		return row{}, err
	}
	if r.deep, err = timeRequests(ctx, feed, deep, o); err != nil {
		return row{}, err
	}
	return r, nil
}

// timeRequests sends req o.requests times, o.concurrency at once, after a
// few untimed ones to warm caches and connections.
func timeRequests(ctx context.Context, feed feedv1.FeedServiceClient, req *feedv1.GetFeedRequest, o options) (stats, error) {
	for range min(10, o.requests) {
		if _, err := feed.GetFeed(ctx, req); err != nil {
			return stats{}, err
		}
	}
	latencies := make([]time.Duration, o.requests)
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	start := time.Now()
	for range o.concurrency {
		wg.Go(func() {
			for i := range jobs {
				t := time.Now()
				_, err := feed.GetFeed(ctx, req)
				latencies[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range o.requests {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return stats{}, firstErr
	}
	slices.Sort(latencies)
	return stats{
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		rps: float64(o.requests) / elapsed.Seconds(),
	}, nil
}

// percentile returns the p-th percentile of sorted latencies (nearest
// rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (len(sorted)*p + 99) / 100
	return sorted[max(rank, 1)-1]
}

func printTable(w io.Writer, o options, rows []row) {
	fmt.Fprintf(w, "GetFeed, page size %d, %d requests per cell at concurrency %d\n\n", o.pageSize, o.requests, o.concurrency)
	fmt.Fprintln(w, "| following | photos/account | fill (1st request) | first p50 | first p99 | first rps | deep page | walk (mean) | deep p50 | deep p99 | deep rps |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %.0f | %d | %s | %s | %s | %.0f |\n",
			r.reader.Following, r.reader.PhotosPerAccount, ms(r.fill),
			ms(r.first.p50), ms(r.first.p99), r.first.rps,
			r.deepPage, ms(r.walk), ms(r.deep.p50), ms(r.deep.p99), r.deep.rps)
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

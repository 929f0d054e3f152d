// Command feed-bench measures GetFeed against running FotoGal binaries. It
// logs in as each reader of the manifest user-seed left (seed.json), times
// their first request (which fills the reader's materialised timeline),
// walks to a deep page of their timeline, timing the walk (past the
// backfill, each page is read once by fan-out on read and copied into the
// timeline), then times a fixed number of requests of the first page and
// of that deep page at a given concurrency, and prints p50, p99 and
// requests per second as a markdown table. Readers marked fill-only are
// timed at their first request alone, for the fill's median.
//
// When the manifest has a star (an account with a huge following), the
// rows of the readers who follow it are compared with the grid's, and the
// star posts a photo through the image service: feed-bench waits until it
// shows on those readers' first pages and prints how many timeline entries
// the feed's tailer wrote meanwhile (fotogal_feed_tailer_entries_written_total
// on -feed-metrics).
//
// Last, the first reader posts a photo and -comments comments are added
// under it: feed-bench times its first page of comments, oldest first and
// newest first, and adding one more, and prints them as a second table
// (comments.go).
//
//	feed-bench -manifest var/seed.json -requests 200 -concurrency 4
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
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
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// manifest is the part of user-seed's seed.json this command reads.
type manifest struct {
	Password string   `json:"password"`
	Readers  []reader `json:"readers"`
	Star     *star    `json:"star"`
}

// star is the account with a huge following.
type star struct {
	Email     string `json:"email"`
	Username  string `json:"username"`
	Followers int    `json:"followers"`
}

type reader struct {
	Email            string `json:"email"`
	Username         string `json:"username"`
	Following        int    `json:"following"`
	PhotosPerAccount int    `json:"photosPerAccount"`
	// FillOnly marks a reader whose first request only is timed, for the
	// median of the fill of its row.
	FillOnly bool `json:"fillOnly"`
	// FollowsStar marks a reader who follows the star.
	FollowsStar bool `json:"followsStar"`
}

type options struct {
	manifest    string
	authAddr    string
	feedAddr    string
	imageAddr   string
	feedMetrics string
	requests    int
	concurrency int
	pageSize    int
	deepPage    int
	comments    int
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
	// fills are the latencies of the very first requests of the row's
	// readers, and walk the mean latency of the requests of the first
	// reader's walk to the deep page: one-time costs, not timed again.
	fills       []time.Duration
	walk        time.Duration
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

	var (
		rows []row
		fans []fan
	)
	for _, r := range m.Readers {
		rctx, err := logIn(ctx, auth, r.Email, m.Password)
		if err != nil {
			return err
		}
		if r.FillOnly || r.FollowsStar {
			start := time.Now()
			if _, err := feed.GetFeed(rctx, &feedv1.GetFeedRequest{PageSize: int32(o.pageSize)}); err != nil {
				return fmt.Errorf("reader %s: %w", r.Username, err)
			}
			fill := time.Since(start)
			if r.FollowsStar {
				fans = append(fans, fan{reader: r, ctx: rctx, fill: fill})
				continue
			}
			if len(rows) == 0 || rows[len(rows)-1].reader.Following != r.Following || rows[len(rows)-1].reader.PhotosPerAccount != r.PhotosPerAccount {
				return fmt.Errorf("reader %s: no measured reader before it with the same follows", r.Username)
			}
			rows[len(rows)-1].fills = append(rows[len(rows)-1].fills, fill)
			continue
		}
		res, err := measure(rctx, feed, o)
		if err != nil {
			return fmt.Errorf("reader %s: %w", r.Username, err)
		}
		res.reader = r
		rows = append(rows, res)
		fmt.Fprintf(os.Stderr, "feed-bench: %s done\n", r.Username)
	}
	imageConn, err := dial(o.imageAddr)
	if err != nil {
		return fmt.Errorf("dial image: %w", err)
	}
	defer imageConn.Close()
	images := imagev1.NewImageServiceClient(imageConn)
	var post starPost
	if m.Star != nil && len(fans) > 0 {
		// The star posts once the fans have timelines: the tailer then
		// marks it a celebrity, and the fans' pages are timed with its
		// photos merged in when read.
		if post, err = postAsStar(ctx, m, auth, images, feed, fans, o); err != nil {
			return fmt.Errorf("the star's post: %w", err)
		}
		for _, f := range fans {
			res, err := measure(f.ctx, feed, o)
			if err != nil {
				return fmt.Errorf("reader %s: %w", f.reader.Username, err)
			}
			res.reader, res.fills = f.reader, []time.Duration{f.fill}
			rows = append(rows, res)
			fmt.Fprintf(os.Stderr, "feed-bench: %s done\n", f.reader.Username)
		}
	}
	printTable(out, o, rows)
	if m.Star != nil && len(fans) > 0 {
		printStarRatios(out, rows)
		fmt.Fprintf(out, "\nA post by %s (%d followers, %d of them with a timeline): %d timeline entries written; on their first pages %s after the upload.\n",
			m.Star.Username, m.Star.Followers, len(fans), post.written, ms(post.shown))
	}
	if o.comments == 0 || len(m.Readers) == 0 {
		return nil
	}
	c, err := benchComments(ctx, m, auth, images, o)
	if err != nil {
		return fmt.Errorf("the comments row: %w", err)
	}
	printComments(out, o, c)
	return nil
}

// fan is a reader who follows the star, logged in, with their first
// request's latency.
type fan struct {
	reader reader
	ctx    context.Context
	fill   time.Duration
}

// starPost is what the star's post cost.
type starPost struct {
	// written is the timeline entries the feed's tailer wrote meanwhile,
	// and shown how long the post took to reach the fans' first pages.
	written int
	shown   time.Duration
}

// postAsStar uploads a photo as the star, waits until it shows on the
// first page of the star's followers among the readers, and reads how many
// timeline entries the feed wrote in between from its metrics.
func postAsStar(ctx context.Context, m manifest, auth authv1.AuthServiceClient, images imagev1.ImageServiceClient, feed feedv1.FeedServiceClient, fans []fan, o options) (starPost, error) {
	sctx, err := logIn(ctx, auth, m.Star.Email, m.Password)
	if err != nil {
		return starPost{}, err
	}
	before, err := entriesWritten(ctx, o.feedMetrics)
	if err != nil {
		return starPost{}, err
	}
	id, err := upload(sctx, images)
	if err != nil {
		return starPost{}, err
	}
	start := time.Now()
	for _, f := range fans {
		for {
			resp, err := feed.GetFeed(f.ctx, &feedv1.GetFeedRequest{PageSize: int32(o.pageSize)})
			if err != nil {
				return starPost{}, err
			}
			if len(resp.GetItems()) > 0 && resp.GetItems()[0].GetImage().GetImageId() == id {
				break
			}
			if time.Since(start) > time.Minute {
				return starPost{}, fmt.Errorf("photo %s not on a follower's first page after a minute", id)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	shown := time.Since(start)
	// Past two tail passes the tailer has handled the photo.
	time.Sleep(time.Second)
	after, err := entriesWritten(ctx, o.feedMetrics)
	if err != nil {
		return starPost{}, err
	}
	return starPost{written: after - before, shown: shown}, nil
}

// logIn returns ctx with the session of the account with email.
func logIn(ctx context.Context, auth authv1.AuthServiceClient, email, password string) (context.Context, error) {
	login, err := auth.Login(ctx, &authv1.LoginRequest{Email: email, Password: password})
	if err != nil {
		return nil, fmt.Errorf("log in as %s: %w", email, err)
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+login.GetSessionToken()), nil
}

// upload posts a small PNG as the caller and returns its id.
func upload(ctx context.Context, images imagev1.ImageServiceClient) (string, error) {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("encode png: %w", err)
	}
	stream, err := images.UploadImage(ctx)
	if err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	if err := stream.Send(&imagev1.UploadImageRequest{Data: &imagev1.UploadImageRequest_Metadata{Metadata: &imagev1.UploadMetadata{Caption: "a celebrity's post", Filename: "post.png"}}}); err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	if err := stream.Send(&imagev1.UploadImageRequest{Data: &imagev1.UploadImageRequest_Chunk{Chunk: buf.Bytes()}}); err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	return resp.GetImage().GetImageId(), nil
}

// entriesWritten reads fotogal_feed_tailer_entries_written_total from the
// feed's metrics endpoint.
func entriesWritten(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("read the feed's metrics: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read the feed's metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("read the feed's metrics: %w", err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "fotogal_feed_tailer_entries_written_total "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(n), err
		}
	}
	return 0, errors.New("no fotogal_feed_tailer_entries_written_total in the feed's metrics")
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
	fs.StringVar(&o.imageAddr, "image-addr", envOr("FOTOGAL_IMAGE_ADDR", "127.0.0.1:9093"), "image service address, for the star's post")
	fs.StringVar(&o.feedMetrics, "feed-metrics", "http://127.0.0.1:9194/metrics", "the feed's metrics endpoint, for the timeline entries the star's post costs")
	fs.IntVar(&o.requests, "requests", 200, "timed requests per page and reader")
	fs.IntVar(&o.concurrency, "concurrency", 4, "requests in flight at once")
	fs.IntVar(&o.pageSize, "page-size", 20, "page size")
	fs.IntVar(&o.deepPage, "deep-page", 50, "the deep page to time (1 is the first)")
	fs.IntVar(&o.comments, "comments", 10000, "comments under the photo of the comments row (0: no comments row)")
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
	if o.requests < 1 || o.concurrency < 1 || o.pageSize < 1 || o.deepPage < 2 || o.comments < 0 {
		return options{}, errors.New("-requests, -concurrency and -page-size must be positive, -deep-page at least 2, -comments at least 0")
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
	r := row{fills: []time.Duration{fill}, deepPage: page}
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
	return timeCalls(ctx, o, func(ctx context.Context) error {
		_, err := feed.GetFeed(ctx, req)
		return err
	})
}

// timeCalls makes call o.requests times, o.concurrency at once, after a
// few untimed ones to warm caches and connections.
func timeCalls(ctx context.Context, o options, call func(context.Context) error) (stats, error) {
	for range min(10, o.requests) {
		if err := call(ctx); err != nil {
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
				err := call(ctx)
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
	fmt.Fprintln(w, "| following | photos/account | fill p50 (1st requests) | first p50 | first p99 | first rps | deep page | walk (mean) | deep p50 | deep p99 | deep rps |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fills := slices.Sorted(slices.Values(r.fills))
		following := strconv.Itoa(r.reader.Following)
		if r.reader.FollowsStar {
			following += " (star among them)"
		}
		fmt.Fprintf(w, "| %s | %d | %s (%d) | %s | %s | %.0f | %d | %s | %s | %s | %.0f |\n",
			following, r.reader.PhotosPerAccount, ms(percentile(fills, 50)), len(fills),
			ms(r.first.p50), ms(r.first.p99), r.first.rps,
			r.deepPage, ms(r.walk), ms(r.deep.p50), ms(r.deep.p99), r.deep.rps)
	}
}

// printStarRatios prints, for each row of a reader who follows the star,
// its first page's p99 over that of the grid's row with the same follows.
func printStarRatios(w io.Writer, rows []row) {
	for _, r := range rows {
		if !r.reader.FollowsStar {
			continue
		}
		for _, g := range rows {
			if !g.reader.FollowsStar && g.reader.Following == r.reader.Following && g.reader.PhotosPerAccount == r.reader.PhotosPerAccount {
				fmt.Fprintf(w, "\nFollowing %d with the star: first page p99 %s, %.2f× the grid's %s.", r.reader.Following,
					ms(r.first.p99), float64(r.first.p99)/float64(g.first.p99), ms(g.first.p99))
			}
		}
	}
	fmt.Fprintln(w)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

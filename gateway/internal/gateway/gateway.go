// Package gateway is FotoGal's HTTP edge: it translates the public HTTP/JSON
// API to the services' gRPC (grpc-gateway), streams photo uploads and
// downloads, keeps the session in a cookie for browsers, refuses
// cross-origin state changes, and serves the web app.
//
// Every request gets a request id (the X-Request-Id header when valid, else
// a new one), echoed in the response and sent to the services as
// "x-request-id", with the client's address as "x-forwarded-for" and its
// User-Agent as "grpcgateway-user-agent". The session token comes from
// "Authorization: Bearer <token>" or, failing that, from the session cookie,
// and travels as "authorization: Bearer <token>". No other header, and never
// a cookie, reaches the services.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
	"github.com/fotogal/fotogal/proto/openapi"
)

// DefaultMaxUploadBytes bounds an uploaded file when Config.MaxUploadBytes is
// zero.
const DefaultMaxUploadBytes = 16 << 20

// Config says how the gateway treats requests.
type Config struct {
	// MaxUploadBytes bounds the size of an uploaded file (photo or avatar);
	// zero or less means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// MaxJSONBytes bounds the body of a JSON request; zero or less means
	// DefaultMaxJSONBytes.
	MaxJSONBytes int64
	// TrustProxy says that the gateway runs behind a reverse proxy whose
	// X-Forwarded-For and X-Forwarded-Proto headers are to be believed.
	TrustProxy bool
	// AllowedOrigins lists the origins ("https://fotogal.example") besides
	// the gateway's own whose pages may change state with the session
	// cookie.
	AllowedOrigins []string
	// ReadyTimeout bounds each upstream's health check in /readyz; zero or
	// less means one second.
	ReadyTimeout time.Duration
	// ImageContentURL is the base URL of the image service's content port
	// ("http://image:9083"), where photo bytes are proxied; empty means
	// they are streamed over gRPC instead.
	ImageContentURL string
	// ContentHeaderTimeout bounds the wait for the content port's answer
	// to begin, as the call timeout bounds a gRPC call; zero or less means
	// five seconds.
	ContentHeaderTimeout time.Duration
	// ContentCacheBytes bounds the thumbs and displays the gateway keeps
	// in memory from the content port (see contentCache); zero or less
	// keeps none.
	ContentCacheBytes int64
	// ContentCacheTTL is how long the gateway reuses an answer of the
	// content port: that a session may see an owner's photos, that a photo
	// still exists; zero or less means DefaultContentCacheTTL.
	ContentCacheTTL time.Duration
}

// Upstreams are the connections to the services the gateway calls.
type Upstreams struct {
	Auth  grpc.ClientConnInterface
	User  grpc.ClientConnInterface
	Image grpc.ClientConnInterface
	Feed  grpc.ClientConnInterface
}

// Gateway is the HTTP handler of FotoGal's edge.
type Gateway struct {
	cfg            Config
	logger         *zap.Logger
	allowedOrigins map[string]bool
	mux            *runtime.ServeMux
	image          imagev1.ImageServiceClient
	imageContent   *url.URL
	contentCache   *contentCache
	routes         *http.ServeMux
	upstreams      []upstream
	metrics        *httpMetrics
}

// New returns the gateway for cfg: it calls the services through up, serves
// the web app from static (index.html at its root) and logs one line per
// request with logger.
func New(cfg Config, up Upstreams, logger *zap.Logger, static fs.FS) (*Gateway, error) {
	if up.Auth == nil || up.User == nil || up.Image == nil || up.Feed == nil {
		return nil, errors.New("gateway: every upstream connection is required")
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.MaxJSONBytes <= 0 {
		cfg.MaxJSONBytes = DefaultMaxJSONBytes
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = time.Second
	}
	if cfg.ContentHeaderTimeout <= 0 {
		cfg.ContentHeaderTimeout = 5 * time.Second
	}
	if cfg.ContentCacheTTL <= 0 {
		cfg.ContentCacheTTL = DefaultContentCacheTTL
	}
	allowed, err := parseOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	var imageContent *url.URL
	if cfg.ImageContentURL != "" {
		if imageContent, err = parseContentURL(cfg.ImageContentURL); err != nil {
			return nil, err
		}
	}
	files, err := newStaticFiles(static)
	if err != nil {
		return nil, fmt.Errorf("gateway: load web app: %w", err)
	}
	g := &Gateway{
		cfg:            cfg,
		logger:         logger,
		allowedOrigins: allowed,
		image:          imagev1.NewImageServiceClient(up.Image),
		imageContent:   imageContent,
		upstreams: []upstream{
			{name: "auth", service: authv1.AuthService_ServiceDesc.ServiceName, conn: up.Auth},
			{name: "user", service: userv1.UserService_ServiceDesc.ServiceName, conn: up.User},
			{name: "image", service: imagev1.ImageService_ServiceDesc.ServiceName, conn: up.Image},
			{name: "feed", service: feedv1.FeedService_ServiceDesc.ServiceName, conn: up.Feed},
		},
		metrics: newHTTPMetrics(),
	}
	if imageContent != nil && cfg.ContentCacheBytes > 0 {
		g.contentCache = newContentCache(cfg.ContentCacheTTL, cfg.ContentCacheBytes)
		g.metrics.registry.MustRegister(g.contentCache.collectors()...)
	}
	if err := g.buildMux(up); err != nil {
		return nil, err
	}

	routes := http.NewServeMux()
	routes.HandleFunc("GET /healthz", serveHealthz)
	routes.HandleFunc("GET /readyz", g.serveReadyz)
	routes.HandleFunc("GET /openapi.json", serveOpenAPI)
	routes.HandleFunc("/v1/", g.serveAPI)
	routes.Handle("/", files)
	g.routes = routes
	return g, nil
}

// buildMux builds the grpc-gateway mux: every route of gateway.yaml plus the
// streaming routes of image bytes.
func (g *Gateway) buildMux(up Upstreams) error {
	g.mux = runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			// Zero counts and empty lists are shown; unknown input fields
			// are errors (400), not silently dropped.
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{},
		}),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithOutgoingHeaderMatcher(dropHeader),
		runtime.WithOutgoingTrailerMatcher(dropHeader),
		runtime.WithMetadata(requestMetadata),
		runtime.WithForwardResponseOption(g.sessionCookie),
		runtime.WithErrorHandler(g.handleError),
		runtime.WithRoutingErrorHandler(handleRoutingError),
		runtime.WithMiddlewares(recordRoute, g.forgetDeletedPhotos),
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithDisablePathLengthFallback(),
	)
	// The Register*HandlerClient functions do not use their context.
	ctx := context.Background()
	registrations := []struct {
		name     string
		register func() error
	}{
		{"auth", func() error {
			return authv1.RegisterAuthServiceHandlerClient(ctx, g.mux, authv1.NewAuthServiceClient(up.Auth))
		}},
		{"user", func() error {
			return userv1.RegisterUserServiceHandlerClient(ctx, g.mux, userv1.NewUserServiceClient(up.User))
		}},
		{"image", func() error { return imagev1.RegisterImageServiceHandlerClient(ctx, g.mux, g.image) }},
		{"feed", func() error {
			return feedv1.RegisterFeedServiceHandlerClient(ctx, g.mux, feedv1.NewFeedServiceClient(up.Feed))
		}},
		{"notifications", func() error {
			return feedv1.RegisterNotificationServiceHandlerClient(ctx, g.mux, feedv1.NewNotificationServiceClient(up.Feed))
		}},
		{"image bytes", g.registerContentRoutes},
		{"export", func() error { return g.registerExport(userv1.NewUserServiceClient(up.User)) }},
	}
	for _, r := range registrations {
		if err := r.register(); err != nil {
			return fmt.Errorf("gateway: register %s routes: %w", r.name, err)
		}
	}
	return nil
}

// ServeHTTP serves one request: security headers, request id, the route,
// then an access log line and the request's metrics.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := newRequestInfo(r, g.cfg.TrustProxy)
	setSecurityHeaders(w.Header())
	w.Header().Set("X-Request-Id", info.id)

	rw := &responseRecorder{ResponseWriter: w, status: http.StatusOK}
	r = r.WithContext(info.attach(r.Context(), g.logger))
	h, pattern := g.routes.Handler(r)
	info.route = pattern // the API's mux refines it
	h.ServeHTTP(rw, r)

	elapsed := time.Since(start)
	g.metrics.observe(r.Method, info.route, rw.status, elapsed)
	g.logger.Info("request",
		zap.String("request_id", info.id),
		zap.String("method", r.Method),
		zap.String("path", r.URL.Path),
		zap.String("route", info.route),
		zap.Int("status", rw.status),
		zap.Int64("bytes", rw.bytes),
		zap.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
	)
}

// MetricsHandler returns the Prometheus handler of the gateway's metrics,
// to serve on a listener of its own.
func (g *Gateway) MetricsHandler() http.Handler {
	return g.metrics.handler()
}

// RegisterMetrics adds c (the binary's log shipping, say) to the metrics
// MetricsHandler serves.
func (g *Gateway) RegisterMetrics(c prometheus.Collector) {
	g.metrics.registry.MustRegister(c)
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapi.Document)
}

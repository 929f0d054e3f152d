package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
	envconfig "github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocilog"
)

// config is the gateway binary's configuration, read from the environment.
type config struct {
	// HTTPAddr is where the API and the web app listen (FOTOGAL_HTTP_ADDR).
	HTTPAddr string
	// MetricsAddr is where /metrics listens; empty disables it
	// (FOTOGAL_METRICS_ADDR).
	MetricsAddr string
	// Pprof adds the runtime profiles to the metrics endpoint
	// (FOTOGAL_PPROF; see package profiling).
	Pprof bool
	// LogLevel is debug, info, warn or error (FOTOGAL_LOG_LEVEL).
	LogLevel string
	// Logs is OCI Logging as a second destination of the log entries,
	// when FOTOGAL_OCI_LOG_ID is set (FOTOGAL_OCI_LOG_*).
	Logs ocilog.Config
	// OCIAuth is the identity of every OCI client (FOTOGAL_OCI_AUTH, ...).
	OCIAuth ociauth.Config
	// AuthAddr, UserAddr, ImageAddr and FeedAddr are where the services are
	// dialled (FOTOGAL_AUTH_ADDR, ...).
	AuthAddr, UserAddr, ImageAddr, FeedAddr string
	// CallTimeout is the deadline of unary calls to the services
	// (FOTOGAL_CALL_TIMEOUT).
	CallTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown (FOTOGAL_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// Gateway is how requests are treated: FOTOGAL_MAX_UPLOAD_BYTES,
	// FOTOGAL_TRUST_PROXY, FOTOGAL_ALLOWED_ORIGINS, FOTOGAL_CONTENT_CACHE_*.
	Gateway gateway.Config
}

// loadConfig reads the configuration with lookup (os.LookupEnv); the error
// names every bad variable.
func loadConfig(lookup func(string) (string, bool)) (config, error) {
	l := envconfig.NewLoader(lookup)
	cfg := config{
		HTTPAddr:        l.Addr("FOTOGAL_HTTP_ADDR", ":8080"),
		MetricsAddr:     l.OptionalAddr("FOTOGAL_METRICS_ADDR", "127.0.0.1:9190"),
		Pprof:           l.Bool("FOTOGAL_PPROF", false),
		LogLevel:        l.OneOf("FOTOGAL_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		Logs:            ocilog.LoadConfig(l),
		OCIAuth:         ociauth.Load(l),
		AuthAddr:        l.String("FOTOGAL_AUTH_ADDR", "127.0.0.1:9091"),
		UserAddr:        l.String("FOTOGAL_USER_ADDR", "127.0.0.1:9092"),
		ImageAddr:       l.String("FOTOGAL_IMAGE_ADDR", "127.0.0.1:9093"),
		FeedAddr:        l.String("FOTOGAL_FEED_ADDR", "127.0.0.1:9094"),
		CallTimeout:     l.Duration("FOTOGAL_CALL_TIMEOUT", 5*time.Second),
		ShutdownTimeout: l.Duration("FOTOGAL_SHUTDOWN_TIMEOUT", 10*time.Second),
		Gateway: gateway.Config{
			MaxUploadBytes: l.Bytes("FOTOGAL_MAX_UPLOAD_BYTES", gateway.DefaultMaxUploadBytes),
			MaxJSONBytes:   l.Bytes("FOTOGAL_MAX_JSON_BYTES", gateway.DefaultMaxJSONBytes),
			TrustProxy:     l.Bool("FOTOGAL_TRUST_PROXY", false),
			// Set but empty streams photo bytes over gRPC instead.
			ImageContentURL: l.OptionalURL("FOTOGAL_IMAGE_CONTENT_URL", "http://127.0.0.1:9083"),
			// Zero keeps no photo bytes in memory.
			ContentCacheBytes: l.Bytes("FOTOGAL_CONTENT_CACHE_BYTES", gateway.DefaultContentCacheBytes),
			ContentCacheTTL:   l.PositiveDuration("FOTOGAL_CONTENT_CACHE_TTL", gateway.DefaultContentCacheTTL),
		},
	}
	cfg.Gateway.ContentHeaderTimeout = cfg.CallTimeout
	errs := []error{l.Err()}
	if cfg.Gateway.MaxUploadBytes <= 0 {
		errs = append(errs, errors.New("FOTOGAL_MAX_UPLOAD_BYTES: must be positive"))
	}
	if cfg.Gateway.MaxJSONBytes <= 0 {
		errs = append(errs, errors.New("FOTOGAL_MAX_JSON_BYTES: must be positive"))
	}
	for _, o := range strings.Split(l.String("FOTOGAL_ALLOWED_ORIGINS", ""), ",") {
		if strings.TrimSpace(o) == "" {
			continue
		}
		origin, err := gateway.ParseOrigin(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("FOTOGAL_ALLOWED_ORIGINS: %w", err))
			continue
		}
		cfg.Gateway.AllowedOrigins = append(cfg.Gateway.AllowedOrigins, origin)
	}
	return cfg, errors.Join(errs...)
}

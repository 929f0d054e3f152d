// Command gateway is FotoGal's HTTP edge: the public HTTP/JSON API in front
// of the gRPC services, photo uploads and downloads, and the web app.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
	"github.com/fotogal/fotogal/gateway/web"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/healthcheck"
	"github.com/fotogal/fotogal/pkg/ocilog"
	"github.com/fotogal/fotogal/pkg/profiling"

	// CA roots for TLS to OCI where the system has none, as in the
	// FROM scratch image.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck.HTTP(":8080"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context) error {
	cfg, err := loadConfig(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	logger, logs, err := ocilog.NewLogger(ctx, "gateway", cfg.LogLevel, cfg.Logs, cfg.OCIAuth)
	if err != nil {
		return fmt.Errorf("create logger: %w", err)
	}
	defer logs.CloseWithin(cfg.ShutdownTimeout)
	defer func() { _ = logger.Sync() }()

	upstreams, closeUpstreams, err := dialUpstreams(cfg)
	if err != nil {
		return err
	}
	defer closeUpstreams()

	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		return fmt.Errorf("open web app: %w", err)
	}
	handler, err := gateway.New(cfg.Gateway, upstreams, logger, static)
	if err != nil {
		return fmt.Errorf("create gateway: %w", err)
	}

	handler.RegisterMetrics(logs.Collector())
	servers := []*server{{name: "http", addr: cfg.HTTPAddr, handler: handler}}
	if cfg.MetricsAddr != "" {
		metrics := http.NewServeMux()
		metrics.Handle("GET /metrics", handler.MetricsHandler())
		if cfg.Pprof {
			profiling.Handle(metrics)
		}
		servers = append(servers, &server{name: "metrics", addr: cfg.MetricsAddr, handler: metrics})
	}
	if err := serve(ctx, logger, cfg.ShutdownTimeout, servers); err != nil {
		return err
	}
	logger.Info("successful shutdown")
	return nil
}

// dialUpstreams dials the four services, and returns a function closing
// the connections.
func dialUpstreams(cfg config) (gateway.Upstreams, func(), error) {
	targets := []string{cfg.AuthAddr, cfg.UserAddr, cfg.ImageAddr, cfg.FeedAddr}
	conns := make([]*grpc.ClientConn, 0, len(targets))
	closeAll := func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	for _, target := range targets {
		conn, err := grpcclient.Dial(target, grpcclient.Options{Timeout: cfg.CallTimeout})
		if err != nil {
			closeAll()
			return gateway.Upstreams{}, nil, fmt.Errorf("dial upstreams: %w", err)
		}
		conns = append(conns, conn)
	}
	up := gateway.Upstreams{Auth: conns[0], User: conns[1], Image: conns[2], Feed: conns[3]}
	return up, closeAll, nil
}

// server is an HTTP server of the binary.
type server struct {
	name    string
	addr    string
	handler http.Handler
}

// serve binds every server's listener up front, serves until ctx is done or
// one fails, then shuts them all down gracefully within timeout.
func serve(ctx context.Context, logger *zap.Logger, timeout time.Duration, servers []*server) error {
	type running struct {
		srv *http.Server
		ln  net.Listener
	}
	var all []running
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, r := range all {
				_ = r.ln.Close()
			}
			return fmt.Errorf("listen for %s on %s: %w", s.name, s.addr, err)
		}
		all = append(all, running{
			srv: &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
			ln:  ln,
		})
		logger.Info("serving", zap.String("server", s.name), zap.String("addr", ln.Addr().String()))
	}

	errc := make(chan error, len(all))
	for _, r := range all {
		go func() {
			if err := r.srv.Serve(r.ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for _, r := range all {
		if err := r.srv.Shutdown(shutdownCtx); err != nil {
			serveErr = errors.Join(serveErr, fmt.Errorf("shut down: %w", err))
		}
	}
	return serveErr
}

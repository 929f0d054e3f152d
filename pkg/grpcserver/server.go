// Package grpcserver starts a FotoGal gRPC server the same way in every
// binary: listeners bound up front, gRPC health and server reflection, the
// common interceptors (request id, access log, Prometheus metrics, panic
// recovery), a /metrics HTTP endpoint and a graceful shutdown.
//
//	srv, err := grpcserver.New(cfg.Server, logger, "user", []grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()}, nil)
//	if err != nil {
//		return fmt.Errorf("create server: %w", err)
//	}
//	userv1.RegisterUserServiceServer(srv.GRPC(), handlers)
//	srv.SetServing(userv1.UserService_ServiceDesc.ServiceName)
//	return srv.Serve(ctx)
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/fotogal/fotogal/pkg/profiling"
)

// DefaultShutdownTimeout bounds a graceful stop when Config.ShutdownTimeout
// is zero.
const DefaultShutdownTimeout = 10 * time.Second

// Config says where a Server listens and how long it drains.
type Config struct {
	// Addr is the gRPC listen address, e.g. "127.0.0.1:9091" or ":9091";
	// port 0 picks a free port (see Server.Addr).
	Addr string
	// MetricsAddr is the listen address of the HTTP /metrics endpoint;
	// empty disables it.
	MetricsAddr string
	// Pprof adds the runtime profiles under /debug/pprof/ to the metrics
	// endpoint (see package profiling).
	Pprof bool
	// ShutdownTimeout bounds the graceful stop, after which the remaining
	// calls are cut; zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// Server is a gRPC server with health, reflection, the common interceptors
// and a metrics endpoint, and any other HTTP endpoints the service adds.
type Server struct {
	logger          *zap.Logger
	grpc            *grpc.Server
	health          *health.Server
	registry        *prometheus.Registry
	listener        net.Listener
	metricsListener net.Listener
	endpoints       []httpEndpoint
	shutdownTimeout time.Duration
}

// httpEndpoint is an HTTP server that Serve runs beside the gRPC one.
type httpEndpoint struct {
	name     string
	server   *http.Server
	listener net.Listener
}

// New binds the listeners of cfg and returns a Server for service (a short
// name like "user", the "service" label of its metrics).
//
// The interceptors run in this order: request id (from "x-request-id" or
// new, on the context with a logger carrying it), access log, metrics, panic
// recovery, then unary or stream, the caller's own (authentication, say).
// Recovery sits inside the log and the metrics so that a panic is logged and
// counted as the Internal error it becomes. logger should carry the service
// field (logging.New adds it). opts are passed to grpc.NewServer.
func New(cfg Config, logger *zap.Logger, service string, unary []grpc.UnaryServerInterceptor, stream []grpc.StreamServerInterceptor, opts ...grpc.ServerOption) (*Server, error) {
	if cfg.Addr == "" {
		return nil, errors.New("grpcserver: empty listen address")
	}
	s := &Server{
		logger:          logger,
		health:          health.NewServer(),
		registry:        prometheus.NewRegistry(),
		shutdownTimeout: cfg.ShutdownTimeout,
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = DefaultShutdownTimeout
	}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newRPCMetrics(s.registry, service)

	unaryChain := append([]grpc.UnaryServerInterceptor{
		unaryRequestID(logger),
		unaryAccessLog,
		m.unary,
		unaryRecovery,
	}, unary...)
	streamChain := append([]grpc.StreamServerInterceptor{
		streamRequestID(logger),
		streamAccessLog,
		m.stream,
		streamRecovery,
	}, stream...)
	opts = append([]grpc.ServerOption{
		// FotoGal's clients ping idle connections to find dead peers
		// (grpcclient.KeepaliveTime); without this the server would take
		// those pings for abuse and close the connections.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		grpc.ChainUnaryInterceptor(unaryChain...),
		grpc.ChainStreamInterceptor(streamChain...),
	}, opts...)
	s.grpc = grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)

	var err error
	if s.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("grpcserver: listen on %s: %w", cfg.Addr, err)
	}
	if cfg.MetricsAddr != "" {
		if s.metricsListener, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			s.listener.Close()
			return nil, fmt.Errorf("grpcserver: listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry}))
		if cfg.Pprof {
			profiling.Handle(mux)
		}
		s.endpoints = append(s.endpoints, httpEndpoint{"metrics", newHTTPServer(mux), s.metricsListener})
	}
	return s, nil
}

// newHTTPServer returns the http.Server of an endpoint: it waits at most
// 10 s for a request's headers.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
}

// AddHTTP binds addr (port 0 picks a free one) for an HTTP endpoint named
// name that serves h beside the gRPC server, and returns the bound address.
// Serve serves it and shuts it down with the rest. Call it before Serve.
func (s *Server) AddHTTP(name, addr string, h http.Handler) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("grpcserver: listen for %s on %s: %w", name, addr, err)
	}
	s.endpoints = append(s.endpoints, httpEndpoint{name, newHTTPServer(h), l})
	return l.Addr().String(), nil
}

// Addr returns the bound gRPC address, e.g. "127.0.0.1:41234".
func (s *Server) Addr() string { return s.listener.Addr().String() }

// MetricsAddr returns the bound address of the metrics endpoint, or "" when
// it is disabled.
func (s *Server) MetricsAddr() string {
	if s.metricsListener == nil {
		return ""
	}
	return s.metricsListener.Addr().String()
}

// GRPC returns the gRPC server, to register services on before Serve.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Registry returns the Prometheus registry the metrics endpoint serves, for
// the service's own metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// SetServing marks service (its full name, e.g. "fotogal.user.v1.UserService")
// SERVING in gRPC health. The server as a whole ("") is SERVING from the
// start.
func (s *Server) SetServing(service string) {
	s.health.SetServingStatus(service, healthpb.HealthCheckResponse_SERVING)
}

// Serve serves until ctx is done, then marks every service NOT_SERVING,
// stops gracefully (cutting the calls still running after the shutdown
// timeout) and shuts the metrics endpoint down. It returns nil after a clean
// shutdown, or the error that stopped a listener. Call it once.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1+len(s.endpoints))
	go func() {
		if err := s.grpc.Serve(s.listener); err != nil {
			errc <- fmt.Errorf("serve gRPC: %w", err)
		}
	}()
	fields := []zap.Field{zap.String("addr", s.Addr())}
	for _, e := range s.endpoints {
		go func() {
			if err := e.server.Serve(e.listener); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve %s: %w", e.name, err)
			}
		}()
		fields = append(fields, zap.String(e.name+"_addr", e.listener.Addr().String()))
	}
	s.logger.Info("serving", fields...)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	return errors.Join(serveErr, s.shutdown())
}

func (s *Server) shutdown() error {
	s.health.Shutdown()
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(s.shutdownTimeout)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		s.logger.Warn("graceful stop timed out, cutting the remaining calls")
		s.grpc.Stop()
		<-stopped
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	var errs []error
	for _, e := range s.endpoints {
		if err := e.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut %s down: %w", e.name, err))
		}
	}
	return errors.Join(errs...)
}

package grpcserver

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/requestid"
)

// wrappedStream is a grpc.ServerStream whose Context is replaced.
type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *wrappedStream) Context() context.Context { return s.ctx }

// withRequestID returns ctx carrying the incoming request id, or a new one,
// and a logger with the field request_id.
func withRequestID(ctx context.Context, logger *zap.Logger) context.Context {
	id, ok := requestid.FromIncoming(ctx)
	if !ok {
		id = requestid.New()
	}
	ctx = requestid.WithID(ctx, id)
	return logging.WithLogger(ctx, logger.With(zap.String("request_id", id)))
}

func unaryRequestID(logger *zap.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(withRequestID(ctx, logger), req)
	}
}

func streamRequestID(logger *zap.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &wrappedStream{ServerStream: ss, ctx: withRequestID(ss.Context(), logger)})
	}
}

// recovered logs a recovered panic with its stack and returns the error the
// caller gets instead.
func recovered(ctx context.Context, method string, p any) error {
	logging.FromContext(ctx).Error("panic in handler",
		zap.String("method", method), zap.Any("panic", p), zap.Stack("stack"))
	return status.Error(codes.Internal, "internal error")
}

func unaryRecovery(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, recovered(ctx, info.FullMethod, p)
		}
	}()
	return handler(ctx, req)
}

func streamRecovery(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = recovered(ss.Context(), info.FullMethod, p)
		}
	}()
	return handler(srv, ss)
}

// serverFault reports whether code means the server, not the caller, failed.
func serverFault(code codes.Code) bool {
	switch code {
	case codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss:
		return true
	}
	return false
}

// logRPC writes the access log line of one call, at debug level for a
// health check that passed. It never logs messages or metadata; the error
// text only for server faults.
func logRPC(ctx context.Context, method string, start time.Time, err error) {
	code := status.Code(err)
	fields := []zap.Field{
		zap.String("method", method),
		zap.String("code", code.String()),
		zap.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	}
	logger := logging.FromContext(ctx)
	if serverFault(code) {
		logger.Error("rpc", append(fields, zap.String("error", status.Convert(err).Message()))...)
		return
	}
	if code == codes.OK && strings.HasPrefix(method, healthMethods) {
		// Probes ask every few seconds on every replica: their answers are
		// only worth a line when debugging.
		logger.Debug("rpc", fields...)
		return
	}
	logger.Info("rpc", fields...)
}

// healthMethods prefixes the methods of grpc.health.v1.
const healthMethods = "/grpc.health.v1.Health/"

func unaryAccessLog(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	logRPC(ctx, info.FullMethod, start, err)
	return resp, err
}

func streamAccessLog(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	logRPC(ss.Context(), info.FullMethod, start, err)
	return err
}

// rpcMetrics counts and times the calls a server handles.
type rpcMetrics struct {
	handled  *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newRPCMetrics(reg prometheus.Registerer, service string) *rpcMetrics {
	labels := prometheus.Labels{"service": service}
	m := &rpcMetrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "fotogal_grpc_server_handled_total",
			Help:        "RPCs completed by the server, by method and status code.",
			ConstLabels: labels,
		}, []string{"method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "fotogal_grpc_server_handling_seconds",
			Help:        "Time the server took to handle RPCs, by method.",
			ConstLabels: labels,
			Buckets:     prometheus.DefBuckets,
		}, []string{"method"}),
	}
	reg.MustRegister(m.handled, m.duration)
	return m
}

func (m *rpcMetrics) observe(method string, start time.Time, err error) {
	m.handled.WithLabelValues(method, status.Code(err).String()).Inc()
	m.duration.WithLabelValues(method).Observe(time.Since(start).Seconds())
}

func (m *rpcMetrics) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	m.observe(info.FullMethod, start, err)
	return resp, err
}

func (m *rpcMetrics) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	m.observe(info.FullMethod, start, err)
	return err
}

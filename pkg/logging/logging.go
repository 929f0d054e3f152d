// Package logging builds FotoGal's zap logger and carries it on a context.
//
// Every binary logs JSON lines on stdout, each with the field "service".
// Request-scoped loggers (with "request_id", see package grpcserver) travel
// on the context: handlers log with logging.FromContext(ctx).
package logging

import (
	"context"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a production JSON logger writing to stdout at level ("debug",
// "info", "warn", "error"; empty means "info"), with the field service on
// every line. Lines are not sampled: every RPC gets its access log line.
func New(service, level string) (*zap.Logger, error) {
	lvl := zapcore.InfoLevel
	if level != "" {
		var err error
		if lvl, err = zapcore.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("log level: %w", err)
		}
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.Sampling = nil
	cfg.OutputPaths = []string{"stdout"}
	cfg.EncoderConfig.TimeKey = "time"
	cfg.EncoderConfig.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	cfg.InitialFields = map[string]any{"service": service}
	logger, err := cfg.Build()
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	return logger, nil
}

type contextKey struct{}

// WithLogger returns a copy of ctx carrying l.
func WithLogger(ctx context.Context, l *zap.Logger) context.Context {
	return context.WithValue(ctx, contextKey{}, l)
}

// FromContext returns the logger carried by ctx or, when there is none,
// zap.L() (a no-op logger unless the binary called zap.ReplaceGlobals).
func FromContext(ctx context.Context) *zap.Logger {
	if l, ok := ctx.Value(contextKey{}).(*zap.Logger); ok {
		return l
	}
	return zap.L()
}

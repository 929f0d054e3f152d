// Package logging builds FotoGal's zap logger and carries it on a context.
//
// Every binary logs JSON lines on stdout, each with the field "service".
// Request-scoped loggers (with "request_id", see package grpcserver) travel
// on the context: handlers log with logging.FromContext(ctx). Tee adds a
// second destination (OCI Logging, see package ocilog) that receives the
// same entries, encoded with EncoderConfig as stdout is.
package logging

import (
	"context"
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a production JSON logger writing to stdout at level ("debug",
// "info", "warn", "error"; empty means "info"), with the field service on
// every line. Lines are not sampled: every RPC gets its access log line.
func New(service, level string) (*zap.Logger, error) {
	return NewTo(zapcore.Lock(os.Stdout), service, level)
}

// NewTo is New writing its lines to w instead of stdout. Errors of the
// logger itself (a failed write) go to stderr.
func NewTo(w zapcore.WriteSyncer, service, level string) (*zap.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(EncoderConfig()), w, zap.NewAtomicLevelAt(lvl))
	return zap.New(core,
		zap.ErrorOutput(zapcore.Lock(os.Stderr)),
		zap.AddCaller(),
		zap.AddStacktrace(zapcore.ErrorLevel),
		zap.Fields(zap.String("service", service)),
	), nil
}

// ParseLevel returns the level named level ("debug", "info", "warn",
// "error"; empty means "info").
func ParseLevel(level string) (zapcore.Level, error) {
	if level == "" {
		return zapcore.InfoLevel, nil
	}
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return lvl, fmt.Errorf("log level: %w", err)
	}
	return lvl, nil
}

// EncoderConfig returns the encoding of every FotoGal log line: zap's
// production keys ("level", "msg", "caller", "stacktrace"), with the time
// under "time" in RFC 3339 with nanoseconds.
func EncoderConfig() zapcore.EncoderConfig {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "time"
	cfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	return cfg
}

// Tee returns a copy of l that also writes every entry it logs to core. The
// fields l already carries (service, ...) are not passed to core, which
// adds them itself: give Tee the root logger, before any With.
func Tee(l *zap.Logger, core zapcore.Core) *zap.Logger {
	return l.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewTee(c, core)
	}))
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

package ocilog

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/ociauth"
)

// NewLogger returns a binary's root logger: JSON lines on stdout
// (logging.New) and, when cfg.LogID is set, the same entries shipped to
// OCI Logging, signed as the identity auth picks. The Shipper is nil when
// shipping is off; either way the binary registers its Collector and
// closes it, with CloseWithin, once it has stopped serving.
func NewLogger(ctx context.Context, service, level string, cfg Config, auth ociauth.Config) (*zap.Logger, *Shipper, error) {
	logger, err := logging.New(service, level)
	if err != nil {
		return nil, nil, err
	}
	if cfg.LogID == "" {
		return logger, nil, nil
	}
	provider, err := ociauth.Provider(auth)
	if err != nil {
		return nil, nil, fmt.Errorf("log shipping to FOTOGAL_OCI_LOG_ID %s: %w", cfg.LogID, err)
	}
	shipper, err := New(ctx, cfg, service, provider)
	if err != nil {
		return nil, nil, fmt.Errorf("log shipping: %w", err)
	}
	return logging.Tee(logger, shipper.Core(logger.Core())), shipper, nil
}

// CloseWithin closes s, giving what is queued at most timeout (the
// binary's shutdown timeout) to reach OCI Logging. What fails is reported
// on stderr, since the log may be what failed.
func (s *Shipper) CloseWithin(timeout time.Duration) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", s.service, err)
	}
}

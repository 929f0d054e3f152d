package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/grpcserver"
)

// minServiceSecretLen is the shortest service credential accepted.
const minServiceSecretLen = 16

// Config is the feed binary's whole configuration, read from the
// environment once at start.
type Config struct {
	// Server: FOTOGAL_GRPC_ADDR (default 127.0.0.1:9094) and
	// FOTOGAL_METRICS_ADDR (default 127.0.0.1:9194; set and empty
	// disables the metrics endpoint).
	Server grpcserver.Config
	// ServiceSecret is FOTOGAL_SERVICE_SECRET (required, at least 16
	// characters): the credential of the internal RPCs the feed calls.
	ServiceSecret string
	// AuthAddr, UserAddr and ImageAddr are where the feed dials the other
	// services: FOTOGAL_AUTH_ADDR, FOTOGAL_USER_ADDR, FOTOGAL_IMAGE_ADDR
	// (defaults 127.0.0.1:9091, :9092, :9093).
	AuthAddr, UserAddr, ImageAddr string
	// CallTimeout is FOTOGAL_CALL_TIMEOUT (default 5s): the deadline of
	// outbound calls.
	CallTimeout time.Duration
}

// loadConfig reads the Config from the variables lookup (os.LookupEnv)
// returns. Every bad value is reported, naming its variable.
func loadConfig(lookup func(string) (string, bool)) (Config, error) {
	l := config.NewLoader(lookup)
	cfg := Config{
		Server: grpcserver.Config{
			Addr:        l.String("FOTOGAL_GRPC_ADDR", "127.0.0.1:9094"),
			MetricsAddr: metricsAddr(lookup, "127.0.0.1:9194"),
		},
		ServiceSecret: l.Required("FOTOGAL_SERVICE_SECRET"),
		AuthAddr:      l.String("FOTOGAL_AUTH_ADDR", "127.0.0.1:9091"),
		UserAddr:      l.String("FOTOGAL_USER_ADDR", "127.0.0.1:9092"),
		ImageAddr:     l.String("FOTOGAL_IMAGE_ADDR", "127.0.0.1:9093"),
		CallTimeout:   l.Duration("FOTOGAL_CALL_TIMEOUT", 5*time.Second),
	}
	errs := []error{l.Err()}
	if cfg.ServiceSecret != "" && len(cfg.ServiceSecret) < minServiceSecretLen {
		errs = append(errs, fmt.Errorf("FOTOGAL_SERVICE_SECRET: must be at least %d characters", minServiceSecretLen))
	}
	if cfg.CallTimeout == 0 {
		errs = append(errs, errors.New("FOTOGAL_CALL_TIMEOUT: must be positive"))
	}
	for name, addr := range map[string]string{"FOTOGAL_GRPC_ADDR": cfg.Server.Addr, "FOTOGAL_METRICS_ADDR": cfg.Server.MetricsAddr} {
		if _, _, err := net.SplitHostPort(addr); addr != "" && err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a host:port address", name, addr))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("load config: %w", err)
	}
	return cfg, nil
}

// metricsAddr returns FOTOGAL_METRICS_ADDR, def when it is unset, and ""
// (disabled) when it is set but empty, which config.Loader would read as
// unset.
func metricsAddr(lookup func(string) (string, bool), def string) string {
	v, ok := lookup("FOTOGAL_METRICS_ADDR")
	if !ok {
		return def
	}
	return strings.TrimSpace(v)
}

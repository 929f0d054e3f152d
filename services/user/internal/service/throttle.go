package service

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/fotogal/fotogal/pkg/logging"
)

// DefaultMaxRegistrationsPerAddr is the registration throttle's limit when
// Config.MaxRegistrationsPerAddr is zero: enough for a household or an
// office behind one address, too few for bulk sign-ups.
const DefaultMaxRegistrationsPerAddr = 20

// registrationWindow is the window of the registration throttle: its
// limit is per hour.
const registrationWindow = time.Hour

// countRegistration counts a registration attempt from the caller's client
// address in the store, which every replica shares, or returns a
// *throttledError when the address is past its limit.
func (s *Service) countRegistration(ctx context.Context) error {
	addr := clientAddress(ctx)
	at := now()
	c, err := s.store.IncrementCounter(ctx, throttleKey("addr", addr), at, registrationWindow)
	if err != nil {
		return fmt.Errorf("count registration: %w", err)
	}
	if c.Count > s.maxRegistrationsPerAddr {
		logging.FromContext(ctx).Warn("registration throttled", zap.String("client_address", addr))
		return &throttledError{retryAfter: c.ExpireTime.Sub(at)}
	}
	return nil
}

// throttleKeyEncoding writes the hashes in throttle keys.
var throttleKeyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// throttleKey returns the counter key of value for kind: the kind and the
// SHA-256 of value in base32, 52 bytes, so that a key stays under the
// store's 64 bytes however long the value.
func throttleKey(kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return kind + ":" + strings.ToLower(throttleKeyEncoding.EncodeToString(sum[:]))
}

// clientAddress returns the address a request comes from: the first entry
// of the "x-forwarded-for" metadata (set by the gateway), else the host of
// the gRPC peer. IP addresses are put in canonical form, so that one client
// cannot pass for many by spelling its address differently.
func clientAddress(ctx context.Context) string {
	if values := metadata.ValueFromIncomingContext(ctx, "x-forwarded-for"); len(values) > 0 {
		first, _, _ := strings.Cut(values[0], ",")
		if first = strings.TrimSpace(first); first != "" {
			return canonicalAddress(first)
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		addr := p.Addr.String()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		return canonicalAddress(addr)
	}
	return ""
}

func canonicalAddress(addr string) string {
	if ip, err := netip.ParseAddr(addr); err == nil {
		return ip.Unmap().String()
	}
	return addr
}

// roundUpToSecond rounds d up to whole seconds, at least one, as HTTP's
// Retry-After counts them.
func roundUpToSecond(d time.Duration) time.Duration {
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return max(d, time.Second)
}

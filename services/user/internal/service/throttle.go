package service

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/clientaddr"
	"github.com/fotogal/fotogal/pkg/counters"
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
	addr := clientaddr.FromIncoming(ctx)
	at := now()
	c, err := s.store.IncrementCounter(ctx, counters.Key("addr", addr), at, registrationWindow)
	if err != nil {
		return fmt.Errorf("count registration: %w", err)
	}
	if c.Count > s.maxRegistrationsPerAddr {
		logging.FromContext(ctx).Warn("registration throttled", zap.String("client_address", addr))
		return &throttledError{retryAfter: c.ExpireTime.Sub(at)}
	}
	return nil
}

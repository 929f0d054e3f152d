package auth

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/counters"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/services/auth/internal/store"
)

// ThrottleConfig limits failed logins. A window opens with the first failed
// attempt for an email (or from an address) and lasts Window; within it at
// most MaxAttemptsPerEmail (MaxAttemptsPerAddr) attempts may fail.
type ThrottleConfig struct {
	// MaxAttemptsPerEmail bounds failed attempts per lower-cased email.
	MaxAttemptsPerEmail int
	// MaxAttemptsPerAddr bounds failed attempts per client address.
	MaxAttemptsPerAddr int
	// Window is how long failed attempts are counted.
	Window time.Duration
}

// throttle counts login attempts per email and per client address in the
// store's counters, so that every replica on the store shares the counts
// and a restart keeps them.
//
// An attempt is counted when it starts (so that a burst of parallel
// attempts, on any replicas, cannot overshoot the limit), and taken back if
// it did not fail on the credentials. A success also ends its email's
// window: the person who knows the password starts again from zero.
type throttle struct {
	counters store.Store
	cfg      ThrottleConfig
}

func newThrottle(counters store.Store, cfg ThrottleConfig) *throttle {
	return &throttle{counters: counters, cfg: cfg}
}

// attempt is a login attempt the throttle counted: the counters it added
// to, and the windows it counted in.
type attempt struct {
	emailKey, addrKey       string
	emailExpire, addrExpire time.Time
}

// begin counts an attempt for email from addr at now. When either is past
// its limit it takes the attempt back and returns a *throttledError saying
// how long until the window that refused it ends.
func (t *throttle) begin(ctx context.Context, email, addr string, now time.Time) (attempt, error) {
	a := attempt{emailKey: counters.Key("email", email), addrKey: counters.Key("addr", addr)}
	byEmail, err := t.counters.IncrementCounter(ctx, a.emailKey, now, t.cfg.Window)
	if err != nil {
		return attempt{}, fmt.Errorf("count login attempt: %w", err)
	}
	a.emailExpire = byEmail.ExpireTime
	if byEmail.Count > t.cfg.MaxAttemptsPerEmail {
		return attempt{}, t.refuse(ctx, a, byEmail.ExpireTime.Sub(now))
	}
	byAddr, err := t.counters.IncrementCounter(ctx, a.addrKey, now, t.cfg.Window)
	if err != nil {
		return attempt{}, fmt.Errorf("count login attempt: %w", err)
	}
	a.addrExpire = byAddr.ExpireTime
	if byAddr.Count > t.cfg.MaxAttemptsPerAddr {
		return attempt{}, t.refuse(ctx, a, byAddr.ExpireTime.Sub(now))
	}
	return a, nil
}

// refuse takes back what begin counted of a (a failure to is logged: the
// count is then one too high, which errs towards refusing) and returns the
// error that refuses it.
func (t *throttle) refuse(ctx context.Context, a attempt, retryAfter time.Duration) error {
	if err := t.release(ctx, a); err != nil {
		logging.FromContext(ctx).Warn("refused login", zap.Error(err))
	}
	return &throttledError{retryAfter: retryAfter}
}

// release takes back an attempt that did not fail on the credentials.
func (t *throttle) release(ctx context.Context, a attempt) error {
	if err := t.counters.DecrementCounter(ctx, a.emailKey, a.emailExpire); err != nil {
		return fmt.Errorf("take back login attempt: %w", err)
	}
	if !a.addrExpire.IsZero() {
		if err := t.counters.DecrementCounter(ctx, a.addrKey, a.addrExpire); err != nil {
			return fmt.Errorf("take back login attempt: %w", err)
		}
	}
	return nil
}

// succeeded ends the window of a's email and takes a back from its
// address's count.
func (t *throttle) succeeded(ctx context.Context, a attempt) error {
	if err := t.counters.DeleteCounter(ctx, a.emailKey); err != nil {
		return fmt.Errorf("reset failed logins of the email: %w", err)
	}
	if err := t.counters.DecrementCounter(ctx, a.addrKey, a.addrExpire); err != nil {
		return fmt.Errorf("take back login attempt: %w", err)
	}
	return nil
}

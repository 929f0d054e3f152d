// Package grpcclient dials FotoGal's gRPC services the same way in every
// binary: plaintext inside the cluster, a default deadline on unary calls,
// the request id propagated and, for internal methods, the service
// credential attached.
package grpcclient

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/requestid"
)

// DefaultTimeout is the deadline of a unary call whose context has none,
// when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// A connection is pinged after KeepaliveTime without traffic, and given up
// when a ping goes unanswered for KeepaliveTimeout. grpcserver lets clients
// ping that often.
const (
	KeepaliveTime    = 10 * time.Second
	KeepaliveTimeout = 2 * time.Second
)

// Options configure Dial.
type Options struct {
	// Timeout is the deadline given to unary calls whose context has none;
	// zero or less means DefaultTimeout. Streams get no default deadline.
	Timeout time.Duration
	// ServiceSecret, when set, is sent as the service credential on every
	// call (see authn.ServiceCredentials).
	ServiceSecret string
	// WaitForReady makes unary calls wait, within their deadline, for a
	// peer that is starting or restarting, instead of failing at once with
	// Unavailable. Services calling services want it; the gateway, which
	// answers people, fails fast.
	WaitForReady bool
}

// Dial returns a client connection to target (e.g. "127.0.0.1:9091" or
// "dns:///user:9092"). It connects lazily, on the first call.
func Dial(target string, opts Options) (*grpc.ClientConn, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialOpts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// Peers restart (a rollout, a crash): reconnect quickly rather than
		// after gRPC's default backoff of up to two minutes.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 3 * time.Second},
			MinConnectTimeout: 3 * time.Second,
		}),
		// A peer cut off by the network sends nothing, not even a reset:
		// pings find the dead connection within seconds, so that calls
		// fail Unavailable at once and the next one reconnects, instead of
		// each waiting out its deadline on it.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: KeepaliveTime, Timeout: KeepaliveTimeout, PermitWithoutStream: true}),
		grpc.WithChainUnaryInterceptor(unaryInterceptor(timeout, opts.WaitForReady)),
		grpc.WithChainStreamInterceptor(streamInterceptor),
	}
	if opts.ServiceSecret != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(authn.ServiceCredentials(opts.ServiceSecret)))
	}
	conn, err := grpc.NewClient(target, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("grpcclient: dial %s: %w", target, err)
	}
	return conn, nil
}

func unaryInterceptor(timeout time.Duration, waitForReady bool) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		if waitForReady {
			// A unary call always has a deadline to bound the wait.
			opts = append([]grpc.CallOption{grpc.WaitForReady(true)}, opts...)
		}
		return invoker(requestid.AppendOutgoing(ctx), method, req, reply, cc, opts...)
	}
}

func streamInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(requestid.AppendOutgoing(ctx), desc, cc, method, opts...)
}

// Package healthcheck is the `healthcheck` mode of FotoGal's binaries: run
// as `/fotogal healthcheck`, a binary checks the server that the same
// binary runs in its container and exits 0 when it is healthy, or 1 after
// printing one line that says why. Docker's HEALTHCHECK and Compose use it,
// since the images have no shell and no HTTP client.
//
// A gRPC service asks its own grpc.health.v1 for its main service; the
// gateway GETs its own /healthz. Each dials the port of the listen address
// the binary reads (FOTOGAL_GRPC_ADDR or FOTOGAL_HTTP_ADDR) on loopback, so
// the check needs none of the binary's other settings (no service secret).
// It checks the process only, not the services it depends on: that is the
// gateway's /readyz.
package healthcheck

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/fotogal/fotogal/pkg/config"
)

// DefaultTimeout bounds a whole check when FOTOGAL_HEALTHCHECK_TIMEOUT is
// unset.
const DefaultTimeout = 3 * time.Second

// Names of the variables a check reads.
const (
	grpcAddrEnv = "FOTOGAL_GRPC_ADDR"
	httpAddrEnv = "FOTOGAL_HTTP_ADDR"
	timeoutEnv  = "FOTOGAL_HEALTHCHECK_TIMEOUT"
)

// GRPC checks that the gRPC server listening on FOTOGAL_GRPC_ADDR
// (defaultAddr when it is unset) reports service SERVING in grpc.health.v1
// ("" is the server as a whole), within FOTOGAL_HEALTHCHECK_TIMEOUT. It
// returns the process's exit code, 0 or 1, and prints the reason of a
// failure to stderr.
//
//	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
//		os.Exit(healthcheck.GRPC("127.0.0.1:9092", userv1.UserService_ServiceDesc.ServiceName))
//	}
func GRPC(defaultAddr, service string) int {
	return runGRPC(os.LookupEnv, os.Stderr, defaultAddr, service)
}

// HTTP checks that the HTTP server listening on FOTOGAL_HTTP_ADDR
// (defaultAddr when it is unset) answers GET /healthz with 200 OK, within
// FOTOGAL_HEALTHCHECK_TIMEOUT. It returns the exit code as GRPC does.
func HTTP(defaultAddr string) int {
	return runHTTP(os.LookupEnv, os.Stderr, defaultAddr)
}

func runGRPC(lookup func(string) (string, bool), stderr io.Writer, defaultAddr, service string) int {
	return run(lookup, stderr, grpcAddrEnv, defaultAddr, func(ctx context.Context, target string) error {
		return checkGRPC(ctx, target, service)
	})
}

func runHTTP(lookup func(string) (string, bool), stderr io.Writer, defaultAddr string) int {
	return run(lookup, stderr, httpAddrEnv, defaultAddr, checkHTTP)
}

// run reads the listen address from addrEnv and the timeout, runs check
// against the address on loopback, and turns its outcome into an exit code
// and at most one line on stderr.
func run(lookup func(string) (string, bool), stderr io.Writer, addrEnv, defaultAddr string, check func(context.Context, string) error) int {
	l := config.NewLoader(lookup)
	addr := l.Addr(addrEnv, defaultAddr)
	timeout := l.PositiveDuration(timeoutEnv, DefaultTimeout)
	err := l.Err()
	var target string
	if err == nil {
		target, err = loopback(addr)
		if err != nil {
			err = fmt.Errorf("%s: %w", addrEnv, err)
		}
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err = check(ctx, target)
	}
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	return 0
}

// loopback returns the address to dial to reach a server listening on
// listen: an unspecified host (":9092", "0.0.0.0:9092", "[::]:9092")
// becomes 127.0.0.1, and any other host, bound on its own, is dialled as
// it is.
func loopback(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("%q is not a host:port address", listen)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("%q has no fixed port to check", listen)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// checkGRPC asks the gRPC server at target for the health of service.
func checkGRPC(ctx context.Context, target, service string) error {
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithNoProxy())
	if err != nil {
		return fmt.Errorf("dial %s: %w", target, err)
	}
	defer conn.Close()
	name := service
	if name == "" {
		name = "the server"
	}
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return fmt.Errorf("health of %s at %s: %w", name, target, err)
	}
	if s := resp.GetStatus(); s != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("health of %s at %s: %s", name, target, s)
	}
	return nil
}

// checkHTTP GETs /healthz of the HTTP server at target.
func checkHTTP(ctx context.Context, target string) error {
	url := "http://" + target + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		// A redirect is not health: its status is reported as it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return err // *url.Error names the method and the URL.
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

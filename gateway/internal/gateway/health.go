package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/fotogal/fotogal/pkg/logging"
)

// unreachable is the state /readyz reports for an upstream that did not
// answer its health check.
const unreachable = "UNREACHABLE"

// upstream is a service the gateway depends on.
type upstream struct {
	// name is the short name /readyz reports, e.g. "auth".
	name string
	// service is the full service name checked, e.g. "fotogal.auth.v1.AuthService".
	service string
	conn    grpc.ClientConnInterface
}

// serveHealthz answers 200 while the process runs.
func serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readiness is the body of /readyz.
type readiness struct {
	Ready bool `json:"ready"`
	// Upstreams maps each upstream's name to its health: SERVING,
	// NOT_SERVING, SERVICE_UNKNOWN or UNREACHABLE.
	Upstreams map[string]string `json:"upstreams"`
}

// serveReadyz answers 200 when every upstream's service is SERVING, else 503;
// the body says which is not.
func (g *Gateway) serveReadyz(w http.ResponseWriter, r *http.Request) {
	body := readiness{Ready: true, Upstreams: make(map[string]string, len(g.upstreams))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, u := range g.upstreams {
		wg.Go(func() {
			state := g.checkUpstream(r.Context(), u)
			mu.Lock()
			defer mu.Unlock()
			body.Upstreams[u.name] = state
			if state != healthpb.HealthCheckResponse_SERVING.String() {
				body.Ready = false
			}
		})
	}
	wg.Wait()
	w.Header().Set("Content-Type", "application/json")
	if !body.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (g *Gateway) checkUpstream(ctx context.Context, u upstream) string {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.ReadyTimeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(u.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: u.service})
	if err != nil {
		logging.FromContext(ctx).Warn("upstream health check failed", zap.String("upstream", u.name), zap.Error(err))
		return unreachable
	}
	return resp.GetStatus().String()
}

package gateway

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/fotogal/fotogal/pkg/clientaddr"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/requestid"
)

// securityHeaders are set on every response, API and web app alike.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; " +
		"script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
		"form-action 'self'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "same-origin",
	"X-Frame-Options":        "DENY",
}

func setSecurityHeaders(h http.Header) {
	for k, v := range securityHeaders {
		h.Set(k, v)
	}
}

// requestInfo is what the gateway learns about a request at the edge, kept
// on its context.
type requestInfo struct {
	// id is the request id.
	id string
	// clientAddr is the client's IP address.
	clientAddr string
	// secure says the client reached the gateway over TLS.
	secure bool
	// cookieAuth says the session token came from the cookie.
	cookieAuth bool
	// bodyTooLarge says the request's JSON body went past the limit.
	bodyTooLarge bool
	// route is the matched route pattern, the "route" of logs and metrics.
	route string
}

type requestInfoKey struct{}

// newRequestInfo reads r's request id, client address and scheme, believing
// the X-Forwarded-For and X-Forwarded-Proto headers only when trustProxy.
func newRequestInfo(r *http.Request, trustProxy bool) *requestInfo {
	info := &requestInfo{
		id:         incomingRequestID(r.Header.Get("X-Request-Id")),
		clientAddr: r.RemoteAddr,
		secure:     r.TLS != nil,
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		info.clientAddr = host
	}
	if trustProxy {
		first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
		if addr, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
			info.clientAddr = addr.String()
		}
		if strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
			info.secure = true
		}
	}
	return info
}

// incomingRequestID returns header when it is a valid request id (as package
// requestid judges one arriving in metadata), or a new id.
func incomingRequestID(header string) string {
	md := metadata.Pairs(requestid.MetadataKey, header)
	if id, ok := requestid.FromIncoming(metadata.NewIncomingContext(context.Background(), md)); ok {
		return id
	}
	return requestid.New()
}

// attach returns ctx carrying info, its request id and a logger with it.
func (info *requestInfo) attach(ctx context.Context, logger *zap.Logger) context.Context {
	ctx = context.WithValue(ctx, requestInfoKey{}, info)
	ctx = requestid.WithID(ctx, info.id)
	return logging.WithLogger(ctx, logger.With(zap.String("request_id", info.id)))
}

// requestInfoFrom returns the requestInfo of ctx. Every request gets one in
// Gateway.ServeHTTP; an empty one stands in elsewhere.
func requestInfoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// requestMetadata is the metadata the gateway adds to every call: the
// request id and the client's address. They replace any value a header
// would have given the same keys.
func requestMetadata(ctx context.Context, _ *http.Request) metadata.MD {
	info := requestInfoFrom(ctx)
	return metadata.Pairs(requestid.MetadataKey, info.id, clientaddr.MetadataKey, info.clientAddr)
}

// incomingHeader forwards only the User-Agent, as "grpcgateway-user-agent".
// The Authorization header is forwarded by grpc-gateway itself.
func incomingHeader(key string) (string, bool) {
	if key == "User-Agent" {
		return runtime.MetadataPrefix + key, true
	}
	return "", false
}

// dropHeader keeps the services' response metadata out of HTTP headers.
func dropHeader(string) (string, bool) { return "", false }

// recordRoute is the grpc-gateway middleware that records the matched route
// pattern for logs and metrics.
func recordRoute(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, pathParams map[string]string) {
		if pattern, ok := runtime.HTTPPattern(r.Context()); ok {
			requestInfoFrom(r.Context()).route = pattern.String()
		}
		next(w, r, pathParams)
	}
}

// serveAPI serves /v1/: it refuses cross-origin state changes made with the
// session cookie, turns the cookie into an Authorization header, drops
// every cookie and any Grpc-Timeout, checks and caps JSON bodies, then
// hands the request to the grpc-gateway mux (which also serves the
// streaming routes of image bytes).
func (g *Gateway) serveAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	token, fromCookie := "", false
	if r.Header.Get("Authorization") == "" {
		if c, err := r.Cookie(sessionCookieName); err == nil && c.Value != "" {
			token, fromCookie = c.Value, true
		}
	}
	if !g.originAllowed(r, fromCookie) {
		g.writeError(w, r, status.Error(codes.PermissionDenied, "cross-origin request refused"))
		return
	}
	r = r.Clone(r.Context())
	r.Header.Del("Cookie")
	// Outbound deadlines are the gateway's (FOTOGAL_CALL_TIMEOUT), not the
	// client's.
	r.Header.Del("Grpc-Timeout")
	if fromCookie {
		r.Header.Set("Authorization", "Bearer "+token)
		requestInfoFrom(r.Context()).cookieAuth = true
	}
	if err := g.checkJSONBody(r); err != nil {
		g.writeError(w, r, err)
		return
	}
	g.mux.ServeHTTP(w, r)
}

// originAllowed reports whether r may proceed as far as its origin goes.
// Reads, and requests authenticated by an Authorization header (which no
// page of another site can send without the gateway's consent), always may.
// A state change authenticated by the cookie must name an allowed Origin;
// one without credentials (registration, login) may omit Origin, as API
// clients do, but may not name a foreign one (login CSRF).
func (g *Gateway) originAllowed(r *http.Request, cookieAuth bool) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	if r.Header.Get("Authorization") != "" {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return !cookieAuth
	}
	origin = strings.ToLower(origin)
	return origin == selfOrigin(r) || g.allowedOrigins[origin]
}

// selfOrigin returns the origin the client addressed, in lower case.
func selfOrigin(r *http.Request) string {
	scheme := "http"
	if requestInfoFrom(r.Context()).secure {
		scheme = "https"
	}
	return scheme + "://" + strings.ToLower(r.Host)
}

// ParseOrigin checks that s is an origin, scheme://host[:port] with scheme
// http or https, and returns it in the form browsers send: lower case,
// without a trailing slash.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(s), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port])", s)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func parseOrigins(origins []string) (map[string]bool, error) {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		origin, err := ParseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("gateway: allowed origins: %w", err)
		}
		allowed[origin] = true
	}
	return allowed, nil
}

// writeError answers r with err as google.rpc.Status JSON, through the
// mux's error handler.
func (g *Gateway) writeError(w http.ResponseWriter, r *http.Request, err error) {
	_, outbound := runtime.MarshalerForRequest(g.mux, r)
	runtime.HTTPError(r.Context(), g.mux, outbound, w, r, err)
}

// forward answers r with resp as JSON, as the generated routes do (the
// mux's response options included).
func (g *Gateway) forward(ctx context.Context, w http.ResponseWriter, r *http.Request, resp proto.Message) {
	_, outbound := runtime.MarshalerForRequest(g.mux, r)
	runtime.ForwardResponseMessage(ctx, g.mux, outbound, w, r, resp, g.mux.GetForwardResponseOptions()...)
}

// responseRecorder remembers the status and counts the bytes of a response.
type responseRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (rw *responseRecorder) WriteHeader(code int) {
	if !rw.wroteHeader {
		rw.status, rw.wroteHeader = code, true
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *responseRecorder) Write(b []byte) (int, error) {
	rw.wroteHeader = true
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rw *responseRecorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

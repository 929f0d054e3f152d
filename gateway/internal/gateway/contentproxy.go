package gateway

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/requestid"
)

// maxUpstreamErrorBytes bounds the error body read from the content port.
const maxUpstreamErrorBytes = 64 << 10

// proxyBufferSize is the size of the buffers bytes are copied through: large
// enough that an original takes few system calls.
const proxyBufferSize = 256 << 10

// parseContentURL checks the base URL of the image service's content port.
func parseContentURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("gateway: image content URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("gateway: image content URL %q: want http://host:port", raw)
	}
	u.Path = ""
	return u, nil
}

// contentProxy returns the handler of the route of photo bytes when the
// image service's content port is at target: the request goes there as it
// came (the session as an Authorization header, Range and conditional
// headers included) and the answer comes back as it is, bytes and cache
// headers alike. An error the content port answers (google.rpc.Status
// JSON) and a content port that cannot be reached become the gateway's own
// error answers.
func (g *Gateway) contentProxy(target *url.URL) runtime.HandlerFunc {
	buffers := sync.Pool{New: func() any { return make([]byte, proxyBufferSize) }}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = target.Host
			if info := requestInfoFrom(pr.In.Context()); info != nil {
				pr.Out.Header.Set(requestid.Header, info.id)
			}
			if f := contentFetchFrom(pr.In.Context()); f != nil {
				f.prepare(pr.Out)
			}
		},
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          512,
			MaxIdleConnsPerHost:   512,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: g.cfg.ContentHeaderTimeout,
			DisableCompression:    true,
			WriteBufferSize:       16 << 10,
			ReadBufferSize:        proxyBufferSize,
		},
		BufferPool: bufferPool{&buffers},
		ModifyResponse: func(resp *http.Response) error {
			if f := contentFetchFrom(resp.Request.Context()); f != nil {
				if err := g.contentCache.learn(f, resp); err != nil {
					return err
				}
			}
			resp.Header.Del(contentOwnerHeader)
			return upstreamError(resp)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // The client left.
			}
			w.Header().Set("Cache-Control", "no-store")
			var answered *upstreamStatusError
			if !errors.As(err, &answered) {
				logging.FromContext(r.Context()).Warn("content port failed", zap.Error(err))
				err = status.Error(codes.Unavailable, "content port unavailable")
			} else if answered.contentRange != "" {
				w.Header().Set("Content-Range", answered.contentRange)
			}
			g.writeError(w, r, err)
		},
	}
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		// The content port says how long its bytes may be kept.
		w.Header().Del("Cache-Control")
		if f := g.contentFetch(r, params); f != nil {
			if f.held != nil && f.servable {
				g.contentCache.served.WithLabelValues("hit").Inc()
				g.contentCache.serve(w, r, f)
				return
			}
			r = r.WithContext(withContentFetch(r.Context(), f))
		}
		proxy.ServeHTTP(w, r)
	}
}

// contentFetch returns what the content cache knows of a request for a
// variant it may keep, or nil when it may keep none.
func (g *Gateway) contentFetch(r *http.Request, params map[string]string) *contentFetch {
	if g.contentCache == nil {
		return nil
	}
	key, ok := cacheableVariant(params["image_id"], r.URL.Query().Get("size"))
	if !ok {
		return nil
	}
	session, ok := sessionOf(r)
	if !ok {
		return nil
	}
	held, servable := g.contentCache.lookup(key, session)
	return &contentFetch{key: key, session: session, held: held, servable: servable, whole: asksWhole(r)}
}

// upstreamStatusError is an error answer of the content port.
type upstreamStatusError struct {
	st           *status.Status
	httpStatus   int
	contentRange string
}

func (e *upstreamStatusError) Error() string { return e.st.Err().Error() }

// Unwrap gives the gateway's error handler the answer's status and HTTP
// status.
func (e *upstreamStatusError) Unwrap() error {
	return &runtime.HTTPStatusError{HTTPStatus: e.httpStatus, Err: e.st.Err()}
}

// upstreamError turns an error answer of the content port into an
// upstreamStatusError, so that the client gets it as every other error of
// the gateway.
func upstreamError(resp *http.Response) error {
	if resp.StatusCode < http.StatusBadRequest {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		return &upstreamStatusError{
			st:           status.New(codes.OutOfRange, "range not satisfiable"),
			httpStatus:   http.StatusRequestedRangeNotSatisfiable,
			contentRange: resp.Header.Get("Content-Range"),
		}
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamErrorBytes))
	var answer spb.Status
	if err != nil || mediaType != "application/json" || protojson.Unmarshal(body, &answer) != nil {
		return fmt.Errorf("content port answered %s without a status", resp.Status)
	}
	st := status.FromProto(&answer)
	// The gateway's mapping decides the client's HTTP status.
	return &upstreamStatusError{st: st, httpStatus: runtime.HTTPStatusFromCode(st.Code())}
}

// bufferPool is httputil.BufferPool over a sync.Pool of proxyBufferSize
// slices.
type bufferPool struct{ pool *sync.Pool }

func (p bufferPool) Get() []byte  { return p.pool.Get().([]byte) }
func (p bufferPool) Put(b []byte) { p.pool.Put(b) }

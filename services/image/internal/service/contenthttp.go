package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/requestid"
	"github.com/fotogal/fotogal/pkg/ttlcache"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// The revocation window of photo bytes. Listing photos, reading their
// metadata and the feed ask the user service every time, and see an
// unfollow, a removed follower or an account made private at once. The
// bytes of a variant are what a page asks for twenty at a time, so their
// route remembers for DefaultContentAccessTTL whether one person may see
// another's photos, and the browser keeps them as long (Cache-Control
// max-age): a revocation reaches every new request within 30 s (and the
// gateway's second of reuse, FOTOGAL_CONTENT_CACHE_TTL), and a browser's
// copy expires at most 30 s after that. A deleted photo is gone at once:
// the replica that deletes it forgets its row, and the others find its
// objects gone.
const (
	// DefaultContentAccessTTL is how long the content route keeps an
	// access decision and a photo's row, and browsers keep a variant, when
	// Config leaves it zero.
	DefaultContentAccessTTL = 30 * time.Second
	// contentAccessEntries bounds the access decisions kept (about 100
	// bytes each).
	contentAccessEntries = 100_000
	// contentRowEntries bounds the rows kept (about 1 KB each).
	contentRowEntries = 20_000
)

// ContentOwnerHeader names, in an answer of the content port that serves
// bytes, the photo's owner: the access the caller was granted.
const ContentOwnerHeader = "Fotogal-Owner-Id"

// viewerOwner is the key of an access decision.
type viewerOwner struct {
	viewer, owner string
}

// contentAccess is the photoSource of the content route: it remembers the
// store's rows and the user service's answers to CanView for a while.
// Variants never change under their names, so a remembered row serves
// their bytes as well as a fresh one until the photo is deleted.
type contentAccess struct {
	exact   photoSource
	rows    *ttlcache.Cache[string, store.Image]
	allowed *ttlcache.Cache[viewerOwner, bool]
}

func newContentAccess(exact photoSource, ttl time.Duration) *contentAccess {
	return &contentAccess{
		exact:   exact,
		rows:    ttlcache.New[string, store.Image](ttl, contentRowEntries),
		allowed: ttlcache.New[viewerOwner, bool](ttl, contentAccessEntries),
	}
}

// GetImage answers from memory when it can, else reads the store and
// remembers the row.
func (a *contentAccess) GetImage(ctx context.Context, id string) (store.Image, error) {
	if img, ok := a.rows.Get(id); ok {
		return img, nil
	}
	img, err := a.exact.GetImage(ctx, id)
	if err != nil {
		return store.Image{}, err
	}
	a.rows.Put(id, img)
	return img, nil
}

// CanView answers from memory when it can, else asks the user service and
// remembers a definite answer.
func (a *contentAccess) CanView(ctx context.Context, viewerID, ownerID string) (bool, error) {
	key := viewerOwner{viewerID, ownerID}
	if ok, found := a.allowed.Get(key); found {
		return ok, nil
	}
	ok, err := a.exact.CanView(ctx, viewerID, ownerID)
	if err != nil {
		return false, err
	}
	a.allowed.Put(key, ok)
	return ok, nil
}

// forget drops the row of a deleted photo.
func (a *contentAccess) forget(id string) { a.rows.Delete(id) }

// ContentHandler returns the HTTP handler of the image service's content
// port, which the gateway proxies its route of photo bytes to:
//
//	GET /v1/images/{image_id}/content?size=thumb|display|original
//
// It answers the caller of the Authorization header's session, when they
// may see the photo, with the variant's bytes by http.ServeContent: byte
// ranges, If-None-Match and If-Range, and sendfile when the bucket is a
// directory. Variants never change under their URL: they are served with
// their entity tag and "Cache-Control: private, max-age" of the content
// access TTL. Errors are google.rpc.Status JSON, the body the gateway
// forwards as its own, and failures are logged with logger.
func (s *Server) ContentHandler(policy authn.Policy, logger *zap.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/images/{image_id}/content", func(w http.ResponseWriter, r *http.Request) {
		ctx, log := r.Context(), logger
		if id, ok := requestid.FromHeader(r.Header); ok {
			ctx, log = requestid.WithID(ctx, id), logger.With(zap.String("request_id", id))
		}
		ctx = logging.WithLogger(ctx, log)
		if err := s.serveImageContent(ctx, w, r, policy); err != nil {
			writeStatus(w, toStatus(ctx, err))
		}
	})
	return mux
}

// serveImageContent serves the variant r asks for, or returns why not
// before anything is written.
func (s *Server) serveImageContent(ctx context.Context, w http.ResponseWriter, r *http.Request, policy authn.Policy) error {
	ctx, err := policy.AuthenticateHTTP(r.WithContext(ctx))
	if err != nil {
		return err
	}
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return err
	}
	img, err := photoFor(ctx, caller.UserID, r.PathValue("image_id"), s.contentAccess)
	if err != nil {
		return err
	}
	var variant store.Variant
	switch size := r.URL.Query().Get("size"); size {
	case "", "display":
		variant = img.Display
	case "thumb":
		variant = img.Thumb
	case "original":
		variant = img.Original
	default:
		return &fieldError{"size", "must be thumb, display or original"}
	}
	body, _, err := s.bucket.Open(ctx, variant.Object)
	if errors.Is(err, bucket.ErrNotFound) {
		// The photo is being deleted: its row went first.
		return errImageNotFound
	}
	if err != nil {
		return fmt.Errorf("open content: %w", err)
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", variant.ContentType)
	h.Set("ETag", etag(variant))
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(s.contentAccess.allowed.TTL().Seconds())))
	// The gateway may serve this caller the owner's photos it holds for a
	// moment on the strength of this answer; it drops the header.
	h.Set(ContentOwnerHeader, img.OwnerID)
	http.ServeContent(w, r, "", img.CreateTime, body)
	return nil
}

// writeStatus answers err, a status error, as google.rpc.Status JSON with
// the HTTP status the gateway gives its code.
func writeStatus(w http.ResponseWriter, err error) {
	st := status.Convert(err)
	body, merr := protojson.Marshal(st.Proto())
	if merr != nil {
		body = []byte(`{"code":13,"message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(runtime.HTTPStatusFromCode(st.Code()))
	w.Write(body)
}

package inbox

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"

	"github.com/fotogal/fotogal/services/feed/internal/store"
	"github.com/fotogal/fotogal/services/feed/internal/store/sqlite"
)

const testSecret = "test-service-secret-0123456789"

// env is an inbox server wired as in production (grpcserver, authn.Policy,
// grpcclient with the service credential, a SQLite store) to fake user and
// image services.
type env struct {
	users  *fakeUsers
	images *fakeImages
	store  store.Store
	// backend is the connection to the fakes, with the service credential.
	backend *grpc.ClientConn
	server  *Server
	client  feedv1.NotificationServiceClient
	// clock is the events' time: each event is dated a millisecond after
	// the last. now is the servers' clock, after every event.
	clock, now time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	e := &env{users: newFakeUsers(), images: newFakeImages(), clock: start, now: start.Add(2 * time.Hour)}
	internal := authn.Policy{ServiceSecret: testSecret}
	backendAddr := serve(t, internal, func(s *grpc.Server) {
		userv1.RegisterUserInternalServiceServer(s, e.users)
		imagev1.RegisterImageInternalServiceServer(s, e.images)
	})
	backend, err := grpcclient.Dial(backendAddr, grpcclient.Options{ServiceSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { backend.Close() })
	e.backend = backend

	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.server = e.replica(t, time.Millisecond)

	public := authn.Policy{Validator: userValidator{e.users}, ServiceSecret: testSecret}
	addr := serve(t, public, func(s *grpc.Server) { feedv1.RegisterNotificationServiceServer(s, e.server) })
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.client = feedv1.NewNotificationServiceClient(conn)
	return e
}

// replica returns another Server on the env's store and fakes, as a
// second feed replica is, whose tailers make a pass every interval.
func (e *env) replica(t *testing.T, interval time.Duration) *Server {
	t.Helper()
	s, err := New(Config{
		Users:            userv1.NewUserInternalServiceClient(e.backend),
		Images:           imagev1.NewImageInternalServiceClient(e.backend),
		Store:            e.store,
		ActivityInterval: interval,
		Now:              func() time.Time { return e.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serve starts a grpcserver on a free port with policy and the services
// register adds, until the test ends.
func serve(t *testing.T, policy authn.Policy, register func(*grpc.Server)) string {
	t.Helper()
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, zap.NewNop(), "test",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	register(srv.GRPC())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return srv.Addr()
}

// tailInBackground runs s's tailers until the test ends.
func tailInBackground(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Tail(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// tail runs one pass of each of s's tailers.
func tail(t *testing.T, s *Server) {
	t.Helper()
	for _, tl := range s.tailers {
		if err := tl.once(context.Background()); err != nil {
			t.Fatalf("tail the %s log: %v", tl.source, err)
		}
	}
}

// as returns a context carrying the session token of user id.
func as(id string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer token-"+id)
}

// tick returns the time of the next event.
func (e *env) tick() time.Time {
	e.clock = e.clock.Add(time.Millisecond)
	return e.clock
}

// event returns an event of kind, dated now by the env's clock.
func (e *env) event(kind activity.Kind, actor, recipient, image, comment string) activity.Event {
	return activity.Event{ID: activity.NewID(), Time: e.tick(), Kind: kind, ActorID: actor, RecipientID: recipient, ImageID: image, CommentID: comment}
}

// like returns actor's like of photo img.
func (e *env) like(actor, img string) activity.Event {
	return e.event(activity.Like, actor, e.images.owner(img), img, "")
}

// unlike returns actor's unlike of photo img.
func (e *env) unlike(actor, img string) activity.Event {
	ev := e.like(actor, img)
	ev.Retracted = true
	return ev
}

// comment returns actor's comment on photo img, with a fresh comment id.
func (e *env) comment(actor, img, text string) activity.Event {
	ev := e.event(activity.Comment, actor, e.images.owner(img), img, activity.NewID())
	ev.Text = text
	return ev
}

// add appends events to the log of the service that keeps them.
func (e *env) add(events ...activity.Event) {
	for _, ev := range events {
		switch ev.Kind {
		case activity.Like, activity.Comment, activity.Mention:
			e.images.log.add(ev)
		default:
			e.users.log.add(ev)
		}
	}
}

// page requests a page of viewer's notifications.
func (e *env) page(t *testing.T, viewer string, size int32, token string) *feedv1.ListNotificationsResponse {
	t.Helper()
	resp, err := e.client.ListNotifications(as(viewer), &feedv1.ListNotificationsRequest{PageSize: size, PageToken: token})
	if err != nil {
		t.Fatalf("ListNotifications(size %d) as %s: %v", size, viewer, err)
	}
	return resp
}

// all pages through viewer's whole inbox, size at a time.
func (e *env) all(t *testing.T, viewer string, size int32) []*feedv1.Notification {
	t.Helper()
	var got []*feedv1.Notification
	token := ""
	for range 1000 {
		resp := e.page(t, viewer, size, token)
		got = append(got, resp.GetNotifications()...)
		if token = resp.GetNextPageToken(); token == "" {
			return got
		}
	}
	t.Fatal("more than 1,000 pages")
	return nil
}

// unread returns viewer's unread count.
func (e *env) unread(t *testing.T, viewer string) int32 {
	t.Helper()
	resp, err := e.client.GetUnreadCount(as(viewer), &feedv1.GetUnreadCountRequest{})
	if err != nil {
		t.Fatalf("GetUnreadCount as %s: %v", viewer, err)
	}
	return resp.GetUnreadCount()
}

// stored returns every row of recipient's inbox in the store, as the
// store lists them.
func (e *env) stored(t *testing.T, recipient string) []store.Notification {
	t.Helper()
	ns, err := e.store.ListNotifications(context.Background(), recipient, store.NotificationCursor{}, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// summary is what a test compares of a notification: its kind, actor,
// photo, comment and time (in nanoseconds since 1970).
type summary struct {
	kind                  string
	actor, image, comment string
	at                    int64
}

// summaries returns the summaries of ns, in order.
func summaries(ns []*feedv1.Notification) []summary {
	out := make([]summary, len(ns))
	for i, n := range ns {
		out[i] = summary{kind: n.GetKind().String(), actor: n.GetActor().GetUserId(), image: n.GetImageId(), comment: n.GetCommentId(),
			at: n.GetCreateTime().AsTime().UnixNano()}
	}
	return out
}

// summaryOf returns the summary of the notification ev makes.
func summaryOf(ev activity.Event) summary {
	return summary{kind: activityv1.Kind(ev.Kind).String(), actor: ev.ActorID, image: ev.ImageID, comment: ev.CommentID, at: ev.Time.UnixNano()}
}

package gateway_test

import (
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcerr"
	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

// The fake services' fixed answers.
const (
	loginToken = "tok-login-0123456789"
	imageETag  = `"v1-etag"`
	avatarETag = `"avatar-etag"`
)

var (
	loginExpiry = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	modifyTime  = time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	// imageBytes is the object GetImageContent serves.
	imageBytes = patterned(200_000)
	// avatarBytes is the object GetAvatar serves.
	avatarBytes = patterned(5_000)
)

func patterned(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// calls records the calls a fake received, with their metadata.
type calls struct {
	mu     sync.Mutex
	byName map[string][]metadata.MD
}

func (c *calls) record(ctx context.Context, method string) {
	md, _ := metadata.FromIncomingContext(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byName == nil {
		c.byName = make(map[string][]metadata.MD)
	}
	c.byName[method] = append(c.byName[method], md)
}

// of returns the metadata of the calls of method received so far.
func (c *calls) of(method string) []metadata.MD {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byName[method]
}

type fakeAuth struct {
	authv1.UnimplementedAuthServiceServer
	calls *calls
}

func (f *fakeAuth) Login(ctx context.Context, _ *authv1.LoginRequest) (*authv1.LoginResponse, error) {
	f.calls.record(ctx, "Login")
	return &authv1.LoginResponse{
		SessionToken: loginToken,
		ExpireTime:   timestamppb.New(loginExpiry),
		User:         &userv1.User{Username: "alice"},
	}, nil
}

func (f *fakeAuth) Logout(ctx context.Context, _ *authv1.LogoutRequest) (*authv1.LogoutResponse, error) {
	f.calls.record(ctx, "Logout")
	return &authv1.LogoutResponse{}, nil
}

type fakeUser struct {
	userv1.UnimplementedUserServiceServer
	calls *calls
}

func (f *fakeUser) GetMe(ctx context.Context, _ *userv1.GetMeRequest) (*userv1.GetMeResponse, error) {
	f.calls.record(ctx, "GetMe")
	if md, _ := metadata.FromIncomingContext(ctx); len(md.Get("authorization")) == 0 || md.Get("authorization")[0] == "Bearer expired" {
		return nil, status.Error(codes.Unauthenticated, "invalid or expired session")
	}
	return &userv1.GetMeResponse{User: &userv1.User{Username: "alice"}}, nil
}

func (f *fakeUser) UpdateProfile(ctx context.Context, req *userv1.UpdateProfileRequest) (*userv1.UpdateProfileResponse, error) {
	f.calls.record(ctx, "UpdateProfile")
	return &userv1.UpdateProfileResponse{User: &userv1.User{Username: "alice", Bio: req.GetBio()}}, nil
}

func (f *fakeUser) GetProfile(ctx context.Context, req *userv1.GetProfileRequest) (*userv1.GetProfileResponse, error) {
	f.calls.record(ctx, "GetProfile")
	switch req.GetUsername() {
	case "ghost":
		return nil, status.Error(codes.NotFound, "user not found")
	case "busy":
		return nil, grpcerr.ResourceExhausted("too many requests", 2500*time.Millisecond)
	case "stuck":
		<-ctx.Done() // until the gateway's deadline
		return nil, ctx.Err()
	}
	return &userv1.GetProfileResponse{Profile: &userv1.Profile{Username: req.GetUsername()}}, nil
}

// upload is what the fake image service saw of one upload stream.
type upload struct {
	// outcome is "completed", or the code of the error that ended the
	// stream ("Canceled").
	outcome string
	// metaIndex is the position of the metadata among the messages.
	metaIndex int
	messages  int
	caption   string
	filename  string
	chunks    int
	maxChunk  int
	data      []byte
}

type fakeImage struct {
	imagev1.UnimplementedImageServiceServer
	calls   *calls
	uploads chan upload
	// contentRequests holds the GetImageContent requests received.
	contentRequests chan *imagev1.GetImageContentRequest
}

type uploadMessage interface {
	GetMetadata() *imagev1.UploadMetadata
	GetChunk() []byte
}

// receiveUpload reads an upload stream to its end and reports it.
func (f *fakeImage) receiveUpload(recv func() (uploadMessage, error)) (upload, error) {
	u := upload{metaIndex: -1}
	defer func() { f.uploads <- u }()
	for {
		msg, err := recv()
		if err == io.EOF {
			u.outcome = "completed"
			return u, nil
		}
		if err != nil {
			u.outcome = status.Code(err).String()
			return u, err
		}
		if m := msg.GetMetadata(); m != nil {
			u.metaIndex, u.caption, u.filename = u.messages, m.GetCaption(), m.GetFilename()
		} else {
			u.chunks++
			u.maxChunk = max(u.maxChunk, len(msg.GetChunk()))
			u.data = append(u.data, msg.GetChunk()...)
		}
		u.messages++
	}
}

func (f *fakeImage) UploadImage(stream imagev1.ImageService_UploadImageServer) error {
	f.calls.record(stream.Context(), "UploadImage")
	u, err := f.receiveUpload(func() (uploadMessage, error) { return stream.Recv() })
	if err != nil {
		return err
	}
	switch u.filename {
	case "huge.png":
		return status.Error(codes.ResourceExhausted, "image too large")
	case "throttled.png":
		return grpcerr.ResourceExhausted("the service is busy, try again shortly", time.Second)
	}
	return stream.SendAndClose(&imagev1.UploadImageResponse{Image: &imagev1.Image{ImageId: "img-1", Caption: u.caption}})
}

func (f *fakeImage) SetAvatar(stream imagev1.ImageService_SetAvatarServer) error {
	f.calls.record(stream.Context(), "SetAvatar")
	if _, err := f.receiveUpload(func() (uploadMessage, error) { return stream.Recv() }); err != nil {
		return err
	}
	return stream.SendAndClose(&imagev1.SetAvatarResponse{AvatarUrl: "/v1/users/alice/avatar"})
}

// sendContent streams object as a content stream: ContentInfo, then
// chunks of 32 KiB. It resolves offset and length as the image service
// does: a negative offset counts from the end, a length past the end stops
// there, an offset at the end is OutOfRange.
func sendContent(object []byte, etag string, offset, length int64, ifNoneMatch string, send func(info *imagev1.ContentInfo, chunk []byte) error) error {
	size := int64(len(object))
	if offset < 0 {
		offset, length = max(size+offset, 0), 0
	}
	if offset >= size {
		return status.Error(codes.OutOfRange, "offset past the end")
	}
	if length == 0 || offset+length > size {
		length = size - offset
	}
	info := &imagev1.ContentInfo{
		ContentType: "image/png",
		TotalSize:   size,
		Offset:      offset,
		Length:      length,
		Etag:        etag,
		ModifyTime:  timestamppb.New(modifyTime),
	}
	if ifNoneMatch == etag {
		info.Length, info.NotModified = 0, true
		return send(info, nil)
	}
	if err := send(info, nil); err != nil {
		return err
	}
	rest := object[offset : offset+length]
	for len(rest) > 0 {
		n := min(len(rest), 32<<10)
		if err := send(nil, rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

func (f *fakeImage) GetImageContent(req *imagev1.GetImageContentRequest, stream imagev1.ImageService_GetImageContentServer) error {
	f.calls.record(stream.Context(), "GetImageContent")
	f.contentRequests <- req
	if req.GetImageId() != "img-1" {
		return status.Error(codes.NotFound, "image not found")
	}
	return sendContent(imageBytes, imageETag, req.GetOffset(), req.GetLength(), req.GetIfNoneMatch(), func(info *imagev1.ContentInfo, chunk []byte) error {
		if info != nil {
			return stream.Send(&imagev1.GetImageContentResponse{Data: &imagev1.GetImageContentResponse_Info{Info: info}})
		}
		return stream.Send(&imagev1.GetImageContentResponse{Data: &imagev1.GetImageContentResponse_Chunk{Chunk: chunk}})
	})
}

func (f *fakeImage) GetAvatar(req *imagev1.GetAvatarRequest, stream imagev1.ImageService_GetAvatarServer) error {
	f.calls.record(stream.Context(), "GetAvatar")
	if req.GetUsername() != "alice" {
		return status.Error(codes.NotFound, "no avatar")
	}
	return sendContent(avatarBytes, avatarETag, 0, 0, req.GetIfNoneMatch(), func(info *imagev1.ContentInfo, chunk []byte) error {
		if info != nil {
			return stream.Send(&imagev1.GetAvatarResponse{Data: &imagev1.GetAvatarResponse_Info{Info: info}})
		}
		return stream.Send(&imagev1.GetAvatarResponse{Data: &imagev1.GetAvatarResponse_Chunk{Chunk: chunk}})
	})
}

type fakeFeed struct {
	feedv1.UnimplementedFeedServiceServer
}

// testEnv is a gateway served over real HTTP in front of fake services on
// a real gRPC server.
type testEnv struct {
	url    string
	client *http.Client
	calls  *calls
	image  *fakeImage
	health *health.Server
	logs   *observer.ObservedLogs
	gw     *gateway.Gateway
}

// testStatic is the web app the tests serve.
var testStatic = fstest.MapFS{
	"index.html":     {Data: []byte("<!doctype html><title>FotoGal</title>")},
	"app.js":         {Data: []byte("console.log('fotogal');")},
	"i18n/en.json":   {Data: []byte(`{"hello":"Hello"}`)},
	"styles/app.css": {Data: []byte("body{margin:0}")},
}

// envOption changes the setup of a testEnv.
type envOption func(*envSetup)

type envSetup struct {
	cfg    gateway.Config
	static fs.FS
	// deadFeed points the feed upstream at an address nobody listens on.
	deadFeed bool
}

func withConfig(cfg gateway.Config) envOption { return func(s *envSetup) { s.cfg = cfg } }

func withStatic(static fs.FS) envOption { return func(s *envSetup) { s.static = static } }

func withDeadFeed() envOption { return func(s *envSetup) { s.deadFeed = true } }

func newTestEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	setup := envSetup{static: testStatic}
	for _, o := range opts {
		o(&setup)
	}
	env := &testEnv{calls: &calls{}, health: health.NewServer()}
	env.image = &fakeImage{
		calls:           env.calls,
		uploads:         make(chan upload, 16),
		contentRequests: make(chan *imagev1.GetImageContentRequest, 64),
	}

	srv := grpc.NewServer()
	authv1.RegisterAuthServiceServer(srv, &fakeAuth{calls: env.calls})
	userv1.RegisterUserServiceServer(srv, &fakeUser{calls: env.calls})
	imagev1.RegisterImageServiceServer(srv, env.image)
	feedv1.RegisterFeedServiceServer(srv, &fakeFeed{})
	healthpb.RegisterHealthServer(srv, env.health)
	for _, name := range []string{
		authv1.AuthService_ServiceDesc.ServiceName,
		userv1.UserService_ServiceDesc.ServiceName,
		imagev1.ImageService_ServiceDesc.ServiceName,
		feedv1.FeedService_ServiceDesc.ServiceName,
	} {
		env.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	conn := dial(t, lis.Addr().String())
	up := gateway.Upstreams{Auth: conn, User: conn, Image: conn, Feed: conn}
	if setup.deadFeed {
		up.Feed = dial(t, deadAddr(t))
	}

	core, logs := observer.New(zap.DebugLevel)
	env.logs = logs
	env.gw, err = gateway.New(setup.cfg, up, zap.New(core), setup.static)
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	httpSrv := httptest.NewServer(env.gw)
	t.Cleanup(httpSrv.Close)
	env.url, env.client = httpSrv.URL, httpSrv.Client()
	return env
}

func dial(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcclient.Dial(addr, grpcclient.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// deadAddr returns an address that refuses connections.
func deadAddr(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	return addr
}

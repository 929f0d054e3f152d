package service_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/bucket/fs"
	"github.com/fotogal/fotogal/services/image/internal/imaging"
	"github.com/fotogal/fotogal/services/image/internal/service"
	"github.com/fotogal/fotogal/services/image/internal/store"
	"github.com/fotogal/fotogal/services/image/internal/store/sqlite"
)

const serviceSecret = "test-service-secret-0123456789"

// The people of the tests: alice's account is public, bob's private;
// carol is an approved follower of both, dave has asked to follow both
// (pending), erin is a stranger to both.
var people = []string{"alice", "bob", "carol", "dave", "erin"}

// known reports whether username is a person of the tests: one of people
// or one of the crowd "person00", "person01", ...
func known(username string) bool {
	return slices.Contains(people, username) || strings.HasPrefix(username, "person")
}

// fakeValidator accepts the tokens "token-<username>" of known people.
type fakeValidator struct{}

func (fakeValidator) ValidateSession(_ context.Context, token string) (authn.Caller, error) {
	if name, ok := strings.CutPrefix(token, "token-"); ok && known(name) {
		return authn.Caller{UserID: "id-" + name, SessionID: "session-" + name}, nil
	}
	return authn.Caller{}, status.Error(codes.Unauthenticated, "unknown token")
}

// fakeUsers is the user service as the image service sees it. User IDs are
// "id-<username>".
type fakeUsers struct {
	mu            sync.Mutex
	private       map[string]bool
	approved      map[string]map[string]bool // owner → viewer
	avatars       map[string]string          // user → image
	blocks        map[string][]string        // user → those across a block
	follows       map[string][]string        // user → those they follow
	failSetAvatar bool
	failLookups   bool // PeopleNamed fails
	batchCalls    int  // People and PeopleNamed
	canViewCalls  int
}

func newFakeUsers() *fakeUsers {
	return &fakeUsers{
		private: map[string]bool{"id-bob": true},
		approved: map[string]map[string]bool{
			"id-alice": {"id-carol": true, "id-dave": false},
			"id-bob":   {"id-carol": true, "id-dave": false},
		},
		avatars: map[string]string{},
	}
}

func (u *fakeUsers) BlockedIDs(_ context.Context, userID string) ([]string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.blocks[userID], nil
}

func (u *fakeUsers) Following(_ context.Context, userID string, ownerIDs []string) ([]string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var following []string
	for _, id := range ownerIDs {
		if slices.Contains(u.follows[userID], id) {
			following = append(following, id)
		}
	}
	return following, nil
}

// follow makes follower follow owner.
func (u *fakeUsers) follow(follower, owner string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.follows == nil {
		u.follows = map[string][]string{}
	}
	u.follows[follower] = append(u.follows[follower], owner)
}

// block puts a and b on the two sides of a block.
func (u *fakeUsers) block(a, b string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.blocks == nil {
		u.blocks = map[string][]string{}
	}
	u.blocks[a] = append(u.blocks[a], b)
	u.blocks[b] = append(u.blocks[b], a)
}

func (u *fakeUsers) exists(id string) bool {
	name, ok := strings.CutPrefix(id, "id-")
	return ok && known(name)
}

func (u *fakeUsers) CanView(_ context.Context, viewerID, ownerID string) (bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.canViewCalls++
	switch {
	case !u.exists(ownerID):
		return false, nil
	case viewerID == ownerID, !u.private[ownerID]:
		return true, nil
	}
	return u.approved[ownerID][viewerID], nil
}

// revoke withdraws viewerID's approval as a follower of ownerID.
func (u *fakeUsers) revoke(ownerID, viewerID string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.approved[ownerID][viewerID] = false
}

func (u *fakeUsers) canViews() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.canViewCalls
}

// lookups returns how many times People and PeopleNamed were called.
func (u *fakeUsers) lookups() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.batchCalls
}

// approve makes viewerID an approved follower of ownerID.
func (u *fakeUsers) approve(ownerID, viewerID string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.approved[ownerID][viewerID] = true
}

// person returns the Person of id, with the avatar URL the user service
// would give.
func (u *fakeUsers) person(id string) service.Person {
	p := service.Person{ID: id, Username: id[len("id-"):], Private: u.private[id]}
	if u.avatars[id] != "" {
		p.AvatarURL = "/v1/users/" + p.Username + "/avatar"
	}
	return p
}

func (u *fakeUsers) People(_ context.Context, ids []string) (map[string]service.Person, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.batchCalls++
	people := make(map[string]service.Person)
	for _, id := range ids {
		if u.exists(id) {
			people[id] = u.person(id)
		}
	}
	return people, nil
}

func (u *fakeUsers) PeopleNamed(_ context.Context, usernames []string) ([]service.Person, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.batchCalls++
	if u.failLookups {
		return nil, errors.New("user service down")
	}
	var people []service.Person
	for _, name := range usernames {
		if id := "id-" + strings.ToLower(name); u.exists(id) {
			people = append(people, u.person(id))
		}
	}
	return people, nil
}

func (u *fakeUsers) UserID(_ context.Context, username string) (string, error) {
	username = strings.ToLower(username)
	if !u.exists("id-" + username) {
		return "", service.ErrUserNotFound
	}
	return "id-" + username, nil
}

func (u *fakeUsers) SetAvatar(_ context.Context, userID, imageID string) (string, string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failSetAvatar {
		return "", "", errors.New("user service down")
	}
	previous := u.avatars[userID]
	u.avatars[userID] = imageID
	return previous, "/v1/users/" + userID[len("id-"):] + "/avatar", nil
}

// env is a running image service with its store, bucket and fakes.
type env struct {
	srv      *service.Server
	client   imagev1.ImageServiceClient
	internal imagev1.ImageInternalServiceClient
	users    *fakeUsers
	bucket   bucket.Bucket
	dataDir  string
	// contentURL is the base URL of the content port.
	contentURL string
}

type envOption func(*service.Config, *store.Store)

// withStore wraps the store the service uses.
func withStore(wrap func(store.Store) store.Store) envOption {
	return func(_ *service.Config, st *store.Store) { *st = wrap(*st) }
}

// withConfig changes the service's configuration.
func withConfig(change func(*service.Config)) envOption {
	return func(cfg *service.Config, _ *store.Store) { change(cfg) }
}

// newEnv starts the service on a free port of 127.0.0.1.
func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	var st store.Store
	st, err := sqlite.Open(ctx, filepath.Join(dir, "image.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	b, err := fs.New(filepath.Join(dir, "bucket"))
	if err != nil {
		t.Fatalf("open bucket: %v", err)
	}
	spool := filepath.Join(dir, "spool")
	if err := os.Mkdir(spool, 0o750); err != nil {
		t.Fatal(err)
	}
	cfg := service.Config{
		MaxUploadBytes: 16 << 20,
		Limits:         imaging.Limits{MaxPixels: 50_000_000, MaxSide: 20000},
		Workers:        2,
		SpoolDir:       spool,
	}
	for _, opt := range opts {
		opt(&cfg, &st)
	}
	users := newFakeUsers()
	srv := service.New(cfg, st, b, users)

	policy := authn.Policy{Validator: fakeValidator{}, ServiceSecret: serviceSecret}
	g, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, zap.NewNop(), "image",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()},
		[]grpc.StreamServerInterceptor{policy.StreamServerInterceptor()})
	if err != nil {
		t.Fatalf("create server: %v", err)
	}
	srv.Register(g.GRPC())
	contentAddr, err := g.AddHTTP("content", "127.0.0.1:0", srv.ContentHandler(policy, zap.NewNop()))
	if err != nil {
		t.Fatalf("listen for content: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- g.Serve(ctx) }()
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(32<<20)))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		st.Close()
	})
	return &env{
		srv:      srv,
		client:   imagev1.NewImageServiceClient(conn),
		internal: imagev1.NewImageInternalServiceClient(conn),
		users:    users,
		bucket:   b,
		dataDir:  dir,

		contentURL: "http://" + contentAddr,
	}
}

// as returns a context carrying user's session token.
func as(user string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer token-"+user)
}

// asService returns a context carrying the service credential.
func asService() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), authn.ServiceCredentialKey, serviceSecret)
}

// uploadOptions shape an upload stream.
type uploadOptions struct {
	caption      string
	filename     string
	metadataLast bool
}

const uploadChunk = 32 << 10

// upload sends data as user's new photo.
func (e *env) upload(user string, data []byte, opts uploadOptions) (*imagev1.Image, error) {
	stream, err := e.client.UploadImage(as(user))
	if err != nil {
		return nil, err
	}
	meta := &imagev1.UploadImageRequest{Data: &imagev1.UploadImageRequest_Metadata{Metadata: &imagev1.UploadMetadata{Caption: opts.caption, Filename: opts.filename}}}
	if err := sendUpload(stream.Send, meta, data, opts.metadataLast, func(chunk []byte) *imagev1.UploadImageRequest {
		return &imagev1.UploadImageRequest{Data: &imagev1.UploadImageRequest_Chunk{Chunk: chunk}}
	}); err != nil {
		return nil, err
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	return resp.GetImage(), nil
}

// sendUpload sends meta and data in chunks; a send that fails because the
// server has already answered is not an error here (CloseAndRecv tells).
func sendUpload[M any](send func(M) error, meta M, data []byte, metaLast bool, chunk func([]byte) M) error {
	if !metaLast {
		if err := send(meta); err != nil {
			return ignoreEOF(err)
		}
	}
	for off := 0; off < len(data); off += uploadChunk {
		if err := send(chunk(data[off:min(off+uploadChunk, len(data))])); err != nil {
			return ignoreEOF(err)
		}
	}
	if metaLast {
		return ignoreEOF(send(meta))
	}
	return nil
}

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// setAvatar sends data as user's avatar.
func (e *env) setAvatar(user string, data []byte) (string, error) {
	stream, err := e.client.SetAvatar(as(user))
	if err != nil {
		return "", err
	}
	meta := &imagev1.SetAvatarRequest{Data: &imagev1.SetAvatarRequest_Metadata{Metadata: &imagev1.UploadMetadata{Filename: "me.png"}}}
	if err := sendUpload(stream.Send, meta, data, false, func(chunk []byte) *imagev1.SetAvatarRequest {
		return &imagev1.SetAvatarRequest{Data: &imagev1.SetAvatarRequest_Chunk{Chunk: chunk}}
	}); err != nil {
		return "", err
	}
	resp, err := stream.CloseAndRecv()
	return resp.GetAvatarUrl(), err
}

// contentStream is GetImageContent's or GetAvatar's client stream.
type contentStream[M interface {
	GetInfo() *imagev1.ContentInfo
	GetChunk() []byte
}] interface {
	Recv() (M, error)
}

// readContent reads a content stream whole.
func readContent[M interface {
	GetInfo() *imagev1.ContentInfo
	GetChunk() []byte
}](stream contentStream[M]) (*imagev1.ContentInfo, []byte, error) {
	first, err := stream.Recv()
	if err != nil {
		return nil, nil, err
	}
	info := first.GetInfo()
	if info == nil {
		return nil, nil, errors.New("first message is not a ContentInfo")
	}
	var data []byte
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return info, data, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if len(msg.GetChunk()) > 64<<10 {
			return nil, nil, fmt.Errorf("chunk of %d bytes", len(msg.GetChunk()))
		}
		data = append(data, msg.GetChunk()...)
	}
}

// content downloads a variant of a photo as user.
func (e *env) content(user string, req *imagev1.GetImageContentRequest) (*imagev1.ContentInfo, []byte, error) {
	stream, err := e.client.GetImageContent(as(user), req)
	if err != nil {
		return nil, nil, err
	}
	return readContent(stream)
}

// avatar downloads username's avatar as user.
func (e *env) avatar(user, username, ifNoneMatch string) (*imagev1.ContentInfo, []byte, error) {
	stream, err := e.client.GetAvatar(as(user), &imagev1.GetAvatarRequest{Username: username, IfNoneMatch: ifNoneMatch})
	if err != nil {
		return nil, nil, err
	}
	return readContent(stream)
}

// counts returns how many image rows, reaction rows and bucket objects
// there are, and how many spooled files are left.
func (e *env) counts(t testing.TB) (rows, reactions, objects, spooled int) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(e.dataDir, "image.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM fotogal_ntable_images), (SELECT COUNT(*) FROM reactions)`).Scan(&rows, &reactions); err != nil {
		t.Fatal(err)
	}
	if err := e.bucket.List(context.Background(), func(bucket.ObjectInfo) error {
		objects++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(e.dataDir, "spool"))
	if err != nil {
		t.Fatal(err)
	}
	return rows, reactions, objects, len(entries)
}

func mustUpload(t testing.TB, e *env, user string, data []byte, caption string) *imagev1.Image {
	t.Helper()
	img, err := e.upload(user, data, uploadOptions{caption: caption, filename: "photo"})
	if err != nil {
		t.Fatalf("upload as %s: %v", user, err)
	}
	return img
}

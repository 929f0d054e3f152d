package feed

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"

	"github.com/fotogal/fotogal/services/feed/internal/store"
	"github.com/fotogal/fotogal/services/feed/internal/store/sqlite"
)

const testSecret = "test-service-secret-0123456789"

// tailStart is where the tailer of a test's new store starts: before every
// photo the tests post.
var tailStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// tailing says when the tailer runs in a test.
type tailing int

const (
	// tailNever leaves every photo posted after tailStart to the posting
	// log read at request time.
	tailNever tailing = iota
	// tailEachRequest runs one pass before each request, so that pages
	// come from the timeline rows.
	tailEachRequest
	// tailBackground runs the tailer every millisecond, concurrently with
	// the requests.
	tailBackground
)

// mode is a way of keeping the timelines; every behaviour of the feed must
// hold in each.
type mode struct {
	name     string
	backfill int
	tail     tailing
}

var modes = []mode{
	{name: "posting log", backfill: 500, tail: tailNever},
	{name: "timeline rows", backfill: 500, tail: tailEachRequest},
	{name: "rows above a floor of 3, fan-out below", backfill: 3, tail: tailEachRequest},
	{name: "tailer in the background, floor of 3", backfill: 3, tail: tailBackground},
}

// forEachMode runs test in every mode, in parallel.
func forEachMode(t *testing.T, test func(t *testing.T, m mode)) {
	t.Helper()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			test(t, m)
		})
	}
}

// env is a feed server wired as in production (grpcserver, authn.Policy,
// grpcclient with the service credential, a SQLite store) to fake user and
// image services.
type env struct {
	users  *fakeUsers
	images *fakeImages
	store  store.Store
	server *Server
	mode   mode
	addr   string
	client feedv1.FeedServiceClient
}

func newEnv(t *testing.T, m mode) *env {
	t.Helper()
	return newEnvWithCelebrities(t, m, 0)
}

// newEnvWithCelebrities is newEnv with a follower threshold for
// celebrities (the default when 0).
func newEnvWithCelebrities(t *testing.T, m mode, celebrityFollowers int) *env {
	t.Helper()
	e := &env{users: newFakeUsers(), images: newFakeImages(), mode: m}
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

	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.server, err = New(context.Background(), Config{
		Users:              userv1.NewUserInternalServiceClient(backend),
		Images:             imagev1.NewImageInternalServiceClient(backend),
		Store:              st,
		Backfill:           m.backfill,
		TailInterval:       time.Millisecond,
		CelebrityFollowers: celebrityFollowers,
		Now:                func() time.Time { return tailStart },
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.tail == tailBackground {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.server.Tail(ctx)
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
	}

	public := authn.Policy{Validator: userValidator{e.users}, ServiceSecret: testSecret}
	e.addr = serve(t, public, func(s *grpc.Server) { feedv1.RegisterFeedServiceServer(s, e.server) })
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.client = feedv1.NewFeedServiceClient(conn)
	return e
}

// tailOnce runs one pass of the tailer.
func (e *env) tailOnce(t *testing.T) {
	t.Helper()
	if err := e.server.tailOnce(context.Background()); err != nil {
		t.Fatalf("tail: %v", err)
	}
}

// entries returns the image ids in reader's stored timeline, newest first.
func (e *env) entries(t *testing.T, reader string) []string {
	t.Helper()
	got, err := e.store.ListEntries(context.Background(), store.EntryQuery{ReaderID: reader, Before: store.Top, Floor: store.Bottom, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(got))
	for i, entry := range got {
		out[i] = entry.ImageID
	}
	return out
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

// as returns a context carrying the session token of user id.
func as(id string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer token-"+id)
}

// page requests a page of viewer's timeline, after a pass of the tailer in
// the modes that want one.
func (e *env) page(t *testing.T, viewer string, size int32, token string) *feedv1.GetFeedResponse {
	t.Helper()
	if e.mode.tail == tailEachRequest {
		e.tailOnce(t)
	}
	resp, err := e.client.GetFeed(as(viewer), &feedv1.GetFeedRequest{PageSize: size, PageToken: token})
	if err != nil {
		t.Fatalf("GetFeed(size %d) as %s: %v", size, viewer, err)
	}
	return resp
}

// all pages through viewer's whole timeline and returns its image ids.
func (e *env) all(t *testing.T, viewer string, size int32) []string {
	t.Helper()
	var got []string
	token := ""
	for range 1000 {
		resp := e.page(t, viewer, size, token)
		got = append(got, itemIDs(resp)...)
		if token = resp.GetNextPageToken(); token == "" {
			return got
		}
	}
	t.Fatal("more than 1,000 pages")
	return nil
}

func itemIDs(resp *feedv1.GetFeedResponse) []string {
	out := make([]string, len(resp.GetItems()))
	for i, it := range resp.GetItems() {
		out[i] = it.GetImage().GetImageId()
	}
	return out
}

// expected returns the ids of the photos of owners, in timeline order.
func (e *env) expected(owners ...string) []string {
	e.images.mu.Lock()
	defer e.images.mu.Unlock()
	return ids(e.images.list(owners, nil, len(e.images.images), ""))
}

func TestGetFeedOrdersEqualTimesStably(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, m mode) {
		e := newEnv(t, m)
		reader := e.users.add("reader", false)
		second := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		var owners []string
		for i := range 4 {
			owner := e.users.add("owner"+itoa(i), false)
			e.users.follow(reader, owner)
			owners = append(owners, owner)
			// Several photos in the same second, some at the very same
			// instant as other accounts' photos.
			for j := range 3 {
				e.images.post(owner, second.Add(time.Duration(j)*time.Millisecond))
			}
			e.images.post(owner, second)
		}
		e.images.post(reader, second)
		want := e.expected(append(owners, reader)...)
		if len(want) != 17 {
			t.Fatalf("setup: %d photos, want 17", len(want))
		}
		for _, size := range []int32{1, 2, 3, 5, 17, 100} {
			if got := e.all(t, reader, size); !slices.Equal(got, want) {
				t.Errorf("page size %d:\n got %v\nwant %v", size, got, want)
			}
		}
	})
}

func TestGetFeedPagingWhileUploading(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, m mode) {
		e := newEnv(t, m)
		reader := e.users.add("reader", false)
		a, b := e.users.add("alice", false), e.users.add("bobby", false)
		e.users.follow(reader, a)
		e.users.follow(reader, b)
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		for i := range 10 {
			e.images.post(a, start.Add(time.Duration(i)*100*time.Millisecond))
			e.images.post(b, start.Add(time.Duration(i)*100*time.Millisecond))
		}

		var got, newer []string
		token := ""
		for page := 0; ; page++ {
			resp := e.page(t, reader, 3, token)
			got = append(got, itemIDs(resp)...)
			// Both accounts post while the reader pages, two photos at one
			// instant: newer than the first page, they are not listed.
			at := start.Add(time.Second + time.Duration(page)*10*time.Millisecond)
			newer = append(newer, e.images.post(a, at), e.images.post(b, at))
			if page == 1 {
				// A photo committed late, among those not paged yet (and
				// within the tailer's overlap): it is listed.
				e.images.post(a, start.Add(350*time.Millisecond))
			}
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		want := slices.DeleteFunc(e.expected(a, b), func(id string) bool { return slices.Contains(newer, id) })
		if len(want) != 21 {
			t.Fatalf("setup: %d photos to page through, want 21", len(want))
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged while uploading:\n got %v\nwant %v", got, want)
		}
		if got, want := itemIDs(e.page(t, reader, 2, "")), e.expected(a, b)[:2]; !slices.Equal(got, want) {
			t.Errorf("a new first page is %v, want the newest photos %v", got, want)
		}
	})
}

func TestGetFeedFollowGraphAndDeletion(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// setup prepares the graph and returns the owner whose photos are
		// in question.
		setup func(e *env, reader string) string
		// change happens between two requests.
		change func(e *env, reader, owner string)
		// before and after say whether owner's photos are on the timeline.
		before, after bool
	}{
		{
			name:   "unfollow removes at once",
			setup:  followed,
			change: func(e *env, reader, owner string) { e.users.unfollow(reader, owner) },
			before: true, after: false,
		},
		{
			name:   "removed follower loses at once",
			setup:  followed,
			change: func(e *env, reader, owner string) { e.users.removeFollower(owner, reader) },
			before: true, after: false,
		},
		{
			name: "private account requested is not shown, accepted is",
			setup: func(e *env, reader string) string {
				owner := e.users.add("private", true)
				e.users.follow(reader, owner)
				return owner
			},
			change: func(e *env, reader, owner string) { e.users.accept(owner, reader) },
			before: false, after: true,
		},
		{
			name: "not followed is not shown, new follow is",
			setup: func(e *env, _ string) string {
				return e.users.add("stranger", false)
			},
			change: func(e *env, reader, owner string) { e.users.follow(reader, owner) },
			before: false, after: true,
		},
		{
			name:  "unfollowed and followed again is shown",
			setup: followed,
			change: func(e *env, reader, owner string) {
				e.users.unfollow(reader, owner)
				e.users.follow(reader, owner)
			},
			before: true, after: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachMode(t, func(t *testing.T, m mode) {
				e := newEnv(t, m)
				reader := e.users.add("reader", false)
				e.images.post(reader, at)
				owner := tc.setup(e, reader)
				// More photos than a low floor holds, older and newer than
				// the reader's.
				var photos []string
				for i := range 5 {
					photos = append(photos, e.images.post(owner, at.Add(time.Duration(i-2)*time.Minute)))
				}
				shown := func(when string, want bool) {
					t.Helper()
					timeline := e.all(t, reader, 2)
					for _, photo := range photos {
						if got := slices.Contains(timeline, photo); got != want {
							t.Errorf("%s: owner's photo %s shown = %v, want %v", when, photo, got, want)
						}
					}
				}
				shown("before", tc.before)
				tc.change(e, reader, owner)
				shown("after", tc.after)
				// The change holds as new photos arrive and are tailed.
				photos = append(photos, e.images.post(owner, at.Add(time.Hour)))
				shown("after a new photo", tc.after)
			})
		})
	}
}

// followed adds an account reader follows.
func followed(e *env, reader string) string {
	owner := e.users.add("followed", false)
	e.users.follow(reader, owner)
	return owner
}

func TestGetFeedDeletedPhotoGoneFromNextPage(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, m mode) {
		e := newEnv(t, m)
		reader := e.users.add("reader", false)
		owner := followed(e, reader)
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		for i := range 6 {
			e.images.post(owner, start.Add(time.Duration(i)*time.Second))
		}
		want := e.expected(owner)
		first := e.page(t, reader, 3, "")
		if got := itemIDs(first); !slices.Equal(got, want[:3]) {
			t.Fatalf("first page %v, want %v", got, want[:3])
		}
		e.images.delete(want[4])
		second := e.page(t, reader, 3, first.GetNextPageToken())
		if got, wantNext := itemIDs(second), []string{want[3], want[5]}; !slices.Equal(got, wantNext) {
			t.Errorf("next page %v, want %v (without the deleted %s)", got, wantNext, want[4])
		}
		e.images.delete(want[0])
		if got, wantFirst := itemIDs(e.page(t, reader, 3, "")), []string{want[1], want[2], want[3]}; !slices.Equal(got, wantFirst) {
			t.Errorf("first page again %v, want %v (without the deleted %s)", got, wantFirst, want[0])
		}
	})
}

func TestGetFeedPageSize(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, m mode) {
		e := newEnv(t, m)
		reader := e.users.add("reader", false)
		owner := followed(e, reader)
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		for i := range 150 {
			e.images.post(owner, start.Add(time.Duration(i)*time.Second))
		}
		tests := []struct {
			size     int32
			want     int
			wantNext bool
		}{
			{size: 0, want: DefaultPageSize, wantNext: true},
			{size: 1, want: 1, wantNext: true},
			{size: 100, want: 100, wantNext: true},
			{size: 1000, want: MaxPageSize, wantNext: true},
			{size: 150, want: MaxPageSize, wantNext: true},
		}
		for _, tc := range tests {
			resp := e.page(t, reader, tc.size, "")
			if got := len(resp.GetItems()); got != tc.want {
				t.Errorf("size %d: got %d items, want %d", tc.size, got, tc.want)
			}
			if got := resp.GetNextPageToken() != ""; got != tc.wantNext {
				t.Errorf("size %d: next page token set = %v, want %v", tc.size, got, tc.wantNext)
			}
		}
		first := e.page(t, reader, 100, "")
		last := e.page(t, reader, 60, first.GetNextPageToken())
		if got := len(last.GetItems()); got != 50 {
			t.Errorf("last page: got %d items, want 50", got)
		}
		if last.GetNextPageToken() != "" {
			t.Errorf("last page has a next page token")
		}
		exact := e.page(t, reader, 50, first.GetNextPageToken())
		if got := len(exact.GetItems()); got != 50 || exact.GetNextPageToken() != "" {
			t.Errorf("a last page exactly full: got %d items and token %q, want 50 and none", got, exact.GetNextPageToken())
		}
		_, err := e.client.GetFeed(as(reader), &feedv1.GetFeedRequest{PageSize: -1})
		if got, want := status.Code(err), codes.InvalidArgument; got != want {
			t.Errorf("negative: got %v, want %v", got, want)
		}
	})
}

func TestGetFeedInvalidPageToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, modes[1])
	reader := e.users.add("reader", false)
	raw := func(b ...byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	tests := []struct {
		name  string
		token string
	}{
		{"not base64", "!!not base64!!"},
		{"padded base64", "AQ=="},
		{"too short", raw(1, 0, 0)},
		{"no image id", raw(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0)},
		{"unknown version", raw(2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 'a')},
		{"nanos out of range", raw(1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 'a')},
		{"image id not URL-safe", raw(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, '/')},
		{"image id too long", raw(append([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, []byte(strings.Repeat("a", 65))...)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.GetFeed(as(reader), &feedv1.GetFeedRequest{PageToken: tc.token})
			if got, want := status.Code(err), codes.InvalidArgument; got != want {
				t.Fatalf("got %v, want %v", got, want)
			}
			if got, want := status.Convert(err).Message(), "page_token: invalid"; got != want {
				t.Errorf("message %q, want %q", got, want)
			}
		})
	}
}

func TestGetFeedUnauthenticated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, modes[1])
	tests := []struct {
		name string
		ctx  context.Context
	}{
		{"no session", context.Background()},
		{"unknown session", metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer nope")},
		{"not a bearer token", metadata.AppendToOutgoingContext(context.Background(), "authorization", "Basic dTpw")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.GetFeed(tc.ctx, &feedv1.GetFeedRequest{})
			if got, want := status.Code(err), codes.Unauthenticated; got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestGetFeedEmptyReason(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		setup     func(t *testing.T, e *env, reader string)
		wantItems int
		want      feedv1.EmptyReason
	}{
		{
			name:  "follows nobody",
			setup: func(*testing.T, *env, string) {},
			want:  feedv1.EmptyReason_EMPTY_REASON_FOLLOWS_NOBODY,
		},
		{
			name: "only asked a private account",
			setup: func(_ *testing.T, e *env, reader string) {
				owner := e.users.add("private", true)
				e.users.follow(reader, owner)
				e.images.post(owner, at)
			},
			want: feedv1.EmptyReason_EMPTY_REASON_FOLLOWS_NOBODY,
		},
		{
			name:  "follows people who posted nothing",
			setup: func(_ *testing.T, e *env, reader string) { followed(e, reader) },
			want:  feedv1.EmptyReason_EMPTY_REASON_NO_POSTS,
		},
		{
			name: "follows people whose photos were deleted",
			setup: func(t *testing.T, e *env, reader string) {
				owner := followed(e, reader)
				photo := e.images.post(owner, at)
				e.page(t, reader, 0, "")
				e.images.delete(photo)
			},
			want: feedv1.EmptyReason_EMPTY_REASON_NO_POSTS,
		},
		{
			name:      "follows nobody but posted",
			setup:     func(_ *testing.T, e *env, reader string) { e.images.post(reader, at) },
			wantItems: 1,
			want:      feedv1.EmptyReason_EMPTY_REASON_UNSPECIFIED,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachMode(t, func(t *testing.T, m mode) {
				e := newEnv(t, m)
				reader := e.users.add("reader", false)
				tc.setup(t, e, reader)
				resp := e.page(t, reader, 0, "")
				if got := len(resp.GetItems()); got != tc.wantItems {
					t.Errorf("got %d items, want %d", got, tc.wantItems)
				}
				if got := resp.GetEmptyReason(); got != tc.want {
					t.Errorf("empty reason %v, want %v", got, tc.want)
				}
			})
		})
	}
	t.Run("empty page after the first", func(t *testing.T) {
		t.Parallel()
		forEachMode(t, func(t *testing.T, m mode) {
			e := newEnv(t, m)
			reader := e.users.add("reader", false)
			photo := e.images.post(reader, at)
			resp := e.page(t, reader, 0, encodePageToken(&imagev1.Image{CreateTime: timestamppb.New(at), ImageId: photo}))
			if len(resp.GetItems()) != 0 || resp.GetEmptyReason() != feedv1.EmptyReason_EMPTY_REASON_UNSPECIFIED {
				t.Errorf("got %d items, reason %v; want none, unspecified", len(resp.GetItems()), resp.GetEmptyReason())
			}
		})
	})
}

func TestGetFeedItems(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, m mode) {
		e := newEnv(t, m)
		reader := e.users.add("reader", false)
		owner := followed(e, reader)
		photo := e.images.post(owner, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
		e.images.like(photo, reader)
		e.images.like(photo, owner)

		resp := e.page(t, reader, 0, "")
		if len(resp.GetItems()) != 1 {
			t.Fatalf("got %d items, want 1", len(resp.GetItems()))
		}
		item := resp.GetItems()[0]
		tests := []struct {
			field     string
			got, want any
		}{
			{"owner_username", item.GetOwnerUsername(), "followed"},
			{"owner_full_name", item.GetOwnerFullName(), "Full followed"},
			{"owner_avatar_url", item.GetOwnerAvatarUrl(), "/v1/users/followed/avatar"},
			{"image.owner_username", item.GetImage().GetOwnerUsername(), "followed"},
			{"image.caption", item.GetImage().GetCaption(), "caption of " + photo},
			{"image.like_count", item.GetImage().GetLikeCount(), int64(2)},
			{"image.liked_by_me", item.GetImage().GetLikedByMe(), true},
			{"image.display_url", item.GetImage().GetDisplayUrl(), "/v1/images/" + photo + "/content?size=display"},
		}
		for _, tc := range tests {
			if tc.got != tc.want {
				t.Errorf("%s = %v, want %v", tc.field, tc.got, tc.want)
			}
		}
	})
}

// TestGetFeedRoundTrips checks what a page costs. The first request of a
// reader fills the timeline: calls that grow with the backfill, not with
// the follow set. After that, a first page costs one call of each kind
// and a deep page one fewer (no posting log), whatever the reader follows:
// never fan-out on read above the floor, no call per followed account or
// per item.
func TestGetFeedRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		following int
		// wantFillOwnerCalls are the ListOwnersImages calls of the first
		// request: a backfill of 500 in pages of 100, the follow set cut
		// into up to maxChunks chunks walked in parallel, each of which
		// holds about a tenth of the backfill, within its first page.
		wantFillOwnerCalls int
	}{
		{following: 10, wantFillOwnerCalls: 5},
		{following: 5000, wantFillOwnerCalls: 10},
		{following: 12000, wantFillOwnerCalls: 10},
	}
	for _, tc := range tests {
		t.Run(itoa(tc.following), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, modes[1])
			reader := e.users.add("reader", false)
			start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			var owners []string
			for i := range tc.following {
				owner := e.users.add("o"+itoa(i), false)
				e.users.follow(reader, owner)
				owners = append(owners, owner)
			}
			// More photos than a backfill, spread over the whole follow
			// set, the newest among the last owners.
			const photos = 600
			for i := range photos {
				e.images.post(owners[i*len(owners)/photos], start.Add(time.Duration(i)*time.Second))
			}
			want := e.expected(owners...)
			type counts map[string]int
			snapshot := func() counts {
				c := counts{}
				for _, m := range []string{"ListFollowingIds", "FilterFollowing", "BatchGetUsers", "ListFollowerIds", "ListMutedIds"} {
					c[m] = e.users.callCount(m)
				}
				for _, m := range []string{"ListOwnersImages", "BatchGetImages", "ListImagesAfter"} {
					c[m] = e.images.callCount(m)
				}
				return c
			}
			check := func(what string, before counts, want counts) {
				t.Helper()
				after := snapshot()
				for m := range after {
					if got := after[m] - before[m]; got != want[m] {
						t.Errorf("%s: %s calls: got %d, want %d", what, m, got, want[m])
					}
				}
			}

			// The tailer is up to date: the photos were posted before the
			// reader first asks.
			e.tailOnce(t)
			before := snapshot()
			first, err := e.client.GetFeed(as(reader), &feedv1.GetFeedRequest{})
			if err != nil {
				t.Fatal(err)
			}
			check("first request", before, counts{
				"ListFollowingIds": 1 + tc.following/10001, "ListOwnersImages": tc.wantFillOwnerCalls,
				"ListImagesAfter": 1, "FilterFollowing": 1, "BatchGetImages": 1, "BatchGetUsers": 1, "ListMutedIds": 1,
			})
			if got := itemIDs(first); !slices.Equal(got, want[:DefaultPageSize]) {
				t.Errorf("first page %v, want %v", got, want[:DefaultPageSize])
			}
			for _, page := range []struct {
				name  string
				token string
				want  []string
				calls counts
			}{
				{"warm first page", "", want[:DefaultPageSize], counts{
					"ListFollowingIds": 1, "ListImagesAfter": 1, "FilterFollowing": 1, "BatchGetImages": 1, "BatchGetUsers": 1,
					"ListMutedIds": 1,
				}},
				{"warm deep page", first.GetNextPageToken(), want[DefaultPageSize : 2*DefaultPageSize], counts{
					"ListFollowingIds": 1, "FilterFollowing": 1, "BatchGetImages": 1, "BatchGetUsers": 1, "ListMutedIds": 1,
				}},
			} {
				before := snapshot()
				resp, err := e.client.GetFeed(as(reader), &feedv1.GetFeedRequest{PageToken: page.token})
				if err != nil {
					t.Fatal(err)
				}
				check(page.name, before, page.calls)
				if got := itemIDs(resp); !slices.Equal(got, page.want) {
					t.Errorf("%s: %v, want %v", page.name, got, page.want)
				}
			}
		})
	}
}

// TestGetFeedHTTP checks the codes a client of the gateway's GET /v1/feed
// sees, through grpc-gateway's default mapping.
func TestGetFeedHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, modes[0])
	reader := e.users.add("reader", false)
	mux := runtime.NewServeMux()
	if err := feedv1.RegisterFeedServiceHandlerFromEndpoint(context.Background(), mux, e.addr,
		[]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tests := []struct {
		name          string
		query         string
		authorization string
		want          int
		wantBody      string
	}{
		{"ok", "", "Bearer token-" + reader, http.StatusOK, `"emptyReason":"EMPTY_REASON_FOLLOWS_NOBODY"`},
		{"page size bounds", "?pageSize=1000", "Bearer token-" + reader, http.StatusOK, `"items":[]`},
		{"bad page token", "?pageToken=garbage!", "Bearer token-" + reader, http.StatusBadRequest, `page_token: invalid`},
		{"no session", "", "", http.StatusUnauthorized, `"code":16`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/feed"+tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			if _, err := body.ReadFrom(resp.Body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d (body %s)", resp.StatusCode, tc.want, body.String())
			}
			if !strings.Contains(body.String(), tc.wantBody) {
				t.Errorf("body %s does not contain %s", body.String(), tc.wantBody)
			}
		})
	}
}

package feed

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
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

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"
)

const testSecret = "test-service-secret-0123456789"

// env is a feed server wired as in production (grpcserver, authn.Policy,
// grpcclient with the service credential) to fake user and image services.
type env struct {
	users  *fakeUsers
	images *fakeImages
	addr   string
	client feedv1.FeedServiceClient
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{users: newFakeUsers(), images: newFakeImages()}
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

	public := authn.Policy{Validator: userValidator{e.users}, ServiceSecret: testSecret}
	server := NewServer(userv1.NewUserInternalServiceClient(backend), imagev1.NewImageInternalServiceClient(backend))
	e.addr = serve(t, public, func(s *grpc.Server) { feedv1.RegisterFeedServiceServer(s, server) })
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.client = feedv1.NewFeedServiceClient(conn)
	return e
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

func (e *env) page(t *testing.T, viewer string, size int32, token string) *feedv1.GetFeedResponse {
	t.Helper()
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
	e := newEnv(t)
	reader := e.users.add("reader", false)
	second := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var owners []string
	for i := range 4 {
		owner := e.users.add("owner"+itoa(i), false)
		e.users.follow(reader, owner)
		owners = append(owners, owner)
		// Several photos in the same second, some at the very same instant
		// as other accounts' photos.
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
		t.Run("page size "+itoa(int(size)), func(t *testing.T) {
			if got := e.all(t, reader, size); !slices.Equal(got, want) {
				t.Errorf("timeline:\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestGetFeedPagingWhileUploading(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reader := e.users.add("reader", false)
	a, b := e.users.add("alice", false), e.users.add("bobby", false)
	e.users.follow(reader, a)
	e.users.follow(reader, b)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 10 {
		e.images.post(a, start.Add(time.Duration(i)*time.Second))
		e.images.post(b, start.Add(time.Duration(i)*time.Second))
	}
	want := e.expected(a, b)

	var got []string
	token := ""
	for page := 0; ; page++ {
		resp := e.page(t, reader, 3, token)
		got = append(got, itemIDs(resp)...)
		// Both accounts post while the reader pages, two photos in one
		// second.
		e.images.post(a, start.Add(time.Hour+time.Duration(page)*time.Second))
		e.images.post(b, start.Add(time.Hour+time.Duration(page)*time.Second))
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged while uploading:\n got %v\nwant %v", got, want)
	}
	if got, want := itemIDs(e.page(t, reader, 2, "")), e.expected(a, b)[:2]; !slices.Equal(got, want) {
		t.Errorf("a new first page is %v, want the newest photos %v", got, want)
	}
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			reader := e.users.add("reader", false)
			e.images.post(reader, at)
			owner := tc.setup(e, reader)
			photo := e.images.post(owner, at.Add(time.Minute))

			if got := slices.Contains(e.all(t, reader, 20), photo); got != tc.before {
				t.Errorf("before: owner's photo shown = %v, want %v", got, tc.before)
			}
			tc.change(e, reader, owner)
			if got := slices.Contains(e.all(t, reader, 20), photo); got != tc.after {
				t.Errorf("after: owner's photo shown = %v, want %v", got, tc.after)
			}
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
	e := newEnv(t)
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
}

func TestGetFeedPageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
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
		t.Run(itoa(int(tc.size)), func(t *testing.T) {
			resp := e.page(t, reader, tc.size, "")
			if got := len(resp.GetItems()); got != tc.want {
				t.Errorf("got %d items, want %d", got, tc.want)
			}
			if got := resp.GetNextPageToken() != ""; got != tc.wantNext {
				t.Errorf("next page token set = %v, want %v", got, tc.wantNext)
			}
		})
	}
	t.Run("last page has no token", func(t *testing.T) {
		first := e.page(t, reader, 100, "")
		last := e.page(t, reader, 60, first.GetNextPageToken())
		if got := len(last.GetItems()); got != 50 {
			t.Errorf("got %d items, want 50", got)
		}
		if last.GetNextPageToken() != "" {
			t.Errorf("last page has a next page token")
		}
	})
	t.Run("negative", func(t *testing.T) {
		_, err := e.client.GetFeed(as(reader), &feedv1.GetFeedRequest{PageSize: -1})
		if got, want := status.Code(err), codes.InvalidArgument; got != want {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestGetFeedInvalidPageToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
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
	e := newEnv(t)
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
		setup     func(e *env, reader string)
		wantItems int
		want      feedv1.EmptyReason
	}{
		{
			name:  "follows nobody",
			setup: func(*env, string) {},
			want:  feedv1.EmptyReason_EMPTY_REASON_FOLLOWS_NOBODY,
		},
		{
			name: "only asked a private account",
			setup: func(e *env, reader string) {
				e.users.follow(reader, e.users.add("private", true))
			},
			want: feedv1.EmptyReason_EMPTY_REASON_FOLLOWS_NOBODY,
		},
		{
			name:  "follows people who posted nothing",
			setup: func(e *env, reader string) { followed(e, reader) },
			want:  feedv1.EmptyReason_EMPTY_REASON_NO_POSTS,
		},
		{
			name:      "follows nobody but posted",
			setup:     func(e *env, reader string) { e.images.post(reader, at) },
			wantItems: 1,
			want:      feedv1.EmptyReason_EMPTY_REASON_UNSPECIFIED,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			reader := e.users.add("reader", false)
			tc.setup(e, reader)
			resp := e.page(t, reader, 0, "")
			if got := len(resp.GetItems()); got != tc.wantItems {
				t.Errorf("got %d items, want %d", got, tc.wantItems)
			}
			if got := resp.GetEmptyReason(); got != tc.want {
				t.Errorf("empty reason %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("empty page after the first", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		reader := e.users.add("reader", false)
		e.images.post(reader, at)
		token := encodePageToken(&imagev1.Image{CreateTime: e.images.images[e.expected(reader)[0]].GetCreateTime(), ImageId: e.expected(reader)[0]})
		resp := e.page(t, reader, 0, token)
		if len(resp.GetItems()) != 0 || resp.GetEmptyReason() != feedv1.EmptyReason_EMPTY_REASON_UNSPECIFIED {
			t.Errorf("got %d items, reason %v; want none, unspecified", len(resp.GetItems()), resp.GetEmptyReason())
		}
	})
}

func TestGetFeedItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
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
}

// TestGetFeedRoundTrips checks that a page costs a fixed number of calls
// whatever the size of the follow set: no call per followed account or per
// item.
func TestGetFeedRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		following                            int
		wantFollowingCalls, wantImageCalls   int
		wantBatchGetUsersCalls, wantPageSize int
	}{
		{following: 10, wantFollowingCalls: 1, wantImageCalls: 1, wantBatchGetUsersCalls: 1, wantPageSize: 20},
		{following: 5000, wantFollowingCalls: 1, wantImageCalls: 1, wantBatchGetUsersCalls: 1, wantPageSize: 20},
		// Beyond one call's limits: two pages of ids, two parallel image
		// calls whose pages are merged.
		{following: 12000, wantFollowingCalls: 2, wantImageCalls: 2, wantBatchGetUsersCalls: 1, wantPageSize: 20},
	}
	for _, tc := range tests {
		t.Run(itoa(tc.following), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			reader := e.users.add("reader", false)
			start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			var owners []string
			for i := range tc.following {
				owner := e.users.add("o"+itoa(i), false)
				e.users.follow(reader, owner)
				owners = append(owners, owner)
			}
			// Photos spread over the whole follow set, newest among the
			// last owners, so that merging the parts matters.
			for i := range 30 {
				e.images.post(owners[i*len(owners)/30], start.Add(time.Duration(i)*time.Second))
			}
			resp := e.page(t, reader, 0, "")
			if got := len(resp.GetItems()); got != tc.wantPageSize {
				t.Errorf("got %d items, want %d", got, tc.wantPageSize)
			}
			if got, want := itemIDs(resp), e.expected(owners...)[:tc.wantPageSize]; !slices.Equal(got, want) {
				t.Errorf("page %v, want %v", got, want)
			}
			calls := []struct {
				name      string
				got, want int
			}{
				{"ListFollowingIds", e.users.callCount("ListFollowingIds"), tc.wantFollowingCalls},
				{"ListOwnersImages", e.images.callCount(), tc.wantImageCalls},
				{"BatchGetUsers", e.users.callCount("BatchGetUsers"), tc.wantBatchGetUsersCalls},
			}
			for _, c := range calls {
				if c.got != c.want {
					t.Errorf("%s calls: got %d, want %d", c.name, c.got, c.want)
				}
			}
		})
	}
}

// TestGetFeedHTTP checks the codes a client of the gateway's GET /v1/feed
// sees, through grpc-gateway's default mapping.
func TestGetFeedHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
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

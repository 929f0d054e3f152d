package gateway_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

// exportToken is the session the export fakes accept.
const exportToken = "Bearer tok-export"

// exportPage is the page size of the export fakes, whatever is asked: the
// lists take several pages.
const exportPage = 2

var exportTime = time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)

// page returns items[from:from+exportPage] for token (from, or "" for 0)
// and the next page's token.
func page[T any](items []T, token string) ([]T, string, error) {
	from := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", status.Error(codes.InvalidArgument, "bad page token")
		}
		from = n
	}
	to := min(from+exportPage, len(items))
	next := ""
	if to < len(items) {
		next = strconv.Itoa(to)
	}
	return items[from:to], next, nil
}

// exportAuth refuses a call without exportToken.
func exportAuth(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) != 1 || v[0] != exportToken {
		return status.Error(codes.Unauthenticated, "invalid or expired session")
	}
	return nil
}

// exportUsers is the user service of the export's tests: "maria", with
// three followers and one account followed.
type exportUsers struct {
	userv1.UnimplementedUserServiceServer
}

var (
	exportFollowers = []*userv1.UserSummary{
		{Username: "ana", FullName: "Ana A"}, {Username: "bo", FullName: "Bo B"}, {Username: "cy", FullName: "Cy C"},
	}
	exportFollowing = []*userv1.UserSummary{{Username: "dee", FullName: "Dee D"}}
)

func (exportUsers) GetMe(ctx context.Context, _ *userv1.GetMeRequest) (*userv1.GetMeResponse, error) {
	if err := exportAuth(ctx); err != nil {
		return nil, err
	}
	return &userv1.GetMeResponse{User: &userv1.User{
		UserId: "u-maria", Username: "maria", Email: "maria@example.com", FullName: "Maria M", Bio: "hi",
		CreateTime: timestamppb.New(exportTime),
	}}, nil
}

func (exportUsers) ListFollowers(ctx context.Context, req *userv1.ListFollowersRequest) (*userv1.ListFollowersResponse, error) {
	if err := exportAuth(ctx); err != nil {
		return nil, err
	}
	if req.GetUsername() != "maria" {
		return nil, status.Error(codes.NotFound, "user not found")
	}
	users, next, err := page(exportFollowers, req.GetPageToken())
	return &userv1.ListFollowersResponse{Users: users, NextPageToken: next}, err
}

func (exportUsers) ListFollowing(ctx context.Context, req *userv1.ListFollowingRequest) (*userv1.ListFollowingResponse, error) {
	if err := exportAuth(ctx); err != nil {
		return nil, err
	}
	if req.GetUsername() != "maria" {
		return nil, status.Error(codes.NotFound, "user not found")
	}
	users, next, err := page(exportFollowing, req.GetPageToken())
	return &userv1.ListFollowingResponse{Users: users, NextPageToken: next}, err
}

// exportPhoto is a photo of the export's image service and its bytes.
type exportPhoto struct {
	img  *imagev1.Image
	data []byte
}

// exportImages is the image service of the export's tests.
type exportImages struct {
	imagev1.UnimplementedImageServiceServer

	mu     sync.Mutex
	photos []exportPhoto // newest first
	// afterFirstList changes the photos once, after the first full pass
	// over them.
	afterFirstList func([]exportPhoto) []exportPhoto
	// failContent makes GetImageContent fail after its first chunk.
	failContent bool
	// failComments makes ListMyComments fail.
	failComments bool
	// maxChunk is the largest chunk sent.
	maxChunk int
}

func (f *exportImages) ListUserImages(ctx context.Context, req *imagev1.ListUserImagesRequest) (*imagev1.ListUserImagesResponse, error) {
	if err := exportAuth(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	photos, next, err := page(f.photos, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	if next == "" && f.afterFirstList != nil {
		f.photos, f.afterFirstList = f.afterFirstList(f.photos), nil
	}
	resp := &imagev1.ListUserImagesResponse{NextPageToken: next}
	for _, p := range photos {
		resp.Images = append(resp.Images, p.img)
	}
	return resp, nil
}

func (f *exportImages) GetImageContent(req *imagev1.GetImageContentRequest, stream imagev1.ImageService_GetImageContentServer) error {
	if err := exportAuth(stream.Context()); err != nil {
		return err
	}
	if req.GetSize() != imagev1.ImageSize_IMAGE_SIZE_ORIGINAL {
		return status.Error(codes.InvalidArgument, "the export asks for originals")
	}
	f.mu.Lock()
	i := slices.IndexFunc(f.photos, func(p exportPhoto) bool { return p.img.GetImageId() == req.GetImageId() })
	fail := f.failContent
	f.mu.Unlock()
	if i < 0 {
		return status.Error(codes.NotFound, "image not found")
	}
	p := f.photos[i]
	return sendContent(p.data, `"etag"`, 0, 0, "", func(info *imagev1.ContentInfo, chunk []byte) error {
		if info != nil {
			info.ContentType = p.img.GetContentType()
			return stream.Send(&imagev1.GetImageContentResponse{Data: &imagev1.GetImageContentResponse_Info{Info: info}})
		}
		f.mu.Lock()
		f.maxChunk = max(f.maxChunk, len(chunk))
		f.mu.Unlock()
		if err := stream.Send(&imagev1.GetImageContentResponse{Data: &imagev1.GetImageContentResponse_Chunk{Chunk: chunk}}); err != nil {
			return err
		}
		if fail {
			return status.Error(codes.Unavailable, "bucket unreachable")
		}
		return nil
	})
}

var (
	exportComments = []*imagev1.Comment{
		{CommentId: "c3", ImageId: "p1", Text: "third", CreateTime: timestamppb.New(exportTime.Add(3 * time.Minute))},
		{CommentId: "c2", ImageId: "x9", Text: "second", CreateTime: timestamppb.New(exportTime.Add(2 * time.Minute))},
		{CommentId: "c1", ImageId: "p1", Text: "first", CreateTime: timestamppb.New(exportTime.Add(time.Minute))},
	}
	exportReactions = []*imagev1.Reaction{
		{ImageId: "x9", Kind: imagev1.ReactionKind_REACTION_KIND_DISLIKE, CreateTime: timestamppb.New(exportTime.Add(2 * time.Hour))},
		{ImageId: "p2", Kind: imagev1.ReactionKind_REACTION_KIND_LIKE, CreateTime: timestamppb.New(exportTime.Add(time.Hour))},
	}
)

func (f *exportImages) ListMyComments(ctx context.Context, req *imagev1.ListMyCommentsRequest) (*imagev1.ListMyCommentsResponse, error) {
	if err := exportAuth(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	fail := f.failComments
	f.mu.Unlock()
	if fail {
		return nil, status.Error(codes.Internal, "comments unreadable")
	}
	comments, next, err := page(exportComments, req.GetPageToken())
	return &imagev1.ListMyCommentsResponse{Comments: comments, NextPageToken: next}, err
}

func (f *exportImages) ListMyReactions(ctx context.Context, req *imagev1.ListMyReactionsRequest) (*imagev1.ListMyReactionsResponse, error) {
	if err := exportAuth(ctx); err != nil {
		return nil, err
	}
	reactions, next, err := page(exportReactions, req.GetPageToken())
	return &imagev1.ListMyReactionsResponse{Reactions: reactions, NextPageToken: next}, err
}

// newExportPhoto returns a photo of n bytes of type contentType, posted
// minutes after exportTime.
func newExportPhoto(id, contentType string, n, minutes int) exportPhoto {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7 + len(id))
	}
	return exportPhoto{
		img: &imagev1.Image{
			ImageId: id, OwnerUsername: "maria", Caption: "caption of " + id, ContentType: contentType,
			SizeBytes: int64(n), Width: 40, Height: 30,
			CreateTime: timestamppb.New(exportTime.Add(time.Duration(minutes) * time.Minute)),
			UpdateTime: timestamppb.New(exportTime.Add(time.Duration(minutes) * time.Minute)),
		},
		data: data,
	}
}

// exportEnv is a gateway in front of the export's fakes.
type exportEnv struct {
	url    string
	client *http.Client
	images *exportImages
	logs   *observer.ObservedLogs
}

func newExportEnv(t *testing.T, photos ...exportPhoto) *exportEnv {
	t.Helper()
	images := &exportImages{photos: photos}
	srv := grpc.NewServer()
	userv1.RegisterUserServiceServer(srv, exportUsers{})
	imagev1.RegisterImageServiceServer(srv, images)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn := dial(t, lis.Addr().String())
	core, logs := observer.New(zap.DebugLevel)
	gw, err := gateway.New(gateway.Config{}, gateway.Upstreams{Auth: conn, User: conn, Image: conn, Feed: conn}, zap.New(core), testStatic)
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	httpSrv := httptest.NewServer(gw)
	t.Cleanup(httpSrv.Close)
	return &exportEnv{url: httpSrv.URL, client: httpSrv.Client(), images: images, logs: logs}
}

// export downloads the export with the given Authorization header (none
// when empty) and returns the response and as much of its body as came,
// with the error that ended it.
func (e *exportEnv) export(t *testing.T, authorization string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+"/v1/me/export", nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/me/export: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// readZip opens body as a zip and returns its entries in order.
func readZip(t *testing.T, body []byte) []*zip.File {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the export is not a zip: %v", err)
	}
	return zr.File
}

func readEntry(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatalf("open %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", f.Name, err)
	}
	return b
}

// entryNames returns the names of files.
func entryNames(files []*zip.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Name
	}
	return out
}

// jsonEntry decodes the entry name of files into v.
func jsonEntry(t *testing.T, files []*zip.File, name string, v any) {
	t.Helper()
	i := slices.IndexFunc(files, func(f *zip.File) bool { return f.Name == name })
	if i < 0 {
		t.Fatalf("the export has no %s: %v", name, entryNames(files))
	}
	if err := json.Unmarshal(readEntry(t, files[i]), v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type (
	photoJSON struct {
		ImageID     string    `json:"imageId"`
		Caption     string    `json:"caption"`
		CreateTime  time.Time `json:"createTime"`
		ContentType string    `json:"contentType"`
		SizeBytes   int64     `json:"sizeBytes"`
		File        string    `json:"file"`
	}
	personJSON struct {
		Username string `json:"username"`
		FullName string `json:"fullName"`
	}
	commentJSON struct {
		CommentID  string    `json:"commentId"`
		ImageID    string    `json:"imageId"`
		Text       string    `json:"text"`
		CreateTime time.Time `json:"createTime"`
	}
	reactionJSON struct {
		ImageID    string    `json:"imageId"`
		Kind       string    `json:"kind"`
		CreateTime time.Time `json:"createTime"`
	}
)

func TestExportContents(t *testing.T) {
	t.Parallel()
	photos := []exportPhoto{
		newExportPhoto("p3", "image/jpeg", 300_000, 30),
		newExportPhoto("p2", "image/png", 70_000, 20),
		newExportPhoto("p1", "image/webp", 1, 10),
	}
	e := newExportEnv(t, photos...)
	resp, body, err := e.export(t, exportToken)
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for header, want := range map[string]string{
		"Content-Type":        "application/zip",
		"Content-Disposition": `attachment; filename="fotogal-maria.zip"`,
		"Cache-Control":       "no-store",
	} {
		if got := resp.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}

	files := readZip(t, body)
	wantNames := []string{
		"profile.json", "photos.json", "photos/p3.jpg", "photos/p2.png", "photos/p1.webp",
		"followers.json", "following.json", "comments.json", "reactions.json",
	}
	if got := entryNames(files); !slices.Equal(got, wantNames) {
		t.Fatalf("entries %v, want %v", got, wantNames)
	}
	for i, p := range photos {
		f := files[2+i]
		if got := readEntry(t, f); !bytes.Equal(got, p.data) {
			t.Errorf("%s: %d bytes unlike the original's %d", f.Name, len(got), len(p.data))
		}
		if f.Method != zip.Store {
			t.Errorf("%s is compressed (method %d), want stored", f.Name, f.Method)
		}
		if !f.Modified.Equal(p.img.GetCreateTime().AsTime()) {
			t.Errorf("%s dated %v, want the photo's %v", f.Name, f.Modified, p.img.GetCreateTime().AsTime())
		}
	}
	if e.images.maxChunk > 32<<10 {
		t.Errorf("chunks of up to %d bytes, want at most 32 KiB", e.images.maxChunk)
	}

	var profile struct {
		UserID, Username, Email, FullName, Bio string
		CreateTime                             time.Time
	}
	jsonEntry(t, files, "profile.json", &profile)
	if profile.UserID != "u-maria" || profile.Username != "maria" || profile.Email != "maria@example.com" ||
		profile.FullName != "Maria M" || profile.Bio != "hi" || !profile.CreateTime.Equal(exportTime) {
		t.Errorf("profile.json = %+v", profile)
	}
	var gotPhotos []photoJSON
	jsonEntry(t, files, "photos.json", &gotPhotos)
	var wantPhotos []photoJSON
	for i, p := range photos {
		wantPhotos = append(wantPhotos, photoJSON{
			ImageID: p.img.GetImageId(), Caption: p.img.GetCaption(), CreateTime: p.img.GetCreateTime().AsTime(),
			ContentType: p.img.GetContentType(), SizeBytes: int64(len(p.data)), File: wantNames[2+i],
		})
	}
	if !slices.Equal(gotPhotos, wantPhotos) {
		t.Errorf("photos.json = %+v, want %+v", gotPhotos, wantPhotos)
	}
	people := func(users []*userv1.UserSummary) []personJSON {
		out := []personJSON{}
		for _, u := range users {
			out = append(out, personJSON{u.GetUsername(), u.GetFullName()})
		}
		return out
	}
	for name, want := range map[string][]personJSON{"followers.json": people(exportFollowers), "following.json": people(exportFollowing)} {
		var got []personJSON
		jsonEntry(t, files, name, &got)
		if !slices.Equal(got, want) {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
	var gotComments []commentJSON
	jsonEntry(t, files, "comments.json", &gotComments)
	var wantComments []commentJSON
	for _, c := range exportComments {
		wantComments = append(wantComments, commentJSON{c.GetCommentId(), c.GetImageId(), c.GetText(), c.GetCreateTime().AsTime()})
	}
	if !slices.Equal(gotComments, wantComments) {
		t.Errorf("comments.json = %+v, want %+v", gotComments, wantComments)
	}
	var gotReactions []reactionJSON
	jsonEntry(t, files, "reactions.json", &gotReactions)
	wantReactions := []reactionJSON{
		{"x9", "dislike", exportReactions[0].GetCreateTime().AsTime()},
		{"p2", "like", exportReactions[1].GetCreateTime().AsTime()},
	}
	if !slices.Equal(gotReactions, wantReactions) {
		t.Errorf("reactions.json = %+v, want %+v", gotReactions, wantReactions)
	}
}

func TestExportOfNothing(t *testing.T) {
	t.Parallel()
	e := newExportEnv(t)
	_, body, err := e.export(t, exportToken)
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	files := readZip(t, body)
	var photos []photoJSON
	jsonEntry(t, files, "photos.json", &photos)
	if photos == nil || len(photos) != 0 {
		t.Errorf("photos.json of an account without photos = %v, want []", photos)
	}
	want := []string{"profile.json", "photos.json", "followers.json", "following.json", "comments.json", "reactions.json"}
	if got := entryNames(files); !slices.Equal(got, want) {
		t.Errorf("entries %v, want the JSON files %v", got, want)
	}
}

// TestExportWhilePhotosChange checks that the files are the photos
// photos.json lists: one posted after the list is left out, one deleted
// after it has no file, and the export still ends well.
func TestExportWhilePhotosChange(t *testing.T) {
	t.Parallel()
	e := newExportEnv(t, newExportPhoto("p3", "image/png", 10, 30), newExportPhoto("p2", "image/png", 10, 20), newExportPhoto("p1", "image/png", 10, 10))
	e.images.afterFirstList = func(photos []exportPhoto) []exportPhoto {
		posted := newExportPhoto("p4", "image/png", 10, 40)
		return []exportPhoto{posted, photos[0], photos[2]} // p2 deleted
	}
	_, body, err := e.export(t, exportToken)
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	files := readZip(t, body)
	var photos []photoJSON
	jsonEntry(t, files, "photos.json", &photos)
	var listed []string
	for _, p := range photos {
		listed = append(listed, p.ImageID)
	}
	if want := []string{"p3", "p2", "p1"}; !slices.Equal(listed, want) {
		t.Errorf("photos.json lists %v, want %v", listed, want)
	}
	names := entryNames(files)
	if !slices.Contains(names, "photos/p3.png") || !slices.Contains(names, "photos/p1.png") ||
		slices.Contains(names, "photos/p2.png") || slices.Contains(names, "photos/p4.png") {
		t.Errorf("entries %v, want the files of p3 and p1 only", names)
	}
}

func TestExportNeedsASession(t *testing.T) {
	t.Parallel()
	e := newExportEnv(t, newExportPhoto("p1", "image/png", 10, 10))
	for _, auth := range []string{"", "Bearer expired"} {
		resp, body, err := e.export(t, auth)
		if err != nil {
			t.Fatalf("read the answer: %v", err)
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, resp.StatusCode)
		}
		if st := decodeStatus(t, resp, body); st.Code != int(codes.Unauthenticated) {
			t.Errorf("Authorization %q: %+v, want Unauthenticated", auth, st)
		}
	}
}

// TestExportCutOnFailure checks that a failure once the zip has started
// cuts the download instead of ending a zip that looks whole.
func TestExportCutOnFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func(*exportImages)
	}{
		{"photo bytes", func(f *exportImages) { f.failContent = true }},
		{"comments", func(f *exportImages) { f.failComments = true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newExportEnv(t, newExportPhoto("p1", "image/png", 100_000, 10))
			tc.fail(e.images)
			resp, body, err := e.export(t, exportToken)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (the failure comes after the start)", resp.StatusCode)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("reading the cut export: %v, want an unexpected EOF", err)
			}
			if _, zerr := zip.NewReader(bytes.NewReader(body), int64(len(body))); zerr == nil {
				t.Errorf("the %d bytes received read as a whole zip", len(body))
			}
			if n := e.logs.FilterMessage("export cut").Len(); n != 1 {
				t.Errorf("%d log lines of the cut, want 1", n)
			}
		})
	}
}

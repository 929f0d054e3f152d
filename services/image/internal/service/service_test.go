package service_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/webp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/testimages"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

func decodeConfig(t *testing.T, contentType string, data []byte) image.Config {
	t.Helper()
	decoders := map[string]func([]byte) (image.Config, error){
		"image/png":  func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
		"image/jpeg": func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) },
		"image/gif":  func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) },
		"image/webp": func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) },
	}
	decode, ok := decoders[contentType]
	if !ok {
		t.Fatalf("served content type %q", contentType)
	}
	cfg, err := decode(data)
	if err != nil {
		t.Fatalf("decode served %s: %v", contentType, err)
	}
	return cfg
}

var sizes = map[string]imagev1.ImageSize{
	"thumb":    imagev1.ImageSize_IMAGE_SIZE_THUMB,
	"display":  imagev1.ImageSize_IMAGE_SIZE_DISPLAY,
	"original": imagev1.ImageSize_IMAGE_SIZE_ORIGINAL,
}

func TestUploadAndDownload(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		data     []byte
		metaLast bool
		// The original as served: type and oriented size.
		wantType                   string
		wantW, wantH               int
		wantDisplayType            string
		wantDisplayW, wantDisplayH int
	}{
		{"png", testimages.PNG(1500, 1000), false, "image/png", 1500, 1000, "image/png", 1080, 720},
		// Stored 1600×800 with orientation 6: seen 800×1600.
		{"jpeg turned, with gps", testimages.JPEG(1600, 800, 6), false, "image/jpeg", 800, 1600, "image/jpeg", 540, 1080},
		{"jpeg, metadata last", testimages.JPEG(640, 480, 1), true, "image/jpeg", 640, 480, "image/jpeg", 640, 480},
		{"gif", testimages.GIF(300, 200), false, "image/gif", 300, 200, "image/png", 300, 200},
		{"webp", testimages.WebP, false, "image/webp", 2, 1, "image/jpeg", 2, 1},
		{"webp with exif, turned", testimages.WebPWithExif(6), false, "image/jpeg", 1, 2, "image/jpeg", 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := e.upload("alice", tc.data, uploadOptions{caption: "at the tower", filename: `C:\photos\IMG_1.JPG`, metadataLast: tc.metaLast})
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
			if img.GetCaption() != "at the tower" || img.GetOwnerUsername() != "alice" || img.GetOwnerId() != "id-alice" ||
				img.GetContentType() != tc.wantType || int(img.GetWidth()) != tc.wantW || int(img.GetHeight()) != tc.wantH ||
				int(img.GetDisplayWidth()) != tc.wantDisplayW || int(img.GetDisplayHeight()) != tc.wantDisplayH {
				t.Errorf("uploaded %v", img)
			}
			if want := "/v1/images/" + img.GetImageId() + "/content?size=thumb"; img.GetThumbUrl() != want {
				t.Errorf("thumb url %q, want %q", img.GetThumbUrl(), want)
			}
			for name, size := range sizes {
				info, data, err := e.content("carol", &imagev1.GetImageContentRequest{ImageId: img.GetImageId(), Size: size})
				if err != nil {
					t.Fatalf("download %s: %v", name, err)
				}
				if info.GetTotalSize() != int64(len(data)) || info.GetLength() != int64(len(data)) || !strings.HasPrefix(info.GetEtag(), `"`) {
					t.Errorf("%s: info %v for %d bytes", name, info, len(data))
				}
				cfg := decodeConfig(t, info.GetContentType(), data)
				want := map[string][2]int{"thumb": {320, 320}, "display": {tc.wantDisplayW, tc.wantDisplayH}, "original": {tc.wantW, tc.wantH}}[name]
				if cfg.Width != want[0] || cfg.Height != want[1] {
					t.Errorf("%s is %dx%d, want %dx%d", name, cfg.Width, cfg.Height, want[0], want[1])
				}
				for _, secret := range []string{testimages.GPSMarker, testimages.CommentMarker, "Exif", "xmpmeta"} {
					if bytes.Contains(data, []byte(secret)) {
						t.Errorf("%s contains %q", name, secret)
					}
				}
				if info.GetContentType() == "image/jpeg" {
					for _, m := range testimages.JPEGSegments(data) {
						if (m >= 0xe1 && m <= 0xef) || m == 0xfe {
							t.Errorf("%s has JPEG segment 0x%02x", name, m)
						}
					}
				}
			}
		})
	}
	t.Run("the turned jpeg shows its left half on top", func(t *testing.T) {
		img := mustUpload(t, e, "alice", testimages.JPEG(400, 200, 6), "")
		_, data, err := e.content("alice", &imagev1.GetImageContentRequest{ImageId: img.GetImageId(), Size: imagev1.ImageSize_IMAGE_SIZE_ORIGINAL})
		if err != nil {
			t.Fatal(err)
		}
		m, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		r, _, b, _ := m.At(100, 10).RGBA()
		r2, _, b2, _ := m.At(100, 390).RGBA()
		if m.Bounds().Dx() != 200 || r < 0xc000 || b > 0x4000 || b2 < 0xc000 || r2 > 0x4000 {
			t.Errorf("served %v: top pixel r=%x b=%x, bottom r=%x b=%x; want red on top, blue below", m.Bounds(), r, b, r2, b2)
		}
	})
}

func TestContentRangesAndETags(t *testing.T) {
	e := newEnv(t)
	img := mustUpload(t, e, "alice", testimages.PNG(600, 400), "")
	id := img.GetImageId()
	info, whole, err := e.content("alice", &imagev1.GetImageContentRequest{ImageId: id, Size: imagev1.ImageSize_IMAGE_SIZE_ORIGINAL})
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(whole))
	tests := []struct {
		name           string
		offset, length int64
		ifNoneMatch    string
		want           []byte
		wantOffset     int64
		notModified    bool
		code           codes.Code
	}{
		{name: "middle", offset: 10, length: 100, want: whole[10:110], wantOffset: 10},
		{name: "tail", offset: size - 7, want: whole[size-7:], wantOffset: size - 7},
		{name: "last byte", offset: size - 1, length: 1, want: whole[size-1:], wantOffset: size - 1},
		{name: "length past the end is cut at the end", offset: 1, length: size, want: whole[1:], wantOffset: 1},
		{name: "the last 7 bytes", offset: -7, want: whole[size-7:], wantOffset: size - 7},
		{name: "more last bytes than there are", offset: -(size + 10), want: whole},
		{name: "matching etag", ifNoneMatch: info.GetEtag(), notModified: true},
		{name: "weak matching etag in a list", ifNoneMatch: `"other", W/` + info.GetEtag(), notModified: true},
		{name: "other etag", ifNoneMatch: `"other"`, want: whole},
		{name: "offset at the end", offset: size, code: codes.OutOfRange},
		{name: "negative length", offset: 1, length: -1, code: codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, data, err := e.content("alice", &imagev1.GetImageContentRequest{
				ImageId: id, Size: imagev1.ImageSize_IMAGE_SIZE_ORIGINAL, Offset: tc.offset, Length: tc.length, IfNoneMatch: tc.ifNoneMatch,
			})
			if status.Code(err) != tc.code {
				t.Fatalf("code %v (%v), want %v", status.Code(err), err, tc.code)
			}
			if tc.code != codes.OK {
				return
			}
			if got.GetNotModified() != tc.notModified || !bytes.Equal(data, tc.want) || got.GetTotalSize() != size || got.GetEtag() != info.GetEtag() {
				t.Errorf("info %v with %d bytes; want not_modified=%v and %d bytes", got, len(data), tc.notModified, len(tc.want))
			}
			if !tc.notModified && (got.GetOffset() != tc.wantOffset || got.GetLength() != int64(len(tc.want))) {
				t.Errorf("offset %d length %d, want %d %d", got.GetOffset(), got.GetLength(), tc.wantOffset, len(tc.want))
			}
		})
	}
}

func TestAccessMatrix(t *testing.T) {
	e := newEnv(t)
	photos := map[string]string{} // owner → photo id
	for _, owner := range []string{"alice", "bob"} {
		photos[owner] = mustUpload(t, e, owner, testimages.PNG(40, 30), "photo of "+owner).GetImageId()
	}
	type access struct{ content, metadata, list codes.Code }
	allowed := access{codes.OK, codes.OK, codes.OK}
	hidden := access{codes.NotFound, codes.NotFound, codes.PermissionDenied}
	tests := []struct {
		viewer, owner string
		want          access
	}{
		{"alice", "alice", allowed}, // owner, public
		{"carol", "alice", allowed}, // approved follower, public
		{"dave", "alice", allowed},  // pending requester, public
		{"erin", "alice", allowed},  // stranger, public
		{"bob", "bob", allowed},     // owner, private
		{"carol", "bob", allowed},   // approved follower, private
		{"dave", "bob", hidden},     // pending requester, private
		{"erin", "bob", hidden},     // stranger, private
	}
	for _, tc := range tests {
		t.Run(tc.viewer+" sees "+tc.owner, func(t *testing.T) {
			_, _, err := e.content(tc.viewer, &imagev1.GetImageContentRequest{ImageId: photos[tc.owner], Size: imagev1.ImageSize_IMAGE_SIZE_THUMB})
			if got := status.Code(err); got != tc.want.content {
				t.Errorf("content: %v (%v), want %v", got, err, tc.want.content)
			}
			_, err = e.client.GetImage(as(tc.viewer), &imagev1.GetImageRequest{ImageId: photos[tc.owner]})
			if got := status.Code(err); got != tc.want.metadata {
				t.Errorf("metadata: %v (%v), want %v", got, err, tc.want.metadata)
			}
			list, err := e.client.ListUserImages(as(tc.viewer), &imagev1.ListUserImagesRequest{Username: tc.owner})
			if got := status.Code(err); got != tc.want.list {
				t.Errorf("list: %v (%v), want %v", got, err, tc.want.list)
			}
			if err == nil && (len(list.GetImages()) != 1 || list.GetImages()[0].GetImageId() != photos[tc.owner]) {
				t.Errorf("list: %v, want the one photo", list.GetImages())
			}
		})
	}
	t.Run("a hidden photo answers as a missing one", func(t *testing.T) {
		_, hiddenErr := e.client.GetImage(as("erin"), &imagev1.GetImageRequest{ImageId: photos["bob"]})
		_, missingErr := e.client.GetImage(as("erin"), &imagev1.GetImageRequest{ImageId: "nosuchimage"})
		if hiddenErr.Error() != missingErr.Error() {
			t.Errorf("hidden: %v; missing: %v", hiddenErr, missingErr)
		}
	})
	t.Run("unknown username", func(t *testing.T) {
		_, err := e.client.ListUserImages(as("alice"), &imagev1.ListUserImagesRequest{Username: "nobody"})
		if status.Code(err) != codes.NotFound {
			t.Errorf("ListUserImages(nobody): %v, want NotFound", err)
		}
	})
}

func TestNeedsASession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.client.GetImage(ctx, &imagev1.GetImageRequest{ImageId: "x"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("GetImage without a token: %v, want Unauthenticated", err)
	}
	stream, err := e.client.GetImageContent(ctx, &imagev1.GetImageContentRequest{ImageId: "x"})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("GetImageContent without a token: %v, want Unauthenticated", err)
	}
	_, err = e.upload("mallory", testimages.PNG(10, 10), uploadOptions{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("upload with a bad token: %v, want Unauthenticated", err)
	}
	_, err = e.internal.CountImages(as("alice"), &imagev1.CountImagesRequest{OwnerIds: []string{"id-alice"}})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("internal call with a session but no credential: %v, want Unauthenticated", err)
	}
}

func TestBadUploadsLeaveNothing(t *testing.T) {
	e := newEnv(t)
	jpegData := testimages.JPEG(800, 600, 1)
	tooLarge := append(testimages.PNG(100, 100), make([]byte, 16<<20)...)
	tooLarge = tooLarge[:16<<20+1]
	tests := []struct {
		name      string
		data      []byte
		opts      uploadOptions
		code      codes.Code
		inMessage string
	}{
		{"16 MiB and a byte", tooLarge, uploadOptions{}, codes.ResourceExhausted, "file too large: at most 16 MiB"},
		{"text renamed as a photo", []byte("just some text, not a photo\n"), uploadOptions{filename: "photo.jpg"}, codes.InvalidArgument, "file: "},
		{"truncated jpeg", jpegData[:len(jpegData)/2], uploadOptions{}, codes.InvalidArgument, "file: "},
		{"zero bytes", nil, uploadOptions{}, codes.InvalidArgument, "file: "},
		{"png claiming 30000×30000", testimages.HugePNG(30000, 30000), uploadOptions{}, codes.InvalidArgument, "file: "},
		{"caption over 2,200 characters", testimages.PNG(10, 10), uploadOptions{caption: strings.Repeat("é", 2201)}, codes.InvalidArgument, "caption: "},
		{"caption over 2,200 characters, last", testimages.PNG(10, 10), uploadOptions{caption: strings.Repeat("x", 2201), metadataLast: true}, codes.InvalidArgument, "caption: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.upload("alice", tc.data, tc.opts)
			if status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.inMessage) {
				t.Errorf("upload: %v; want %v with %q", err, tc.code, tc.inMessage)
			}
			if rows, _, objects, spooled := e.counts(t); rows+objects+spooled != 0 {
				t.Errorf("left %d rows, %d objects, %d spooled files", rows, objects, spooled)
			}
		})
	}
	t.Run("a caption of exactly 2,200 characters", func(t *testing.T) {
		if _, err := e.upload("alice", testimages.PNG(10, 10), uploadOptions{caption: strings.Repeat("é", 2200)}); err != nil {
			t.Errorf("upload: %v", err)
		}
	})
}

func TestOnlyTheOwnerChanges(t *testing.T) {
	e := newEnv(t)
	public := mustUpload(t, e, "alice", testimages.PNG(40, 30), "mine")
	private := mustUpload(t, e, "bob", testimages.PNG(40, 30), "mine")
	tests := []struct {
		who, photo string
		want       codes.Code
	}{
		{"carol", public.GetImageId(), codes.PermissionDenied}, // may see it
		{"erin", public.GetImageId(), codes.PermissionDenied},  // may see it
		{"carol", private.GetImageId(), codes.PermissionDenied},
		{"erin", private.GetImageId(), codes.NotFound}, // may not see it
	}
	for _, tc := range tests {
		t.Run(tc.who, func(t *testing.T) {
			_, err := e.client.UpdateImage(as(tc.who), &imagev1.UpdateImageRequest{ImageId: tc.photo, Caption: "theirs"})
			if status.Code(err) != tc.want {
				t.Errorf("UpdateImage: %v, want %v", err, tc.want)
			}
			_, err = e.client.DeleteImage(as(tc.who), &imagev1.DeleteImageRequest{ImageId: tc.photo})
			if status.Code(err) != tc.want {
				t.Errorf("DeleteImage: %v, want %v", err, tc.want)
			}
		})
	}
	if rows, _, objects, _ := e.counts(t); rows != 2 || objects != 6 {
		t.Fatalf("after refused changes: %d rows, %d objects; want 2 and 6", rows, objects)
	}

	updated, err := e.client.UpdateImage(as("alice"), &imagev1.UpdateImageRequest{ImageId: public.GetImageId(), Caption: "edited"})
	if err != nil || updated.GetImage().GetCaption() != "edited" || !updated.GetImage().GetUpdateTime().AsTime().After(public.GetCreateTime().AsTime()) {
		t.Errorf("owner's UpdateImage: %v, %v", updated, err)
	}
	_, err = e.client.UpdateImage(as("alice"), &imagev1.UpdateImageRequest{ImageId: public.GetImageId(), Caption: strings.Repeat("x", 2201)})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("UpdateImage with a long caption: %v, want InvalidArgument", err)
	}
	if _, err := e.client.LikeImage(as("carol"), &imagev1.LikeImageRequest{ImageId: public.GetImageId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteImage(as("alice"), &imagev1.DeleteImageRequest{ImageId: public.GetImageId()}); err != nil {
		t.Fatalf("owner's DeleteImage: %v", err)
	}
	if rows, reactions, objects, _ := e.counts(t); rows != 1 || reactions != 0 || objects != 3 {
		t.Errorf("after delete: %d rows, %d reactions, %d objects; want 1, 0, 3", rows, reactions, objects)
	}
	_, err = e.client.GetImage(as("alice"), &imagev1.GetImageRequest{ImageId: public.GetImageId()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetImage after delete: %v, want NotFound", err)
	}
}

func TestReactions(t *testing.T) {
	e := newEnv(t)
	img := mustUpload(t, e, "alice", testimages.PNG(40, 30), "")
	id := img.GetImageId()

	const people = 50
	crowd := []string{"alice", "bob", "carol", "dave", "erin"}
	for i := len(crowd); i < people; i++ {
		crowd = append(crowd, fmt.Sprintf("person%02d", i))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, p := range crowd {
		wg.Go(func() {
			<-start
			for range 2 { // Idempotent.
				if _, err := e.client.LikeImage(as(p), &imagev1.LikeImageRequest{ImageId: id}); err != nil {
					t.Errorf("LikeImage as %s: %v", p, err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	got, err := e.client.GetImage(as("carol"), &imagev1.GetImageRequest{ImageId: id})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetImage().GetLikeCount() != people || !got.GetImage().GetLikedByMe() {
		t.Fatalf("after %d likes: %v", people, got.GetImage())
	}

	steps := []struct {
		name                    string
		call                    func() (*imagev1.Image, error)
		likes, dislikes         int64
		likedByMe, dislikedByMe bool
	}{
		{"carol dislikes", func() (*imagev1.Image, error) {
			r, err := e.client.DislikeImage(as("carol"), &imagev1.DislikeImageRequest{ImageId: id})
			return r.GetImage(), err
		}, people - 1, 1, false, true},
		{"carol unlikes (nothing to undo)", func() (*imagev1.Image, error) {
			r, err := e.client.UnlikeImage(as("carol"), &imagev1.UnlikeImageRequest{ImageId: id})
			return r.GetImage(), err
		}, people - 1, 1, false, true},
		{"carol undislikes", func() (*imagev1.Image, error) {
			r, err := e.client.UndislikeImage(as("carol"), &imagev1.UndislikeImageRequest{ImageId: id})
			return r.GetImage(), err
		}, people - 1, 0, false, false},
		{"carol likes again", func() (*imagev1.Image, error) {
			r, err := e.client.LikeImage(as("carol"), &imagev1.LikeImageRequest{ImageId: id})
			return r.GetImage(), err
		}, people, 0, true, false},
	}
	for _, step := range steps {
		img, err := step.call()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if img.GetLikeCount() != step.likes || img.GetDislikeCount() != step.dislikes || img.GetLikedByMe() != step.likedByMe || img.GetDislikedByMe() != step.dislikedByMe {
			t.Errorf("%s: %v", step.name, img)
		}
	}

	private := mustUpload(t, e, "bob", testimages.PNG(40, 30), "")
	_, err = e.client.LikeImage(as("erin"), &imagev1.LikeImageRequest{ImageId: private.GetImageId()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("a stranger likes a private photo: %v, want NotFound", err)
	}
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 5 {
		want = append(want, mustUpload(t, e, "alice", testimages.PNG(20, 20), fmt.Sprint("photo ", i)).GetImageId())
	}
	if _, err := e.setAvatar("alice", testimages.PNG(50, 50)); err != nil {
		t.Fatalf("setAvatar: %v", err)
	}
	slices.Reverse(want)
	var got []string
	token := ""
	for range 10 {
		resp, err := e.client.ListUserImages(as("bob"), &imagev1.ListUserImagesRequest{Username: "ALICE", PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatalf("ListUserImages: %v", err)
		}
		for _, img := range resp.GetImages() {
			got = append(got, img.GetImageId())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v (newest first, no avatar)", got, want)
	}
	for _, bad := range []string{"garbage!", "bm90LWEtY3Vyc29y"} {
		_, err := e.client.ListUserImages(as("bob"), &imagev1.ListUserImagesRequest{Username: "alice", PageToken: bad})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "page_token: invalid") {
			t.Errorf("page token %q: %v, want InvalidArgument page_token: invalid", bad, err)
		}
	}
}

func TestAvatars(t *testing.T) {
	e := newEnv(t)
	url, err := e.setAvatar("alice", testimages.JPEG(900, 600, 6))
	if err != nil || url != "/v1/users/alice/avatar" {
		t.Fatalf("SetAvatar: %q, %v", url, err)
	}
	first, firstData, err := e.avatar("erin", "alice", "")
	if err != nil {
		t.Fatalf("GetAvatar: %v", err)
	}
	if cfg := decodeConfig(t, first.GetContentType(), firstData); cfg.Width != 320 || cfg.Height != 320 {
		t.Errorf("avatar %dx%d, want 320x320", cfg.Width, cfg.Height)
	}
	if bytes.Contains(firstData, []byte(testimages.GPSMarker)) {
		t.Error("the avatar carries the GPS block")
	}
	info, data, err := e.avatar("erin", "alice", first.GetEtag())
	if err != nil || !info.GetNotModified() || len(data) != 0 {
		t.Errorf("GetAvatar with a matching etag: %v, %d bytes, %v", info, len(data), err)
	}

	if _, err := e.setAvatar("alice", testimages.PNG(100, 100)); err != nil {
		t.Fatalf("second SetAvatar: %v", err)
	}
	second, _, err := e.avatar("bob", "alice", "")
	if err != nil || second.GetEtag() == first.GetEtag() || second.GetContentType() != "image/png" {
		t.Errorf("after replacing: %v, %v", second, err)
	}
	if rows, _, objects, _ := e.counts(t); rows != 1 || objects != 3 {
		t.Errorf("after replacing: %d rows, %d objects; want the new avatar's 1 and 3", rows, objects)
	}

	for _, tc := range []struct{ username, why string }{{"bob", "no avatar"}, {"nobody", "no such person"}} {
		if _, _, err := e.avatar("alice", tc.username, ""); status.Code(err) != codes.NotFound {
			t.Errorf("GetAvatar(%s), %s: %v, want NotFound", tc.username, tc.why, err)
		}
	}

	e.users.failSetAvatar = true
	if _, err := e.setAvatar("bob", testimages.PNG(100, 100)); status.Code(err) != codes.Unavailable {
		t.Errorf("SetAvatar with the user service down: %v, want Unavailable", err)
	}
	if rows, _, objects, _ := e.counts(t); rows != 1 || objects != 3 {
		t.Errorf("after a failed SetAvatar: %d rows, %d objects; want 1 and 3", rows, objects)
	}
}

func TestInternal(t *testing.T) {
	e := newEnv(t)
	var alice, bob []*imagev1.Image
	for range 3 {
		alice = append(alice, mustUpload(t, e, "alice", testimages.PNG(20, 20), ""))
		bob = append(bob, mustUpload(t, e, "bob", testimages.PNG(20, 20), ""))
	}
	if _, err := e.setAvatar("alice", testimages.PNG(20, 20)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.LikeImage(as("carol"), &imagev1.LikeImageRequest{ImageId: bob[2].GetImageId()}); err != nil {
		t.Fatal(err)
	}
	ctx := asService()

	e.users.mu.Lock()
	e.users.batchCalls = 0
	e.users.mu.Unlock()
	first, err := e.internal.ListOwnersImages(ctx, &imagev1.ListOwnersImagesRequest{OwnerIds: []string{"id-alice", "id-bob", "id-erin"}, PageSize: 4, ViewerId: "id-carol"})
	if err != nil {
		t.Fatalf("ListOwnersImages: %v", err)
	}
	if e.users.batchCalls != 1 {
		t.Errorf("%d user service calls for a page, want 1", e.users.batchCalls)
	}
	last := first.GetImages()[len(first.GetImages())-1]
	rest, err := e.internal.ListOwnersImages(ctx, &imagev1.ListOwnersImagesRequest{
		OwnerIds: []string{"id-alice", "id-bob"}, PageSize: 100, ViewerId: "id-carol",
		Before: &imagev1.ImageCursor{CreateTime: last.GetCreateTime(), ImageId: last.GetImageId()},
	})
	if err != nil {
		t.Fatalf("ListOwnersImages: %v", err)
	}
	var got []string
	for _, img := range append(first.GetImages(), rest.GetImages()...) {
		got = append(got, img.GetImageId())
		if img.GetImageId() == bob[2].GetImageId() && (!img.GetLikedByMe() || img.GetLikeCount() != 1 || img.GetOwnerUsername() != "bob") {
			t.Errorf("bob's liked photo: %v", img)
		}
	}
	want := []string{bob[2].GetImageId(), alice[2].GetImageId(), bob[1].GetImageId(), alice[1].GetImageId(), bob[0].GetImageId(), alice[0].GetImageId()}
	if !slices.Equal(got, want) {
		t.Errorf("merged %v, want %v", got, want)
	}

	batch, err := e.internal.BatchGetImages(ctx, &imagev1.BatchGetImagesRequest{ImageIds: []string{alice[0].GetImageId(), "missing", bob[2].GetImageId()}, ViewerId: "id-carol"})
	if err != nil || len(batch.GetImages()) != 2 {
		t.Errorf("BatchGetImages: %v, %v", batch, err)
	}
	counts, err := e.internal.CountImages(ctx, &imagev1.CountImagesRequest{OwnerIds: []string{"id-alice", "id-bob", "id-erin"}})
	if err != nil {
		t.Fatalf("CountImages: %v", err)
	}
	if want := map[string]int64{"id-alice": 3, "id-bob": 3, "id-erin": 0}; fmt.Sprint(counts.GetCounts()) != fmt.Sprint(want) {
		t.Errorf("CountImages = %v, want %v", counts.GetCounts(), want)
	}
	_, err = e.internal.ListOwnersImages(ctx, &imagev1.ListOwnersImagesRequest{OwnerIds: make([]string, 10001)})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("10,001 owners: %v, want InvalidArgument", err)
	}
}

// failingStore fails to create rows, as after a crash of the database.
type failingStore struct {
	store.Store
}

func (failingStore) CreateImage(context.Context, store.Image) error {
	return errors.New("disk full")
}

func TestFailedRowRemovesObjects(t *testing.T) {
	e := newEnv(t, withStore(func(s store.Store) store.Store { return failingStore{s} }))
	_, err := e.upload("alice", testimages.JPEG(300, 200, 6), uploadOptions{})
	if status.Code(err) != codes.Internal || strings.Contains(err.Error(), "disk full") {
		t.Errorf("upload: %v, want Internal without the cause", err)
	}
	if rows, _, objects, spooled := e.counts(t); rows+objects+spooled != 0 {
		t.Errorf("left %d rows, %d objects, %d spooled files", rows, objects, spooled)
	}
}

func TestSweeper(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	kept := mustUpload(t, e, "alice", testimages.PNG(20, 20), "")
	orphans := []string{"img/orphanid/original.png", "img/orphanid/thumb.png", "img/" + kept.GetImageId() + "/extra.png"}
	// Objects outside the service's naming scheme are not the sweeper's.
	for _, name := range append(orphans, "seed/shared.png") {
		if _, err := e.bucket.Put(ctx, name, strings.NewReader("orphan")); err != nil {
			t.Fatal(err)
		}
	}
	// Within the grace period nothing goes.
	if n, err := e.srv.Sweep(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("Sweep of young objects deleted %d, %v; want 0", n, err)
	}
	// Later, the orphans go and the named objects stay.
	n, err := e.srv.Sweep(ctx, time.Now().Add(time.Hour))
	if err != nil || n != len(orphans) {
		t.Errorf("Sweep deleted %d, %v; want %d", n, err, len(orphans))
	}
	if rows, _, objects, _ := e.counts(t); rows != 1 || objects != 4 {
		t.Errorf("after sweeping: %d rows, %d objects; want 1 and 4 (3 named, 1 not ours)", rows, objects)
	}
	if _, _, err := e.content("alice", &imagev1.GetImageContentRequest{ImageId: kept.GetImageId(), Size: imagev1.ImageSize_IMAGE_SIZE_ORIGINAL}); err != nil {
		t.Errorf("the kept photo: %v", err)
	}
}

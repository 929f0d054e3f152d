package gateway

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/logging"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

// exportPattern is the route of the caller's data export.
const exportPattern = "/v1/me/export"

// exportPageSize is the page size of every list the export reads: the
// most the services give.
const exportPageSize = 100

// photoExts are the file name extensions of the photo types FotoGal
// stores. They are compressed already: their zip entries are stored as
// they are.
var photoExts = map[string]string{
	"image/jpeg": "jpg",
	"image/png":  "png",
	"image/webp": "webp",
	"image/gif":  "gif",
}

// registerExport adds GET /v1/me/export to the mux; users is the user
// service, the image service is the gateway's own client.
func (g *Gateway) registerExport(users userv1.UserServiceClient) error {
	return g.mux.HandlePath(http.MethodGet, exportPattern, g.serveExport(users))
}

// serveExport streams the caller's data as a zip, entry after entry,
// straight onto the response: profile.json, photos.json, each photo's
// original under photos/, followers.json, following.json, comments.json
// and reactions.json. Every list is read a page at a time and every photo
// a chunk at a time, so that the gateway holds a page or a chunk, never
// the export. An error before the response starts (no session, say) is
// the usual JSON error; one after it cuts the connection, so that the
// client sees a broken download rather than a zip that looks whole.
func (g *Gateway) serveExport(users userv1.UserServiceClient) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		// The metadata of the first call serves every call of the export.
		ctx, err := runtime.AnnotateContext(r.Context(), g.mux, r, userv1.UserService_GetMe_FullMethodName, runtime.WithHTTPPathPattern(exportPattern))
		if err != nil {
			g.writeError(w, r, err)
			return
		}
		me, err := users.GetMe(ctx, &userv1.GetMeRequest{})
		if err != nil {
			g.writeError(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/zip")
		// Usernames are letters, digits and underscores: nothing to escape.
		h.Set("Content-Disposition", `attachment; filename="fotogal-`+me.GetUser().GetUsername()+`.zip"`)
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)

		x := &exporter{ctx: ctx, users: users, images: g.image, me: me.GetUser(), zip: zip.NewWriter(w)}
		if err := x.run(); err != nil {
			logging.FromContext(ctx).Warn("export cut", zap.String("user_id", x.me.GetUserId()), zap.Error(err))
			// Aborting the handler closes the connection without the end
			// of the chunked body: the client cannot take what it got for
			// the whole export.
			panic(http.ErrAbortHandler)
		}
	}
}

// exporter writes one person's export.
type exporter struct {
	ctx    context.Context
	users  userv1.UserServiceClient
	images imagev1.ImageServiceClient
	me     *userv1.User
	zip    *zip.Writer
	// newest is the newest photo photos.json lists, nil when it lists
	// none: the pass for the files leaves out the photos posted since.
	newest *imagev1.Image
}

// run writes every entry, then the zip's directory.
func (x *exporter) run() error {
	entries := []struct {
		name  string
		write func() error
	}{
		{"profile.json", x.writeProfile},
		{"photos.json", x.writePhotoList},
		{"photos/", x.writePhotoFiles},
		{"followers.json", x.writeFollowers},
		{"following.json", x.writeFollowing},
		{"comments.json", x.writeComments},
		{"reactions.json", x.writeReactions},
	}
	for _, e := range entries {
		if err := x.ctx.Err(); err != nil {
			return fmt.Errorf("export %s: %w", e.name, err)
		}
		if err := e.write(); err != nil {
			return fmt.Errorf("export %s: %w", e.name, err)
		}
	}
	if err := x.zip.Close(); err != nil {
		return fmt.Errorf("finish the zip: %w", err)
	}
	return nil
}

// The entries of the JSON files, in the API's lower camel case.
type (
	exportProfile struct {
		UserID         string    `json:"userId"`
		Username       string    `json:"username"`
		Email          string    `json:"email"`
		FullName       string    `json:"fullName"`
		Bio            string    `json:"bio"`
		Website        string    `json:"website"`
		Gender         string    `json:"gender"`
		IsPrivate      bool      `json:"isPrivate"`
		IsProfessional bool      `json:"isProfessional"`
		CreateTime     time.Time `json:"createTime"`
		UpdateTime     time.Time `json:"updateTime"`
	}
	exportPhoto struct {
		ImageID     string    `json:"imageId"`
		Caption     string    `json:"caption"`
		CreateTime  time.Time `json:"createTime"`
		UpdateTime  time.Time `json:"updateTime"`
		ContentType string    `json:"contentType"`
		SizeBytes   int64     `json:"sizeBytes"`
		Width       int32     `json:"width"`
		Height      int32     `json:"height"`
		// File is the photo's entry in the zip.
		File string `json:"file"`
	}
	exportPerson struct {
		Username string `json:"username"`
		FullName string `json:"fullName"`
	}
	exportComment struct {
		CommentID  string    `json:"commentId"`
		ImageID    string    `json:"imageId"`
		Text       string    `json:"text"`
		CreateTime time.Time `json:"createTime"`
	}
	exportReaction struct {
		ImageID string `json:"imageId"`
		// Kind is "like" or "dislike".
		Kind       string    `json:"kind"`
		CreateTime time.Time `json:"createTime"`
	}
)

func (x *exporter) writeProfile() error {
	w, err := x.create("profile.json", zip.Deflate, time.Now())
	if err != nil {
		return err
	}
	u := x.me
	b, err := json.MarshalIndent(exportProfile{
		UserID: u.GetUserId(), Username: u.GetUsername(), Email: u.GetEmail(), FullName: u.GetFullName(),
		Bio: u.GetBio(), Website: u.GetWebsite(), Gender: u.GetGender(),
		IsPrivate: u.GetIsPrivate(), IsProfessional: u.GetIsProfessional(),
		CreateTime: timeOf(u.GetCreateTime()), UpdateTime: timeOf(u.GetUpdateTime()),
	}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (x *exporter) writePhotoList() error {
	list, err := x.array("photos.json")
	if err != nil {
		return err
	}
	err = x.eachPhoto(true, func(img *imagev1.Image) error {
		return list.add(exportPhoto{
			ImageID: img.GetImageId(), Caption: img.GetCaption(),
			CreateTime: timeOf(img.GetCreateTime()), UpdateTime: timeOf(img.GetUpdateTime()),
			ContentType: img.GetContentType(), SizeBytes: img.GetSizeBytes(),
			Width: img.GetWidth(), Height: img.GetHeight(),
			File: photoFile(img),
		})
	})
	if err != nil {
		return err
	}
	return list.close()
}

// writePhotoFiles writes each photo's original, chunk by chunk as it
// arrives. A photo deleted since photos.json listed it has no file.
func (x *exporter) writePhotoFiles() error {
	return x.eachPhoto(false, func(img *imagev1.Image) error {
		err := x.writePhotoFile(img)
		if status.Code(err) == codes.NotFound {
			logging.FromContext(x.ctx).Info("photo deleted during its export", zap.String("image_id", img.GetImageId()))
			return nil
		}
		return err
	})
}

func (x *exporter) writePhotoFile(img *imagev1.Image) error {
	ctx, cancel := context.WithCancel(x.ctx)
	defer cancel()
	stream, err := x.images.GetImageContent(ctx, &imagev1.GetImageContentRequest{
		ImageId: img.GetImageId(),
		Size:    imagev1.ImageSize_IMAGE_SIZE_ORIGINAL,
	})
	if err != nil {
		return err
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	if first.GetInfo() == nil {
		return fmt.Errorf("content of %s did not start with its description", img.GetImageId())
	}
	method := zip.Deflate
	if _, ok := photoExts[img.GetContentType()]; ok {
		method = zip.Store
	}
	w, err := x.create(photoFile(img), method, timeOf(img.GetCreateTime()))
	if err != nil {
		return err
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the content of %s: %w", img.GetImageId(), err)
		}
		if _, err := w.Write(msg.GetChunk()); err != nil {
			return err
		}
	}
}

// eachPhoto calls do with each of the caller's photos, newest first. The
// first pass (first) records the newest it meets; a later one leaves out
// the photos newer than that.
func (x *exporter) eachPhoto(first bool, do func(*imagev1.Image) error) error {
	return eachPage(func(token string) (string, error) {
		resp, err := x.images.ListUserImages(x.ctx, &imagev1.ListUserImagesRequest{
			Username: x.me.GetUsername(), PageSize: exportPageSize, PageToken: token,
		})
		if err != nil {
			return "", err
		}
		for _, img := range resp.GetImages() {
			switch {
			case first && x.newest == nil:
				x.newest = img
			case !first && (x.newest == nil || newerImage(img, x.newest)):
				continue
			}
			if err := do(img); err != nil {
				return "", err
			}
		}
		return resp.GetNextPageToken(), nil
	})
}

func (x *exporter) writeFollowers() error {
	return x.writePeople("followers.json", func(token string) ([]*userv1.UserSummary, string, error) {
		resp, err := x.users.ListFollowers(x.ctx, &userv1.ListFollowersRequest{
			Username: x.me.GetUsername(), PageSize: exportPageSize, PageToken: token,
		})
		return resp.GetUsers(), resp.GetNextPageToken(), err
	})
}

func (x *exporter) writeFollowing() error {
	return x.writePeople("following.json", func(token string) ([]*userv1.UserSummary, string, error) {
		resp, err := x.users.ListFollowing(x.ctx, &userv1.ListFollowingRequest{
			Username: x.me.GetUsername(), PageSize: exportPageSize, PageToken: token,
		})
		return resp.GetUsers(), resp.GetNextPageToken(), err
	})
}

// writePeople writes the list of people that list pages through.
func (x *exporter) writePeople(name string, list func(token string) ([]*userv1.UserSummary, string, error)) error {
	out, err := x.array(name)
	if err != nil {
		return err
	}
	err = eachPage(func(token string) (string, error) {
		people, next, err := list(token)
		if err != nil {
			return "", err
		}
		for _, p := range people {
			if err := out.add(exportPerson{Username: p.GetUsername(), FullName: p.GetFullName()}); err != nil {
				return "", err
			}
		}
		return next, nil
	})
	if err != nil {
		return err
	}
	return out.close()
}

func (x *exporter) writeComments() error {
	out, err := x.array("comments.json")
	if err != nil {
		return err
	}
	err = eachPage(func(token string) (string, error) {
		resp, err := x.images.ListMyComments(x.ctx, &imagev1.ListMyCommentsRequest{PageSize: exportPageSize, PageToken: token})
		if err != nil {
			return "", err
		}
		for _, c := range resp.GetComments() {
			err := out.add(exportComment{
				CommentID: c.GetCommentId(), ImageID: c.GetImageId(), Text: c.GetText(), CreateTime: timeOf(c.GetCreateTime()),
			})
			if err != nil {
				return "", err
			}
		}
		return resp.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	return out.close()
}

func (x *exporter) writeReactions() error {
	out, err := x.array("reactions.json")
	if err != nil {
		return err
	}
	err = eachPage(func(token string) (string, error) {
		resp, err := x.images.ListMyReactions(x.ctx, &imagev1.ListMyReactionsRequest{PageSize: exportPageSize, PageToken: token})
		if err != nil {
			return "", err
		}
		for _, r := range resp.GetReactions() {
			err := out.add(exportReaction{
				ImageID: r.GetImageId(), Kind: reactionKindName(r.GetKind()), CreateTime: timeOf(r.GetCreateTime()),
			})
			if err != nil {
				return "", err
			}
		}
		return resp.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	return out.close()
}

// create starts the zip entry name, written with method and dated
// modified.
func (x *exporter) create(name string, method uint16, modified time.Time) (io.Writer, error) {
	w, err := x.zip.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: modified})
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return w, nil
}

// array starts the zip entry name as a JSON array.
func (x *exporter) array(name string) (*jsonArray, error) {
	w, err := x.create(name, zip.Deflate, time.Now())
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return nil, err
	}
	return &jsonArray{w: w}, nil
}

// jsonArray writes a JSON array one item at a time, one item a line.
type jsonArray struct {
	w     io.Writer
	items int
}

// add writes v as the array's next item.
func (a *jsonArray) add(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sep := ",\n  "
	if a.items == 0 {
		sep = "\n  "
	}
	a.items++
	if _, err := io.WriteString(a.w, sep); err != nil {
		return err
	}
	_, err = a.w.Write(b)
	return err
}

// close ends the array.
func (a *jsonArray) close() error {
	end := "\n]\n"
	if a.items == 0 {
		end = "]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
}

// eachPage calls list with each page token in turn, from the first page's
// ("") to the last page's, list returning the next one.
func eachPage(list func(token string) (next string, err error)) error {
	token := ""
	for {
		next, err := list(token)
		if err != nil || next == "" {
			return err
		}
		token = next
	}
}

// photoFile returns the name of img's original in the zip:
// photos/<image id>.<extension of its type>.
func photoFile(img *imagev1.Image) string {
	ext, ok := photoExts[img.GetContentType()]
	if !ok {
		ext = "bin"
	}
	return "photos/" + img.GetImageId() + "." + ext
}

// newerImage reports whether a comes before b in newest-first order
// (create time, then image id, descending), the order of the lists.
func newerImage(a, b *imagev1.Image) bool {
	at, bt := timeOf(a.GetCreateTime()), timeOf(b.GetCreateTime())
	if !at.Equal(bt) {
		return at.After(bt)
	}
	return a.GetImageId() > b.GetImageId()
}

// reactionKindName returns "like" or "dislike".
func reactionKindName(k imagev1.ReactionKind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "REACTION_KIND_"))
}

// timeOf returns ts in UTC; the zero time when it is unset.
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

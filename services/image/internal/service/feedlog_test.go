package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/testimages"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// TestListImagesAfter pages through the posting log as the feed's tailer
// does: every owner's photos, not avatars, oldest first, strictly after a
// cursor, with only ids, owners and times.
func TestListImagesAfter(t *testing.T) {
	e := newEnv(t)
	var want []*imagev1.Image
	for _, user := range []string{"alice", "bob", "alice", "bob"} {
		want = append(want, mustUpload(t, e, user, testimages.PNG(20, 20), "caption"))
	}
	if _, err := e.setAvatar("alice", testimages.PNG(20, 20)); err != nil {
		t.Fatal(err)
	}
	ctx := asService()
	cursorOf := func(img *imagev1.Image) *imagev1.ImageCursor {
		return &imagev1.ImageCursor{CreateTime: img.GetCreateTime(), ImageId: img.GetImageId()}
	}

	var got []*imagev1.Image
	var after *imagev1.ImageCursor
	for range 10 {
		resp, err := e.internal.ListImagesAfter(ctx, &imagev1.ListImagesAfterRequest{After: after, PageSize: 3})
		if err != nil {
			t.Fatalf("ListImagesAfter: %v", err)
		}
		got = append(got, resp.GetImages()...)
		if len(resp.GetImages()) < 3 {
			break
		}
		after = cursorOf(resp.GetImages()[len(resp.GetImages())-1])
	}
	if len(got) != len(want) {
		t.Fatalf("got %d photos, want %d", len(got), len(want))
	}
	for i, img := range got {
		w := want[i]
		if img.GetImageId() != w.GetImageId() || img.GetOwnerId() != w.GetOwnerId() || !img.GetCreateTime().AsTime().Equal(w.GetCreateTime().AsTime()) {
			t.Errorf("photo %d: got %v, want %s of %s at %v", i, img, w.GetImageId(), w.GetOwnerId(), w.GetCreateTime().AsTime())
		}
		if img.GetCaption() != "" || img.GetThumbUrl() != "" {
			t.Errorf("photo %d has more than its id, owner and time: %v", i, img)
		}
	}

	tests := []struct {
		name  string
		after *imagev1.ImageCursor
		want  []*imagev1.Image
	}{
		{"after the second", cursorOf(want[1]), want[2:]},
		{"from an instant, no id", &imagev1.ImageCursor{CreateTime: want[2].GetCreateTime()}, want[2:]},
		{"after the newest", cursorOf(want[3]), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.internal.ListImagesAfter(ctx, &imagev1.ListImagesAfterRequest{After: tc.after})
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs, wantIDs []string
			for _, img := range resp.GetImages() {
				gotIDs = append(gotIDs, img.GetImageId())
			}
			for _, img := range tc.want {
				wantIDs = append(wantIDs, img.GetImageId())
			}
			if !slices.Equal(gotIDs, wantIDs) {
				t.Errorf("got %v, want %v", gotIDs, wantIDs)
			}
		})
	}

	invalid := []struct {
		name  string
		req   *imagev1.ListImagesAfterRequest
		field string
	}{
		{"negative page size", &imagev1.ListImagesAfterRequest{PageSize: -1}, "page_size"},
		{"cursor without a time", &imagev1.ListImagesAfterRequest{After: &imagev1.ImageCursor{ImageId: "x"}}, "after"},
		{"cursor with a bad time", &imagev1.ListImagesAfterRequest{After: &imagev1.ImageCursor{CreateTime: &timestamppb.Timestamp{Nanos: -1}}}, "after"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.internal.ListImagesAfter(ctx, tc.req)
			if status.Code(err) != codes.InvalidArgument || !strings.HasPrefix(status.Convert(err).Message(), tc.field+": ") {
				t.Errorf("got %v, want InvalidArgument naming %s", err, tc.field)
			}
		})
	}

	_, err := e.internal.ListImagesAfter(context.Background(), &imagev1.ListImagesAfterRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("without the service credential: got %v, want Unauthenticated", err)
	}
}

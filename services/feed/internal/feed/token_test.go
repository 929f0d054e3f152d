package feed

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

func TestPageTokenRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  *imagev1.Image
	}{
		{"nanoseconds", &imagev1.Image{ImageId: "AbC-_09", CreateTime: timestamppb.New(time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC))}},
		{"before 1970", &imagev1.Image{ImageId: "x", CreateTime: timestamppb.New(time.Date(1960, 1, 1, 0, 0, 0, 1, time.UTC))}},
		{"64-byte id", &imagev1.Image{ImageId: string(make64()), CreateTime: timestamppb.New(time.Unix(0, 0))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodePageToken(encodePageToken(tc.img))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			want := store.Position{CreatedAt: tc.img.GetCreateTime().AsTime(), ImageID: tc.img.GetImageId()}
			if got.Compare(want) != 0 {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func make64() []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

package feed

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// FuzzDecodePageToken: any token is errInvalidPageToken or stands for a
// position whose own token stands for it again.
func FuzzDecodePageToken(f *testing.F) {
	f.Add(encodePageToken(&imagev1.Image{ImageId: "abc", CreateTime: &timestamppb.Timestamp{Seconds: 1_700_000_000, Nanos: 5}}))
	for _, seed := range []string{"", "bm90IGEgdG9rZW4", "AQAAAAAAAAAAAAAAAGE", "!!"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := decodePageToken(token)
		if err != nil {
			if !errors.Is(err, errInvalidPageToken) {
				t.Fatalf("%q: %v, want errInvalidPageToken", token, err)
			}
			return
		}
		if token == "" {
			return
		}
		img := &imagev1.Image{ImageId: p.ImageID, CreateTime: timestamppb.New(p.CreatedAt)}
		again, err := decodePageToken(encodePageToken(img))
		if err != nil || !again.CreatedAt.Equal(p.CreatedAt) || again.ImageID != p.ImageID {
			t.Fatalf("%q is %+v, whose own token is %+v, %v", token, p, again, err)
		}
	})
}

package requestid_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/fotogal/fotogal/pkg/requestid"
)

func TestNew(t *testing.T) {
	t.Parallel()
	a, b := requestid.New(), requestid.New()
	if len(a) != 32 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("New() = %q, want 32 hex digits", a)
	}
	if a == b {
		t.Errorf("New() returned %q twice", a)
	}
}

func TestFromIncoming(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		md     metadata.MD
		want   string
		wantOK bool
	}{
		{"none", nil, "", false},
		{"plain", metadata.Pairs(requestid.MetadataKey, "abc-123"), "abc-123", true},
		{"first of several", metadata.Pairs(requestid.MetadataKey, "one", requestid.MetadataKey, "two"), "one", true},
		{"empty", metadata.Pairs(requestid.MetadataKey, ""), "", false},
		{"too long", metadata.Pairs(requestid.MetadataKey, strings.Repeat("a", 129)), "", false},
		{"log injection", metadata.Pairs(requestid.MetadataKey, "a\nb"), "", false},
		{"spaces", metadata.Pairs(requestid.MetadataKey, "a b"), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if tc.md != nil {
				ctx = metadata.NewIncomingContext(ctx, tc.md)
			}
			got, ok := requestid.FromIncoming(ctx)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("FromIncoming = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestContextAndOutgoing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, ok := requestid.FromContext(ctx); ok {
		t.Error("FromContext(empty) reports an id")
	}
	if got := requestid.AppendOutgoing(ctx); got != ctx {
		t.Error("AppendOutgoing without an id changed the context")
	}

	ctx = requestid.WithID(ctx, "rid-1")
	if got, ok := requestid.FromContext(ctx); got != "rid-1" || !ok {
		t.Errorf("FromContext = %q, %v; want rid-1, true", got, ok)
	}
	out := requestid.AppendOutgoing(requestid.AppendOutgoing(ctx))
	md, _ := metadata.FromOutgoingContext(out)
	if got := md.Get(requestid.MetadataKey); len(got) != 1 || got[0] != "rid-1" {
		t.Errorf("outgoing %s = %q, want [rid-1]", requestid.MetadataKey, got)
	}
}

package clientaddr

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

func TestFromIncoming(t *testing.T) {
	t.Parallel()
	peerAddr := &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 51234}
	tests := []struct {
		name string
		md   metadata.MD
		want string
	}{
		{"the gateway's", metadata.Pairs("x-forwarded-for", "203.0.113.5, 10.0.0.1"), "203.0.113.5"},
		{"a direct caller", metadata.MD{}, "192.0.2.10"},
		{"IPv6 in canonical form", metadata.Pairs("x-forwarded-for", "2001:DB8:0::1"), "2001:db8::1"},
		{"IPv4-mapped", metadata.Pairs("x-forwarded-for", "::ffff:198.51.100.7"), "198.51.100.7"},
		{"not an IP", metadata.Pairs("x-forwarded-for", "unknown"), "unknown"},
		{"empty entry", metadata.Pairs("x-forwarded-for", " , 10.0.0.1"), "192.0.2.10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := peer.NewContext(metadata.NewIncomingContext(context.Background(), tc.md), &peer.Peer{Addr: peerAddr})
			if got := FromIncoming(ctx); got != tc.want {
				t.Errorf("FromIncoming = %q, want %q", got, tc.want)
			}
		})
	}
	if got := FromIncoming(context.Background()); got != "" {
		t.Errorf("no metadata, no peer: %q, want empty", got)
	}
}

package auth

import (
	"context"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

func TestClientAddressAndUserAgent(t *testing.T) {
	t.Parallel()
	peerAddr := &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 51234}
	tests := []struct {
		name      string
		md        metadata.MD
		wantAddr  string
		wantAgent string
	}{
		{"gateway headers", metadata.Pairs("x-forwarded-for", "203.0.113.5, 10.0.0.1",
			"grpcgateway-user-agent", "Browser/1", "user-agent", "grpc-gateway"), "203.0.113.5", "Browser/1"},
		{"direct gRPC client", metadata.Pairs("user-agent", "grpcurl/1.9"), "192.0.2.10", "grpcurl/1.9"},
		{"IPv6 in canonical form", metadata.Pairs("x-forwarded-for", "2001:DB8:0::1"), "2001:db8::1", ""},
		{"not an IP", metadata.Pairs("x-forwarded-for", "unknown"), "unknown", ""},
		{"long user agent cut", metadata.Pairs("user-agent", strings.Repeat("é", 200)), "192.0.2.10", strings.Repeat("é", 128)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := peer.NewContext(metadata.NewIncomingContext(context.Background(), tc.md), &peer.Peer{Addr: peerAddr})
			if got := clientAddress(ctx); got != tc.wantAddr {
				t.Errorf("clientAddress = %q, want %q", got, tc.wantAddr)
			}
			if got := userAgent(ctx); got != tc.wantAgent {
				t.Errorf("userAgent = %q, want %q", got, tc.wantAgent)
			}
		})
	}
}

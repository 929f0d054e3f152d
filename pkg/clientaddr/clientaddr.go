// Package clientaddr tells a service which address a call comes from: the
// client's, as the gateway passes it on, or the direct caller's.
package clientaddr

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// MetadataKey is the gRPC metadata key in which the gateway passes on the
// client's address.
const MetadataKey = "x-forwarded-for"

// FromIncoming returns the address a call comes from: the first entry of
// the "x-forwarded-for" metadata, else the host of the gRPC peer, or "".
// IP addresses are put in canonical form (IPv4-mapped IPv6 as IPv4), so
// that one client cannot pass for many by spelling its address
// differently.
func FromIncoming(ctx context.Context) string {
	if values := metadata.ValueFromIncomingContext(ctx, MetadataKey); len(values) > 0 {
		first, _, _ := strings.Cut(values[0], ",")
		if first = strings.TrimSpace(first); first != "" {
			return canonical(first)
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		addr := p.Addr.String()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		return canonical(addr)
	}
	return ""
}

func canonical(addr string) string {
	if ip, err := netip.ParseAddr(addr); err == nil {
		return ip.Unmap().String()
	}
	return addr
}

package auth

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// Limits on what a session stores of the client's own claims.
const (
	maxUserAgentLen     = 256
	maxClientAddressLen = 64
)

// clientAddress returns the address a request comes from: the first entry
// of the "x-forwarded-for" metadata (set by the gateway), else the host of
// the gRPC peer. IP addresses are put in canonical form, so that one client
// cannot pass for many by spelling its address differently.
func clientAddress(ctx context.Context) string {
	if values := metadata.ValueFromIncomingContext(ctx, "x-forwarded-for"); len(values) > 0 {
		first, _, _ := strings.Cut(values[0], ",")
		if first = strings.TrimSpace(first); first != "" {
			return canonicalAddress(first)
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		addr := p.Addr.String()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		return canonicalAddress(addr)
	}
	return ""
}

func canonicalAddress(addr string) string {
	if ip, err := netip.ParseAddr(addr); err == nil {
		return ip.Unmap().String()
	}
	return truncate(addr, maxClientAddressLen)
}

// userAgent returns the client's User-Agent: the "grpcgateway-user-agent"
// metadata (the browser's, forwarded by the gateway), else "user-agent".
func userAgent(ctx context.Context) string {
	for _, key := range []string{"grpcgateway-user-agent", "user-agent"} {
		if values := metadata.ValueFromIncomingContext(ctx, key); len(values) > 0 && values[0] != "" {
			return truncate(values[0], maxUserAgentLen)
		}
	}
	return ""
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

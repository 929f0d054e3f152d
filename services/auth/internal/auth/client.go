package auth

import (
	"context"
	"unicode/utf8"

	"google.golang.org/grpc/metadata"

	"github.com/fotogal/fotogal/pkg/clientaddr"
)

// Limits on what a session stores of the client's own claims.
const (
	maxUserAgentLen     = 256
	maxClientAddressLen = 64
)

// clientAddress returns the address a request comes from (see package
// clientaddr), cut to what a session keeps of it.
func clientAddress(ctx context.Context) string {
	return truncate(clientaddr.FromIncoming(ctx), maxClientAddressLen)
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

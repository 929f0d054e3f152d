package authn

import (
	"context"
	"crypto/subtle"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
)

// ServiceCredentialKey is the gRPC metadata key of the service credential.
const ServiceCredentialKey = "x-fotogal-service-credential"

// ServiceCredentials returns per-RPC credentials that send secret as the
// service credential on every call, for clients of internal methods:
//
//	grpc.WithPerRPCCredentials(authn.ServiceCredentials(secret))
func ServiceCredentials(secret string) credentials.PerRPCCredentials {
	return serviceCredentials(secret)
}

type serviceCredentials string

func (c serviceCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{ServiceCredentialKey: string(c)}, nil
}

// RequireTransportSecurity reports false: the services talk plaintext gRPC
// inside the cluster network.
func (serviceCredentials) RequireTransportSecurity() bool { return false }

// serviceCredential returns the service credential of the incoming metadata
// of ctx.
func serviceCredential(ctx context.Context) (string, bool) {
	values := metadata.ValueFromIncomingContext(ctx, ServiceCredentialKey)
	if len(values) == 0 || values[0] == "" {
		return "", false
	}
	return values[0], true
}

// secretMatches compares in constant time.
func secretMatches(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

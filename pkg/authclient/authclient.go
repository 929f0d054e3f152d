// Package authclient validates session tokens by asking the auth service,
// for the services that do not own the sessions table.
package authclient

import (
	"context"

	"google.golang.org/grpc"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"

	"github.com/fotogal/fotogal/pkg/authn"
)

// Validator is an authn.Validator backed by AuthInternalService.ValidateSession.
// The connection must carry the service credential (grpcclient.Options.ServiceSecret).
type Validator struct {
	client authv1.AuthInternalServiceClient
}

var _ authn.Validator = (*Validator)(nil)

// NewValidator returns a Validator that calls the auth service over conn.
func NewValidator(conn grpc.ClientConnInterface) *Validator {
	return &Validator{client: authv1.NewAuthInternalServiceClient(conn)}
}

// ValidateSession resolves token to its caller. The auth service's
// Unauthenticated answer is passed on as it is, so that callers can tell a
// bad token from an unreachable auth service.
func (v *Validator) ValidateSession(ctx context.Context, token string) (authn.Caller, error) {
	resp, err := v.client.ValidateSession(ctx, &authv1.ValidateSessionRequest{SessionToken: token})
	if err != nil {
		return authn.Caller{}, err
	}
	return authn.Caller{UserID: resp.GetUserId(), SessionID: resp.GetSessionId()}, nil
}

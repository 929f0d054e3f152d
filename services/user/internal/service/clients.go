package service

import (
	"context"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// PostCounter counts the photos a person has posted.
type PostCounter interface {
	CountPosts(ctx context.Context, userID string) (int64, error)
}

// SessionRevoker ends a person's sessions.
type SessionRevoker interface {
	// RevokeUserSessions ends every session of userID but keepSessionID
	// and returns how many it ended.
	RevokeUserSessions(ctx context.Context, userID, keepSessionID string) (int32, error)
}

// ImagePostCounter is a PostCounter asking the image service.
type ImagePostCounter struct {
	client imagev1.ImageInternalServiceClient
}

// NewImagePostCounter returns a PostCounter over client, whose connection
// carries the service credential.
func NewImagePostCounter(client imagev1.ImageInternalServiceClient) *ImagePostCounter {
	return &ImagePostCounter{client: client}
}

// CountPosts asks the image service for userID's photo count.
func (c *ImagePostCounter) CountPosts(ctx context.Context, userID string) (int64, error) {
	resp, err := c.client.CountImages(ctx, &imagev1.CountImagesRequest{OwnerIds: []string{userID}})
	if err != nil {
		return 0, err
	}
	return resp.GetCounts()[userID], nil
}

// AuthSessionRevoker is a SessionRevoker asking the auth service.
type AuthSessionRevoker struct {
	client authv1.AuthInternalServiceClient
}

// NewAuthSessionRevoker returns a SessionRevoker over client, whose
// connection carries the service credential.
func NewAuthSessionRevoker(client authv1.AuthInternalServiceClient) *AuthSessionRevoker {
	return &AuthSessionRevoker{client: client}
}

// RevokeUserSessions asks the auth service to end userID's sessions but
// keepSessionID.
func (r *AuthSessionRevoker) RevokeUserSessions(ctx context.Context, userID, keepSessionID string) (int32, error) {
	resp, err := r.client.RevokeUserSessions(ctx, &authv1.RevokeUserSessionsRequest{UserId: userID, KeepSessionId: keepSessionID})
	if err != nil {
		return 0, err
	}
	return resp.GetRevokedCount(), nil
}

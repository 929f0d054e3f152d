// Package auth implements FotoGal's authentication service: logging in
// (with credentials checked by the user service), sessions that their owner
// lists and revokes, and the validation of session tokens for the other
// services (fotogal.auth.v1.AuthService and AuthInternalService).
//
// A session token is 32 random bytes in base64url; only its SHA-256 is
// stored. A session also has a public id (16 random bytes in base64url),
// unrelated to the token, by which it is listed and revoked.
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"
	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
	"github.com/fotogal/fotogal/services/auth/internal/store"
)

// CredentialChecker checks an email and password; the user service's
// internal client (userv1.UserInternalServiceClient) is one. It answers
// Unauthenticated for an unknown email or a wrong password.
type CredentialChecker interface {
	CheckCredentials(ctx context.Context, in *userv1.CheckCredentialsRequest, opts ...grpc.CallOption) (*userv1.CheckCredentialsResponse, error)
}

// Config tunes a Server.
type Config struct {
	// SessionTTL is how long a session lasts after login.
	SessionTTL time.Duration
	// Throttle limits failed logins.
	Throttle ThrottleConfig
}

// Server implements AuthService and AuthInternalService on a session store.
type Server struct {
	authv1.UnimplementedAuthServiceServer
	authv1.UnimplementedAuthInternalServiceServer

	store      store.Store
	users      CredentialChecker
	sessionTTL time.Duration
	throttle   *throttle
	// now is the clock; tests replace it before serving.
	now func() time.Time
}

// NewServer returns a Server keeping sessions in st and checking
// credentials with users.
func NewServer(st store.Store, users CredentialChecker, cfg Config) *Server {
	return &Server{
		store:      st,
		users:      users,
		sessionTTL: cfg.SessionTTL,
		throttle:   newThrottle(st, cfg.Throttle),
		now:        time.Now,
	}
}

// Register registers both services of s on g.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	authv1.RegisterAuthServiceServer(g, s)
	authv1.RegisterAuthInternalServiceServer(g, s)
}

// Policy returns the authentication policy of the auth server itself:
// Login is public, the internal service requires serviceSecret, and every
// other method a session token, validated against the store directly (so
// logout and revocation take effect at once).
func (s *Server) Policy(serviceSecret string) authn.Policy {
	return authn.Policy{
		Public:        map[string]bool{authv1.AuthService_Login_FullMethodName: true},
		Validator:     localValidator{s},
		ServiceSecret: serviceSecret,
	}
}

// localValidator is the authn.Validator of the auth server's own policy.
type localValidator struct {
	s *Server
}

// ValidateSession resolves token with the store; an invalid token is
// Unauthenticated.
func (v localValidator) ValidateSession(ctx context.Context, token string) (authn.Caller, error) {
	sess, err := v.s.session(ctx, token)
	if err != nil {
		return authn.Caller{}, toStatus(ctx, err)
	}
	return authn.Caller{UserID: sess.UserID, SessionID: sess.ID}, nil
}

// session returns the live session of token, or errInvalidSession.
// Expired sessions are refused even before the sweeper deletes them.
func (s *Server) session(ctx context.Context, token string) (store.Session, error) {
	if !wellFormedToken(token) {
		return store.Session{}, errInvalidSession
	}
	sess, err := s.store.GetSession(ctx, hashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Session{}, errInvalidSession
	case err != nil:
		return store.Session{}, fmt.Errorf("get session: %w", err)
	case !s.now().Before(sess.ExpireTime):
		return store.Session{}, errInvalidSession
	}
	return sess, nil
}

// Login checks the credentials with the user service and opens a session.
func (s *Server) Login(ctx context.Context, req *authv1.LoginRequest) (*authv1.LoginResponse, error) {
	resp, err := s.login(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Server) login(ctx context.Context, req *authv1.LoginRequest) (*authv1.LoginResponse, error) {
	email := strings.ToLower(strings.TrimSpace(req.GetEmail()))
	switch {
	case email == "":
		return nil, &fieldError{"email", "required"}
	case req.GetPassword() == "":
		return nil, &fieldError{"password", "required"}
	}
	logger := logging.FromContext(ctx)
	addr := clientAddress(ctx)
	now := s.now()
	counted, err := s.throttle.begin(ctx, email, addr, now)
	var throttled *throttledError
	switch {
	case errors.As(err, &throttled):
		logger.Warn("login throttled", zap.String("client_address", addr))
		return nil, err
	case err != nil:
		return nil, err
	}

	checked, err := s.users.CheckCredentials(ctx, &userv1.CheckCredentialsRequest{
		Email:    req.GetEmail(),
		Password: req.GetPassword(),
	})
	switch code := status.Code(err); code {
	case codes.OK:
		if err := s.throttle.succeeded(ctx, counted); err != nil {
			// The login stands; the counts stay as they were.
			logger.Warn("login", zap.Error(err))
		}
	case codes.Unauthenticated, codes.NotFound:
		logger.Info("login failed", zap.String("client_address", addr))
		return nil, errInvalidCredentials
	case codes.Unavailable, codes.DeadlineExceeded:
		s.release(ctx, counted)
		logger.Warn("check credentials", zap.Error(err))
		return nil, errUserServiceUnavailable
	default:
		s.release(ctx, counted)
		return nil, fmt.Errorf("check credentials: %w", err)
	}
	user := checked.GetUser()
	if user.GetUserId() == "" {
		return nil, errors.New("check credentials: answer without a user")
	}

	token := newToken()
	created := now.UTC()
	sess := store.Session{
		TokenHash:     hashToken(token),
		ID:            newSessionID(),
		UserID:        user.GetUserId(),
		UserAgent:     userAgent(ctx),
		ClientAddress: addr,
		CreateTime:    created,
		ExpireTime:    created.Add(s.sessionTTL),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	logger.Info("login", zap.String("user_id", sess.UserID), zap.String("session_id", sess.ID),
		zap.String("client_address", addr))
	return &authv1.LoginResponse{
		SessionToken: token,
		ExpireTime:   timestamppb.New(sess.ExpireTime),
		User:         user,
		Session:      sessionProto(sess, sess.ID),
	}, nil
}

// release takes back a login attempt that failed for another reason than
// the credentials, logging a failure to.
func (s *Server) release(ctx context.Context, a attempt) {
	if err := s.throttle.release(ctx, a); err != nil {
		logging.FromContext(ctx).Warn("login", zap.Error(err))
	}
}

// Logout ends the caller's current session.
func (s *Server) Logout(ctx context.Context, _ *authv1.LogoutRequest) (*authv1.LogoutResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	// A session that is already gone (revoked meanwhile) is logged out.
	if err := s.store.DeleteUserSession(ctx, caller.UserID, caller.SessionID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, toStatus(ctx, fmt.Errorf("delete session: %w", err))
	}
	return &authv1.LogoutResponse{}, nil
}

// ListSessions lists the caller's live sessions, newest first, the current
// one marked.
func (s *Server) ListSessions(ctx context.Context, _ *authv1.ListSessionsRequest) (*authv1.ListSessionsResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	sessions, err := s.store.ListUserSessions(ctx, caller.UserID)
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("list sessions: %w", err))
	}
	now := s.now()
	resp := &authv1.ListSessionsResponse{}
	for _, sess := range sessions {
		if now.Before(sess.ExpireTime) {
			resp.Sessions = append(resp.Sessions, sessionProto(sess, caller.SessionID))
		}
	}
	return resp, nil
}

// RevokeSession ends one of the caller's sessions; NotFound for any other.
func (s *Server) RevokeSession(ctx context.Context, req *authv1.RevokeSessionRequest) (*authv1.RevokeSessionResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetSessionId() == "" {
		return nil, toStatus(ctx, &fieldError{"session_id", "required"})
	}
	if err := s.store.DeleteUserSession(ctx, caller.UserID, req.GetSessionId()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &authv1.RevokeSessionResponse{}, nil
}

// ValidateSession resolves a token to its user and session.
func (s *Server) ValidateSession(ctx context.Context, req *authv1.ValidateSessionRequest) (*authv1.ValidateSessionResponse, error) {
	sess, err := s.session(ctx, req.GetSessionToken())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &authv1.ValidateSessionResponse{
		UserId:     sess.UserID,
		SessionId:  sess.ID,
		ExpireTime: timestamppb.New(sess.ExpireTime),
	}, nil
}

// RevokeUserSessions ends every session of a user but the one to keep.
func (s *Server) RevokeUserSessions(ctx context.Context, req *authv1.RevokeUserSessionsRequest) (*authv1.RevokeUserSessionsResponse, error) {
	if req.GetUserId() == "" {
		return nil, toStatus(ctx, &fieldError{"user_id", "required"})
	}
	n, err := s.store.DeleteUserSessions(ctx, req.GetUserId(), req.GetKeepSessionId())
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("delete user sessions: %w", err))
	}
	logging.FromContext(ctx).Info("revoked user sessions", zap.String("user_id", req.GetUserId()), zap.Int("count", n))
	return &authv1.RevokeUserSessionsResponse{RevokedCount: int32(n)}, nil
}

// SweepExpired deletes expired sessions every interval until ctx is done.
func (s *Server) SweepExpired(ctx context.Context, interval time.Duration) {
	logger := logging.FromContext(ctx)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		n, err := s.store.DeleteExpired(ctx, s.now())
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("sweep expired sessions", zap.Error(err))
		case n > 0:
			logger.Info("swept expired sessions", zap.Int("count", n))
		}
	}
}

// sessionProto returns sess as the API shows it, current when its id is
// currentID.
func sessionProto(sess store.Session, currentID string) *authv1.Session {
	return &authv1.Session{
		SessionId:     sess.ID,
		CreateTime:    timestamppb.New(sess.CreateTime),
		ExpireTime:    timestamppb.New(sess.ExpireTime),
		UserAgent:     sess.UserAgent,
		ClientAddress: sess.ClientAddress,
		Current:       sess.ID == currentID,
	}
}

package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// userServer is UserService.
type userServer struct {
	userv1.UnimplementedUserServiceServer
	s *Service
}

// Register creates an account.
func (h *userServer) Register(ctx context.Context, req *userv1.RegisterRequest) (*userv1.RegisterResponse, error) {
	email, fullName := strings.TrimSpace(req.GetEmail()), strings.TrimSpace(req.GetFullName())
	var fields fieldErrors
	fields.check("email", checkEmail(email))
	fields.check("full_name", checkFullName(fullName))
	fields.check("username", checkUsername(req.GetUsername()))
	fields.check("password", checkPassword(req.GetPassword()))
	if err := fields.err(); err != nil {
		return nil, toStatus(ctx, err)
	}
	// Counted before the costly hash, whatever the outcome: a taken email
	// counts too, so that one address cannot probe for registered ones.
	if err := h.s.countRegistration(ctx); err != nil {
		return nil, toStatus(ctx, err)
	}
	hash, err := h.s.hasher.Hash(req.GetPassword())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	ts := now()
	u := &store.User{
		ID:           newID(),
		Email:        email,
		Username:     req.GetUsername(),
		FullName:     fullName,
		PasswordHash: hash,
		CreatedAt:    ts,
		UpdatedAt:    ts,
	}
	if err := h.s.store.CreateUser(ctx, u); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.RegisterResponse{User: toUser(u)}, nil
}

// GetMe returns the caller's account.
func (h *userServer) GetMe(ctx context.Context, _ *userv1.GetMeRequest) (*userv1.GetMeResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.s.userByID(ctx, caller.UserID)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.GetMeResponse{User: toUser(u)}, nil
}

// UpdateProfile changes the fields set in the request. A private account
// turned public accepts its pending follow requests.
func (h *userServer) UpdateProfile(ctx context.Context, req *userv1.UpdateProfileRequest) (*userv1.UpdateProfileResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	fullName, website, gender := trimmed(req.FullName), trimmed(req.Website), trimmed(req.Gender)
	var fields fieldErrors
	if fullName != nil {
		fields.check("full_name", checkFullName(*fullName))
	}
	if req.Bio != nil {
		fields.check("bio", checkBio(req.GetBio()))
	}
	if website != nil {
		fields.check("website", checkWebsite(*website))
	}
	if gender != nil {
		fields.check("gender", checkGender(*gender))
	}
	if err := fields.err(); err != nil {
		return nil, toStatus(ctx, err)
	}

	ts := now()
	var wasPrivate bool
	u, err := h.s.store.UpdateUser(ctx, caller.UserID, func(u *store.User) error {
		wasPrivate = u.IsPrivate
		if fullName != nil {
			u.FullName = *fullName
		}
		if req.Bio != nil {
			u.Bio = req.GetBio()
		}
		if website != nil {
			u.Website = *website
		}
		if gender != nil {
			u.Gender = *gender
		}
		if req.IsPrivate != nil {
			u.IsPrivate = req.GetIsPrivate()
		}
		if req.IsProfessional != nil {
			u.IsProfessional = req.GetIsProfessional()
		}
		u.UpdatedAt = ts
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = errUserNotFound
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	if wasPrivate && !u.IsPrivate {
		// The requests become follows now, and are dated so: a timeline
		// learns of new follows by their dates.
		if err := h.s.acceptAllRequests(ctx, u.ID); err != nil {
			return nil, toStatus(ctx, err)
		}
	}
	return &userv1.UpdateProfileResponse{User: toUser(u)}, nil
}

// trimmed returns an optional field without surrounding space, nil when
// absent.
func trimmed(field *string) *string {
	if field == nil {
		return nil
	}
	return new(strings.TrimSpace(*field))
}

// ChangePassword checks the old password, sets the new one and ends the
// caller's other sessions.
func (h *userServer) ChangePassword(ctx context.Context, req *userv1.ChangePasswordRequest) (*userv1.ChangePasswordResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if desc := checkPassword(req.GetNewPassword()); desc != "" {
		return nil, toStatus(ctx, invalid("new_password", desc))
	}
	u, err := h.s.userByID(ctx, caller.UserID)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	ok, err := h.s.hasher.Verify(req.GetOldPassword(), u.PasswordHash)
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("verify password of %s: %w", u.ID, err))
	}
	if !ok {
		return nil, toStatus(ctx, errWrongPassword)
	}
	hash, err := h.s.hasher.Hash(req.GetNewPassword())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	verified := u.PasswordHash
	_, err = h.s.store.UpdateUser(ctx, u.ID, func(u *store.User) error {
		// The old password checked must still be the current one.
		if u.PasswordHash != verified {
			return errPasswordChangedNow
		}
		u.PasswordHash, u.UpdatedAt = hash, now()
		return nil
	})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	revoked, err := h.s.sessions.RevokeUserSessions(ctx, u.ID, caller.SessionID)
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("revoke the other sessions of %s: %w", u.ID, err))
	}
	return &userv1.ChangePasswordResponse{RevokedSessionCount: revoked}, nil
}

// GetProfile returns a person's public profile, counts and how the caller
// relates to them.
func (h *userServer) GetProfile(ctx context.Context, req *userv1.GetProfileRequest) (*userv1.GetProfileResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := h.s.profile(ctx, caller.UserID, req.GetUsername())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.GetProfileResponse{Profile: p}, nil
}

func (s *Service) profile(ctx context.Context, callerID, username string) (*userv1.Profile, error) {
	if err := requiredUsername(username); err != nil {
		return nil, err
	}
	u, err := s.userByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if u.ID != callerID {
		youBlocked, theyBlocked, err := s.store.BlocksBetween(ctx, callerID, u.ID)
		if err != nil {
			return nil, fmt.Errorf("read blocks: %w", err)
		}
		if youBlocked || theyBlocked {
			return blockedProfile(u, youBlocked), nil
		}
	}
	muted, err := s.store.IsMuted(ctx, callerID, u.ID)
	if err != nil {
		return nil, fmt.Errorf("read mute: %w", err)
	}
	toThem, err := s.edgeState(ctx, callerID, u.ID)
	if err != nil {
		return nil, err
	}
	toCaller, err := s.edgeState(ctx, u.ID, callerID)
	if err != nil {
		return nil, err
	}
	followers, err := s.store.CountFollows(ctx, u.ID, store.Followers, store.FollowFollowing)
	if err != nil {
		return nil, fmt.Errorf("count followers: %w", err)
	}
	following, err := s.store.CountFollows(ctx, u.ID, store.Following, store.FollowFollowing)
	if err != nil {
		return nil, fmt.Errorf("count following: %w", err)
	}
	state := followState(callerID, u.ID, toThem)
	return &userv1.Profile{
		UserId:         u.ID,
		Username:       u.Username,
		FullName:       u.FullName,
		Bio:            u.Bio,
		Website:        u.Website,
		IsPrivate:      u.IsPrivate,
		IsProfessional: u.IsProfessional,
		AvatarUrl:      avatarURL(u),
		PostCount:      s.postCount(ctx, u.ID),
		FollowerCount:  followers,
		FollowingCount: following,
		FollowState:    state,
		FollowsYou:     toCaller == store.FollowFollowing,
		CanView:        canView(state, u),
		MutedByYou:     muted,
	}, nil
}

// canView says whether someone who relates to owner by state may see
// owner's photos and lists.
func canView(state userv1.FollowState, owner *store.User) bool {
	return !owner.IsPrivate || state == userv1.FollowState_FOLLOW_STATE_SELF || state == userv1.FollowState_FOLLOW_STATE_FOLLOWING
}

// postCount asks the image service; a profile still loads without it, with
// 0 posts.
func (s *Service) postCount(ctx context.Context, userID string) int64 {
	n, err := s.posts.CountPosts(ctx, userID)
	if err != nil {
		logging.FromContext(ctx).Warn("count posts failed; answering 0", zap.String("user_id", userID), zap.Error(err))
		return 0
	}
	return n
}

// userByID returns the account with id, or errUserNotFound.
func (s *Service) userByID(ctx context.Context, id string) (*store.User, error) {
	u, err := s.store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUserNotFound
	}
	return u, err
}

// userByUsername returns the account with username in any letter case, or
// errUserNotFound.
func (s *Service) userByUsername(ctx context.Context, username string) (*store.User, error) {
	u, err := s.store.GetUserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUserNotFound
	}
	return u, err
}

// edgeState returns the state of the edge from followerID to followeeID,
// "" when there is none.
func (s *Service) edgeState(ctx context.Context, followerID, followeeID string) (store.FollowState, error) {
	states, err := s.store.GetFollowStates(ctx, followerID, []string{followeeID})
	if err != nil {
		return "", fmt.Errorf("get follow state: %w", err)
	}
	return states[followeeID], nil
}

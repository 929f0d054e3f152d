package service

import (
	"context"
	"fmt"
	"slices"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// Blocks and mutes.
//
// A block between two people, whichever made it, makes each to the other
// as a stranger to a private account: CanView is false both ways (so the
// image service answers each other's photos, comments and bytes with 404,
// and a mention reaches nobody across it), a profile shows the name and
// avatar only, follower lists are refused as for a private account, neither
// can follow the other, and neither is suggested to the other. BlockUser
// writes the block first and then ends the follows and requests both ways,
// each as Unfollow would, with its retraction in the activity log. A crash
// in between leaves edges that give no access, since every check asks the
// blocks before the edges, and a repeated BlockUser deletes them. A Follow
// that raced the block looks for it again once its edge is written, and
// takes the edge back: either BlockUser sees the edge, or Follow sees the
// block.
//
// Follow across a block is PermissionDenied with errCannotFollow, whichever
// side blocked: the same answer to both, which names no block.
//
// A mute takes the muted person's posts out of the muter's timeline (the
// feed asks ListMutedIds) and changes nothing else.

// BlockUser blocks a person.
func (h *userServer) BlockUser(ctx context.Context, req *userv1.BlockUserRequest) (*userv1.BlockUserResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.s.block(ctx, caller.UserID, req.GetUsername()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.BlockUserResponse{}, nil
}

// block writes callerID's block of the person named username, then ends the
// follows and requests between them both ways.
func (s *Service) block(ctx context.Context, callerID, username string) error {
	target, err := s.otherPerson(ctx, callerID, username, "cannot block yourself")
	if err != nil {
		return err
	}
	if err := s.store.PutBlock(ctx, callerID, target, now()); err != nil {
		return fmt.Errorf("put block: %w", err)
	}
	if err := s.unfollow(ctx, callerID, target); err != nil {
		return err
	}
	return s.unfollow(ctx, target, callerID)
}

// UnblockUser lifts the caller's block of a person.
func (h *userServer) UnblockUser(ctx context.Context, req *userv1.UnblockUserRequest) (*userv1.UnblockUserResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	target, err := h.s.otherPerson(ctx, caller.UserID, req.GetUsername(), "cannot unblock yourself")
	if err == nil {
		_, err = h.s.store.DeleteBlock(ctx, caller.UserID, target)
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.UnblockUserResponse{}, nil
}

// ListBlocks lists the people the caller blocked.
func (h *userServer) ListBlocks(ctx context.Context, req *userv1.ListBlocksRequest) (*userv1.ListBlocksResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	users, next, err := h.s.listPeople(ctx, caller.UserID, h.s.store.ListBlocks, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.ListBlocksResponse{Users: users, NextPageToken: next}, nil
}

// MuteUser mutes a person.
func (h *userServer) MuteUser(ctx context.Context, req *userv1.MuteUserRequest) (*userv1.MuteUserResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	target, err := h.s.otherPerson(ctx, caller.UserID, req.GetUsername(), "cannot mute yourself")
	if err == nil {
		err = h.s.store.PutMute(ctx, caller.UserID, target, now())
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.MuteUserResponse{}, nil
}

// UnmuteUser lifts the caller's mute of a person.
func (h *userServer) UnmuteUser(ctx context.Context, req *userv1.UnmuteUserRequest) (*userv1.UnmuteUserResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	target, err := h.s.otherPerson(ctx, caller.UserID, req.GetUsername(), "cannot unmute yourself")
	if err == nil {
		_, err = h.s.store.DeleteMute(ctx, caller.UserID, target)
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.UnmuteUserResponse{}, nil
}

// ListMutes lists the people the caller muted.
func (h *userServer) ListMutes(ctx context.Context, req *userv1.ListMutesRequest) (*userv1.ListMutesResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	users, next, err := h.s.listPeople(ctx, caller.UserID, h.s.store.ListMutes, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.ListMutesResponse{Users: users, NextPageToken: next}, nil
}

// ListMutedIds returns the ids of everyone a user muted.
func (h *internalServer) ListMutedIds(ctx context.Context, req *userv1.ListMutedIdsRequest) (*userv1.ListMutedIdsResponse, error) {
	if req.GetUserId() == "" {
		return nil, toStatus(ctx, invalid("user_id", "is required"))
	}
	ids, err := h.s.store.MutedIDs(ctx, req.GetUserId())
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("list the mutes of %s: %w", req.GetUserId(), err))
	}
	return &userv1.ListMutedIdsResponse{UserIds: ids}, nil
}

// ListBlockedIds returns the ids of everyone across a block with a user.
func (h *internalServer) ListBlockedIds(ctx context.Context, req *userv1.ListBlockedIdsRequest) (*userv1.ListBlockedIdsResponse, error) {
	if req.GetUserId() == "" {
		return nil, toStatus(ctx, invalid("user_id", "is required"))
	}
	ids, err := h.s.blockedIDs(ctx, req.GetUserId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.ListBlockedIdsResponse{UserIds: ids}, nil
}

// otherPerson returns the id of the person named username, who must not be
// callerID (self says why not).
func (s *Service) otherPerson(ctx context.Context, callerID, username, self string) (string, error) {
	id, err := s.personID(ctx, username)
	if err != nil {
		return "", err
	}
	if id == callerID {
		return "", invalid("username", self)
	}
	return id, nil
}

// listPeople returns a page of list's people of callerID as summaries.
func (s *Service) listPeople(ctx context.Context, callerID string, list func(context.Context, store.ListPeopleQuery) (store.PeoplePage, error), size int32, token string) ([]*userv1.UserSummary, string, error) {
	limit, err := pageSize(size, defaultPageSize, maxPageSize)
	if err != nil {
		return nil, "", err
	}
	page, err := list(ctx, store.ListPeopleQuery{UserID: callerID, Limit: limit, PageToken: token})
	if err != nil {
		return nil, "", err
	}
	users, err := s.summaries(ctx, callerID, page.UserIDs)
	return users, page.NextPageToken, err
}

// blockedEitherWay reports whether a blocked b or b blocked a.
func (s *Service) blockedEitherWay(ctx context.Context, a, b string) (bool, error) {
	if a == b {
		return false, nil
	}
	aBlockedB, bBlockedA, err := s.store.BlocksBetween(ctx, a, b)
	if err != nil {
		return false, fmt.Errorf("read blocks: %w", err)
	}
	return aBlockedB || bBlockedA, nil
}

// blockedIDs returns the ids of everyone across a block with userID.
func (s *Service) blockedIDs(ctx context.Context, userID string) ([]string, error) {
	ids, err := s.store.BlockedIDs(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list the blocks of %s: %w", userID, err)
	}
	return ids, nil
}

// refuseAcrossBlock returns errCannotFollow when followerID and followeeID
// are across a block, after taking back any edge between them in that
// direction (one a racing Follow just wrote), as Unfollow would.
func (s *Service) refuseAcrossBlock(ctx context.Context, followerID, followeeID string) error {
	blocked, err := s.blockedEitherWay(ctx, followerID, followeeID)
	if err != nil || !blocked {
		return err
	}
	if err := s.unfollow(ctx, followerID, followeeID); err != nil {
		return err
	}
	return errCannotFollow
}

// blockedProfile is u as someone across a block with them sees it: the
// name and avatar only; blockedByYou says whether the caller made the
// block.
func blockedProfile(u *store.User, blockedByYou bool) *userv1.Profile {
	return &userv1.Profile{
		UserId:       u.ID,
		Username:     u.Username,
		FullName:     u.FullName,
		AvatarUrl:    avatarURL(u),
		FollowState:  userv1.FollowState_FOLLOW_STATE_NONE,
		BlockedByYou: blockedByYou,
	}
}

// withoutBlocked returns the first limit of users that are not in
// blocked.
func withoutBlocked(users []*store.User, blocked []string, limit int) []*store.User {
	users = slices.DeleteFunc(users, func(u *store.User) bool { return slices.Contains(blocked, u.ID) })
	return users[:min(len(users), limit)]
}

package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/activity/activitypb"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// maxBatchGet bounds each list of BatchGetUsers and FilterFollowing.
const maxBatchGet = 1000

// Page sizes of ListActivityAfter.
const (
	defaultActivityPageSize = 100
	maxActivityPageSize     = 1000
)

// followWriteDelay bounds how long after its date a follow's write lands
// (see ListFollowingIds): the write waits at most the store's lock timeout
// (10 seconds for SQLite) and then fails.
const followWriteDelay = 15 * time.Second

// internalServer is UserInternalService; authn.Policy lets only callers
// with the service credential reach it.
type internalServer struct {
	userv1.UnimplementedUserInternalServiceServer
	s *Service
}

// CheckCredentials returns the account of an email and password. An
// unknown email costs a password hash too, and answers as a wrong password.
func (h *internalServer) CheckCredentials(ctx context.Context, req *userv1.CheckCredentialsRequest) (*userv1.CheckCredentialsResponse, error) {
	u, err := h.s.store.GetUserByEmail(ctx, strings.TrimSpace(req.GetEmail()))
	if errors.Is(err, store.ErrNotFound) {
		h.s.hasher.VerifyDummy(req.GetPassword())
		return nil, toStatus(ctx, errBadCredentials)
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	ok, err := h.s.hasher.Verify(req.GetPassword(), u.PasswordHash)
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("verify password of %s: %w", u.ID, err))
	}
	if !ok {
		return nil, toStatus(ctx, errBadCredentials)
	}
	return &userv1.CheckCredentialsResponse{User: toUser(u)}, nil
}

// BatchGetUsers returns the summaries of the users named by id or username.
func (h *internalServer) BatchGetUsers(ctx context.Context, req *userv1.BatchGetUsersRequest) (*userv1.BatchGetUsersResponse, error) {
	var fields fieldErrors
	if len(req.GetUserIds()) > maxBatchGet {
		fields.check("user_ids", "at most 1000")
	}
	if len(req.GetUsernames()) > maxBatchGet {
		fields.check("usernames", "at most 1000")
	}
	if err := fields.err(); err != nil {
		return nil, toStatus(ctx, err)
	}
	byID, err := h.s.store.GetUsers(ctx, req.GetUserIds())
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("get users by id: %w", err))
	}
	byName, err := h.s.store.GetUsersByUsernames(ctx, req.GetUsernames())
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("get users by username: %w", err))
	}
	for id, u := range byName {
		byID[id] = u
	}
	resp := &userv1.BatchGetUsersResponse{Users: make([]*userv1.UserSummary, 0, len(byID))}
	for _, u := range byID {
		resp.Users = append(resp.Users, toSummary(u, userv1.FollowState_FOLLOW_STATE_UNSPECIFIED))
	}
	return resp, nil
}

// CanView says whether a viewer may see an owner's photos and lists.
func (h *internalServer) CanView(ctx context.Context, req *userv1.CanViewRequest) (*userv1.CanViewResponse, error) {
	owner, err := h.s.userByID(ctx, req.GetOwnerId())
	if errors.Is(err, errUserNotFound) {
		return &userv1.CanViewResponse{}, nil
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	// Blocks first: an edge a block has not yet ended gives no access.
	blocked, err := h.s.blockedEitherWay(ctx, req.GetViewerId(), owner.ID)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	if blocked {
		return &userv1.CanViewResponse{OwnerExists: true}, nil
	}
	edge, err := h.s.edgeState(ctx, req.GetViewerId(), owner.ID)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	state := followState(req.GetViewerId(), owner.ID, edge)
	return &userv1.CanViewResponse{Allowed: canView(state, owner), OwnerExists: true}, nil
}

// ListFollowingIds pages through the ids a user follows, only those
// followed after followed_after when it is set, and says as of when.
//
// A follow is dated just before its write (see now), and that write lands
// within followWriteDelay; so read_time is the clock at the read less
// followWriteDelay, which guarantees that every follow dated at or before
// it is in this answer. Passing it back as followed_after therefore never
// misses a follow; those of the last followWriteDelay come again.
func (h *internalServer) ListFollowingIds(ctx context.Context, req *userv1.ListFollowingIdsRequest) (*userv1.ListFollowingIdsResponse, error) {
	var after time.Time
	if req.FollowedAfter != nil {
		if err := req.GetFollowedAfter().CheckValid(); err != nil {
			return nil, toStatus(ctx, invalid("followed_after", "not a valid time"))
		}
		after = req.GetFollowedAfter().AsTime()
	}
	readTime := now().Add(-followWriteDelay)
	ids, next, err := h.s.listIDs(ctx, store.ListFollowsQuery{
		UserID: req.GetUserId(), Direction: store.Following, PageToken: req.GetPageToken(), FollowedAfter: after,
	}, req.GetPageSize())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.ListFollowingIdsResponse{UserIds: ids, NextPageToken: next, ReadTime: timestamppb.New(readTime)}, nil
}

// ListFollowerIds pages through the ids of a user's approved followers.
func (h *internalServer) ListFollowerIds(ctx context.Context, req *userv1.ListFollowerIdsRequest) (*userv1.ListFollowerIdsResponse, error) {
	ids, next, err := h.s.listIDs(ctx, store.ListFollowsQuery{
		UserID: req.GetUserId(), Direction: store.Followers, PageToken: req.GetPageToken(),
	}, req.GetPageSize())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.ListFollowerIdsResponse{UserIds: ids, NextPageToken: next}, nil
}

// CountFollowers counts a user's approved followers.
func (h *internalServer) CountFollowers(ctx context.Context, req *userv1.CountFollowersRequest) (*userv1.CountFollowersResponse, error) {
	if req.GetUserId() == "" {
		return nil, toStatus(ctx, invalid("user_id", "is required"))
	}
	n, err := h.s.store.CountFollows(ctx, req.GetUserId(), store.Followers, store.FollowFollowing)
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("count followers of %s: %w", req.GetUserId(), err))
	}
	return &userv1.CountFollowersResponse{FollowerCount: n}, nil
}

// listIDs returns one page of the FOLLOWING edges q names, as the ids at
// their far end, with the page size asked for.
func (s *Service) listIDs(ctx context.Context, q store.ListFollowsQuery, size int32) ([]string, string, error) {
	if q.UserID == "" {
		return nil, "", invalid("user_id", "is required")
	}
	limit, err := pageSize(size, defaultIDPageSize, maxIDPageSize)
	if err != nil {
		return nil, "", err
	}
	q.State, q.Limit = store.FollowFollowing, limit
	page, err := s.store.ListFollows(ctx, q)
	if err != nil {
		return nil, "", err
	}
	return otherIDs(page.Follows, q.Direction), page.NextPageToken, nil
}

// FilterFollowing returns which of the given accounts a user follows. An
// account across a block with the user is never among them, even while
// an edge the block has not yet ended stands.
func (h *internalServer) FilterFollowing(ctx context.Context, req *userv1.FilterFollowingRequest) (*userv1.FilterFollowingResponse, error) {
	var fields fieldErrors
	if req.GetUserId() == "" {
		fields.check("user_id", "is required")
	}
	if len(req.GetOwnerIds()) > maxBatchGet {
		fields.check("owner_ids", "at most 1000")
	}
	if err := fields.err(); err != nil {
		return nil, toStatus(ctx, err)
	}
	states, err := h.s.store.GetFollowStates(ctx, req.GetUserId(), req.GetOwnerIds())
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("get follow states: %w", err))
	}
	blocked := map[string]bool{}
	if len(states) > 0 {
		ids, err := h.s.blockedIDs(ctx, req.GetUserId())
		if err != nil {
			return nil, toStatus(ctx, err)
		}
		for _, id := range ids {
			blocked[id] = true
		}
	}
	resp := &userv1.FilterFollowingResponse{}
	for id, state := range states {
		if state == store.FollowFollowing && !blocked[id] {
			resp.OwnerIds = append(resp.OwnerIds, id)
		}
	}
	return resp, nil
}

// SetAvatar records a user's new avatar and returns the previous one.
func (h *internalServer) SetAvatar(ctx context.Context, req *userv1.SetAvatarRequest) (*userv1.SetAvatarResponse, error) {
	if req.GetUserId() == "" {
		return nil, toStatus(ctx, invalid("user_id", "is required"))
	}
	var previous string
	u, err := h.s.store.UpdateUser(ctx, req.GetUserId(), func(u *store.User) error {
		previous = u.AvatarImageID
		u.AvatarImageID, u.UpdatedAt = req.GetAvatarImageId(), now()
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = errUserNotFound
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.SetAvatarResponse{PreviousAvatarImageId: previous, AvatarUrl: avatarURL(u)}, nil
}

// ListActivityAfter pages through the activity log, oldest first, strictly
// after the cursor asked for.
func (h *internalServer) ListActivityAfter(ctx context.Context, req *userv1.ListActivityAfterRequest) (*userv1.ListActivityAfterResponse, error) {
	limit, err := pageSize(req.GetPageSize(), defaultActivityPageSize, maxActivityPageSize)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	if after := req.GetAfter(); after != nil {
		if err := after.GetTime().CheckValid(); err != nil {
			return nil, toStatus(ctx, invalid("after.time", "not a valid time"))
		}
	}
	events, err := h.s.store.ListEventsAfter(ctx, activitypb.CursorFromProto(req.GetAfter()), limit)
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("list activity: %w", err))
	}
	resp := &userv1.ListActivityAfterResponse{Events: make([]*activityv1.Event, len(events))}
	for i, ev := range events {
		resp.Events[i] = activitypb.ToProto(ev)
	}
	return resp, nil
}

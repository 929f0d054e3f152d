package service

import (
	"context"
	"errors"
	"fmt"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/authn"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// The follow graph is a set of edges follower → followee, each REQUESTED
// or FOLLOWING; no edge means NONE:
//
//	NONE      --Follow (public account)-->          FOLLOWING
//	NONE      --Follow (private account)-->         REQUESTED
//	REQUESTED --AcceptFollowRequest-->              FOLLOWING
//	REQUESTED --owner turns the account public-->   FOLLOWING
//	REQUESTED --RejectFollowRequest, Unfollow-->    NONE
//	FOLLOWING --Unfollow, RemoveFollower-->         NONE
//
// Follow on an existing edge leaves it as it is; a public account turned
// private keeps its followers.
//
// An edge is dated when it reaches its state: the follow, the request, and
// again when the request is accepted, one by one or by the account turning
// public. The feed learns of new follows by these dates (ListFollowingIds
// with followed_after), so an accepted request must look new.

// Follow follows a public account or asks a private one.
func (h *userServer) Follow(ctx context.Context, req *userv1.FollowRequest) (*userv1.FollowResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	state, err := h.s.follow(ctx, caller.UserID, req.GetUsername())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.FollowResponse{FollowState: protoState(state)}, nil
}

func (s *Service) follow(ctx context.Context, callerID, username string) (store.FollowState, error) {
	if err := requiredUsername(username); err != nil {
		return "", err
	}
	target, err := s.userByUsername(ctx, username)
	if err != nil {
		return "", err
	}
	if target.ID == callerID {
		return "", invalid("username", "cannot follow yourself")
	}
	if err := s.refuseAcrossBlock(ctx, callerID, target.ID); err != nil {
		return "", err
	}
	state := store.FollowFollowing
	if target.IsPrivate {
		state = store.FollowRequested
	}
	want := store.Follow{FollowerID: callerID, FolloweeID: target.ID, State: state, CreatedAt: now()}
	edge, err := s.store.PutFollowIfAbsent(ctx, want)
	if err != nil {
		return "", fmt.Errorf("put follow: %w", err)
	}
	// An edge found in place is an earlier Follow's, which recorded it.
	created := edge.State == want.State && edge.CreatedAt.Equal(want.CreatedAt)
	// A block made since the check above: BlockUser deletes the edges
	// after it writes the block, so either it saw this edge or this sees
	// its block.
	if err := s.refuseAcrossBlock(ctx, callerID, target.ID); err != nil {
		return "", err
	}
	if edge.State != store.FollowRequested {
		if created {
			s.recordActivity(ctx, followEvent(activity.Follow, callerID, target.ID, edge.CreatedAt, false))
		}
		return edge.State, nil
	}
	// The account may have turned public since it was read, after its
	// pending requests were accepted: a request left now would wait
	// forever.
	fresh, err := s.userByID(ctx, target.ID)
	if err != nil || fresh.IsPrivate {
		if created {
			s.recordActivity(ctx, followEvent(activity.FollowRequest, callerID, target.ID, edge.CreatedAt, false))
		}
		return edge.State, err
	}
	at := now()
	err = s.store.SetFollowState(ctx, callerID, target.ID, store.FollowRequested, store.FollowFollowing, at)
	switch {
	case err == nil && created:
		// The request never stood: this is a follow of a public account.
		s.recordActivity(ctx, followEvent(activity.Follow, callerID, target.ID, at, false))
	case err == nil:
		s.recordActivity(ctx, acceptEvents(callerID, target.ID, at)...)
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("accept follow request: %w", err)
	}
	// ErrNotFound: the request was answered meanwhile (accepted as the
	// account turned public, or cancelled), and whoever answered it
	// recorded the answer.
	return s.edgeState(ctx, callerID, target.ID)
}

// Unfollow stops following or cancels a request.
func (h *userServer) Unfollow(ctx context.Context, req *userv1.UnfollowRequest) (*userv1.UnfollowResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	followee, err := h.s.personID(ctx, req.GetUsername())
	if err == nil {
		err = h.s.unfollow(ctx, caller.UserID, followee)
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.UnfollowResponse{FollowState: userv1.FollowState_FOLLOW_STATE_NONE}, nil
}

// unfollow deletes the edge from followerID to followeeID, whichever its
// state, and records the follow or the request it took back.
func (s *Service) unfollow(ctx context.Context, followerID, followeeID string) error {
	for {
		state, err := s.edgeState(ctx, followerID, followeeID)
		if err != nil || state == "" {
			return err
		}
		at := now()
		deleted, err := s.store.DeleteFollow(ctx, followerID, followeeID, state)
		if err != nil {
			return fmt.Errorf("delete follow: %w", err)
		}
		if deleted {
			s.recordActivity(ctx, followEvent(edgeKind(state), followerID, followeeID, at, true))
			return nil
		}
		// The edge changed since it was read (the request was answered):
		// read it again. Each pass follows someone else's change, and an
		// edge only moves forward (requested, following, gone), so this
		// ends.
	}
}

// RemoveFollower makes someone stop following the caller.
func (h *userServer) RemoveFollower(ctx context.Context, req *userv1.RemoveFollowerRequest) (*userv1.RemoveFollowerResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	follower, err := h.s.personID(ctx, req.GetUsername())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	at := now()
	deleted, err := h.s.store.DeleteFollow(ctx, follower, caller.UserID, store.FollowFollowing)
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("delete follow: %w", err))
	}
	if deleted {
		h.s.recordActivity(ctx, followEvent(activity.Follow, follower, caller.UserID, at, true))
	}
	return &userv1.RemoveFollowerResponse{}, nil
}

// RejectFollowRequest drops a pending request to the caller.
func (h *userServer) RejectFollowRequest(ctx context.Context, req *userv1.RejectFollowRequestRequest) (*userv1.RejectFollowRequestResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	err = h.s.answerRequest(ctx, req.GetUsername(), func(requesterID string) error {
		at := now()
		deleted, err := h.s.store.DeleteFollow(ctx, requesterID, caller.UserID, store.FollowRequested)
		if err != nil {
			return fmt.Errorf("delete follow request: %w", err)
		}
		if !deleted {
			return store.ErrNotFound
		}
		h.s.recordActivity(ctx, followEvent(activity.FollowRequest, requesterID, caller.UserID, at, true))
		return nil
	})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.RejectFollowRequestResponse{}, nil
}

// AcceptFollowRequest turns a pending request to the caller into a follow.
func (h *userServer) AcceptFollowRequest(ctx context.Context, req *userv1.AcceptFollowRequestRequest) (*userv1.AcceptFollowRequestResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	err = h.s.answerRequest(ctx, req.GetUsername(), func(requesterID string) error {
		at := now()
		if err := h.s.store.SetFollowState(ctx, requesterID, caller.UserID, store.FollowRequested, store.FollowFollowing, at); err != nil {
			return fmt.Errorf("accept follow request: %w", err)
		}
		h.s.recordActivity(ctx, acceptEvents(requesterID, caller.UserID, at)...)
		return nil
	})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.AcceptFollowRequestResponse{}, nil
}

// answerRequest runs answer on the id of the person named username, and
// turns a missing person or a missing request into errNoFollowRequest.
func (s *Service) answerRequest(ctx context.Context, username string, answer func(requesterID string) error) error {
	requester, err := s.personID(ctx, username)
	if err == nil {
		err = answer(requester)
	}
	if errors.Is(err, errUserNotFound) || errors.Is(err, store.ErrNotFound) {
		return errNoFollowRequest
	}
	return err
}

// personID returns the id of the person named username in a request.
func (s *Service) personID(ctx context.Context, username string) (string, error) {
	if err := requiredUsername(username); err != nil {
		return "", err
	}
	u, err := s.userByUsername(ctx, username)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// ListFollowers lists who follows a person.
func (h *userServer) ListFollowers(ctx context.Context, req *userv1.ListFollowersRequest) (*userv1.ListFollowersResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	users, next, err := h.s.listFollows(ctx, caller.UserID, req.GetUsername(), store.Followers, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.ListFollowersResponse{Users: users, NextPageToken: next}, nil
}

// ListFollowing lists whom a person follows.
func (h *userServer) ListFollowing(ctx context.Context, req *userv1.ListFollowingRequest) (*userv1.ListFollowingResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	users, next, err := h.s.listFollows(ctx, caller.UserID, req.GetUsername(), store.Following, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.ListFollowingResponse{Users: users, NextPageToken: next}, nil
}

// listFollows returns a page of the followers or followings of the person
// named username, if the caller may see them.
func (s *Service) listFollows(ctx context.Context, callerID, username string, direction store.Direction, size int32, token string) ([]*userv1.UserSummary, string, error) {
	limit, err := pageSize(size, defaultPageSize, maxPageSize)
	if err != nil {
		return nil, "", err
	}
	if err := requiredUsername(username); err != nil {
		return nil, "", err
	}
	owner, err := s.userByUsername(ctx, username)
	if err != nil {
		return nil, "", err
	}
	blocked, err := s.blockedEitherWay(ctx, callerID, owner.ID)
	if err != nil {
		return nil, "", err
	}
	toOwner, err := s.edgeState(ctx, callerID, owner.ID)
	if err != nil {
		return nil, "", err
	}
	if blocked || !canView(followState(callerID, owner.ID, toOwner), owner) {
		return nil, "", errPrivateAccount
	}
	page, err := s.store.ListFollows(ctx, store.ListFollowsQuery{
		UserID: owner.ID, Direction: direction, State: store.FollowFollowing, Limit: limit, PageToken: token,
	})
	if err != nil {
		return nil, "", err
	}
	users, err := s.summaries(ctx, callerID, otherIDs(page.Follows, direction))
	return users, page.NextPageToken, err
}

// otherIDs returns the ids at the far end of edges listed in direction.
func otherIDs(follows []store.Follow, direction store.Direction) []string {
	ids := make([]string, len(follows))
	for i, f := range follows {
		ids[i] = f.FollowerID
		if direction == store.Following {
			ids[i] = f.FolloweeID
		}
	}
	return ids
}

// summaries returns the people with ids, in that order, each with the
// caller's follow state toward them; ids with no account are left out.
func (s *Service) summaries(ctx context.Context, callerID string, ids []string) ([]*userv1.UserSummary, error) {
	users, err := s.store.GetUsers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("get users: %w", err)
	}
	states, err := s.store.GetFollowStates(ctx, callerID, ids)
	if err != nil {
		return nil, fmt.Errorf("get follow states: %w", err)
	}
	out := make([]*userv1.UserSummary, 0, len(ids))
	for _, id := range ids {
		if u, ok := users[id]; ok {
			out = append(out, toSummary(u, followState(callerID, id, states[id])))
		}
	}
	return out, nil
}

// ListFollowRequests lists the pending requests the caller received.
func (h *userServer) ListFollowRequests(ctx context.Context, req *userv1.ListFollowRequestsRequest) (*userv1.ListFollowRequestsResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := h.s.followRequests(ctx, caller.UserID, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

func (s *Service) followRequests(ctx context.Context, callerID string, req *userv1.ListFollowRequestsRequest) (*userv1.ListFollowRequestsResponse, error) {
	limit, err := pageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	if err != nil {
		return nil, err
	}
	page, err := s.store.ListFollows(ctx, store.ListFollowsQuery{
		UserID: callerID, Direction: store.Followers, State: store.FollowRequested, Limit: limit, PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	total, err := s.store.CountFollows(ctx, callerID, store.Followers, store.FollowRequested)
	if err != nil {
		return nil, fmt.Errorf("count follow requests: %w", err)
	}
	users, err := s.summaries(ctx, callerID, otherIDs(page.Follows, store.Followers))
	if err != nil {
		return nil, err
	}
	return &userv1.ListFollowRequestsResponse{Users: users, NextPageToken: page.NextPageToken, TotalCount: total}, nil
}

// ListSuggestions proposes public accounts to follow.
func (h *userServer) ListSuggestions(ctx context.Context, req *userv1.ListSuggestionsRequest) (*userv1.ListSuggestionsResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	// Those across a block with the caller are asked for on top, and left
	// out.
	blocked, err := h.s.blockedIDs(ctx, caller.UserID)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	users, err := h.s.store.ListSuggestions(ctx, caller.UserID, limit+len(blocked))
	if err != nil {
		return nil, toStatus(ctx, fmt.Errorf("list suggestions: %w", err))
	}
	users = withoutBlocked(users, blocked, limit)
	resp := &userv1.ListSuggestionsResponse{Users: make([]*userv1.UserSummary, len(users))}
	for i, u := range users {
		resp.Users[i] = toSummary(u, userv1.FollowState_FOLLOW_STATE_NONE)
	}
	return resp, nil
}

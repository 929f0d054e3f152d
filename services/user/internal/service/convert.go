package service

import (
	"net/url"

	"google.golang.org/protobuf/types/known/timestamppb"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// avatarURL is where the gateway serves u's avatar, versioned by the image
// id so that caches drop an old one; empty when u has none.
func avatarURL(u *store.User) string {
	if u.AvatarImageID == "" {
		return ""
	}
	return "/v1/users/" + url.PathEscape(u.Username) + "/avatar?v=" + url.QueryEscape(u.AvatarImageID)
}

// toUser is u with its private fields, for its owner and the services.
// The password hash is never part of it.
func toUser(u *store.User) *userv1.User {
	return &userv1.User{
		UserId:         u.ID,
		Email:          u.Email,
		Username:       u.Username,
		FullName:       u.FullName,
		Bio:            u.Bio,
		Website:        u.Website,
		Gender:         u.Gender,
		IsPrivate:      u.IsPrivate,
		IsProfessional: u.IsProfessional,
		AvatarUrl:      avatarURL(u),
		CreateTime:     timestamppb.New(u.CreatedAt),
		UpdateTime:     timestamppb.New(u.UpdatedAt),
	}
}

// toSummary is u in a list; state is how the caller relates to u (unset in
// internal lookups).
func toSummary(u *store.User, state userv1.FollowState) *userv1.UserSummary {
	return &userv1.UserSummary{
		UserId:         u.ID,
		Username:       u.Username,
		FullName:       u.FullName,
		AvatarUrl:      avatarURL(u),
		IsPrivate:      u.IsPrivate,
		IsProfessional: u.IsProfessional,
		FollowState:    state,
	}
}

// followState is how the person with callerID relates to the person with
// targetID, given the state of the edge between them ("" for none).
func followState(callerID, targetID string, edge store.FollowState) userv1.FollowState {
	if callerID == targetID {
		return userv1.FollowState_FOLLOW_STATE_SELF
	}
	return protoState(edge)
}

// protoState is the FollowState of an edge in state edge ("" for none).
func protoState(edge store.FollowState) userv1.FollowState {
	switch edge {
	case store.FollowFollowing:
		return userv1.FollowState_FOLLOW_STATE_FOLLOWING
	case store.FollowRequested:
		return userv1.FollowState_FOLLOW_STATE_REQUESTED
	}
	return userv1.FollowState_FOLLOW_STATE_NONE
}

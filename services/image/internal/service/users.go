package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/grpc"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

// Users is what the image service asks the user service. Errors other than
// ErrUserNotFound are failures of the user service, which callers see as
// Unavailable.
type Users interface {
	// CanView reports whether viewerID may see ownerID's photos (false
	// too when the owner does not exist).
	CanView(ctx context.Context, viewerID, ownerID string) (bool, error)
	// People returns those of ids that exist, by user ID.
	People(ctx context.Context, ids []string) (map[string]Person, error)
	// PeopleNamed returns those of usernames (any letter case) that exist.
	PeopleNamed(ctx context.Context, usernames []string) ([]Person, error)
	// UserID returns the user ID of username (any letter case), or
	// ErrUserNotFound.
	UserID(ctx context.Context, username string) (string, error)
	// SetAvatar records imageID as userID's avatar and returns the image ID
	// of the previous one ("" if none) and the avatar's URL.
	SetAvatar(ctx context.Context, userID, imageID string) (previousImageID, avatarURL string, err error)
	// BlockedIDs returns the ids of everyone on the other side of a block
	// with userID, in either direction.
	BlockedIDs(ctx context.Context, userID string) ([]string, error)
	// Following returns those of ownerIDs that userID follows (approved
	// follows only).
	Following(ctx context.Context, userID string, ownerIDs []string) ([]string, error)
}

// Person is a user as the image service shows them beside a photo or a
// comment.
type Person struct {
	ID       string
	Username string
	// AvatarURL is where their avatar is served; empty when none is set.
	AvatarURL string
	// Private marks a private account, whose photos only its approved
	// followers see.
	Private bool
}

// UserClient is Users over the user service's internal gRPC API. The
// connection must carry the service credential.
type UserClient struct {
	client userv1.UserInternalServiceClient
}

var _ Users = (*UserClient)(nil)

// NewUserClient returns a UserClient calling the user service over conn.
func NewUserClient(conn grpc.ClientConnInterface) *UserClient {
	return &UserClient{client: userv1.NewUserInternalServiceClient(conn)}
}

// CanView asks UserInternalService.CanView.
func (c *UserClient) CanView(ctx context.Context, viewerID, ownerID string) (bool, error) {
	resp, err := c.client.CanView(ctx, &userv1.CanViewRequest{ViewerId: viewerID, OwnerId: ownerID})
	if err != nil {
		return false, fmt.Errorf("can view: %w", err)
	}
	return resp.GetAllowed(), nil
}

// People asks UserInternalService.BatchGetUsers, once.
func (c *UserClient) People(ctx context.Context, ids []string) (map[string]Person, error) {
	people := make(map[string]Person, len(ids))
	if len(ids) == 0 {
		return people, nil
	}
	found, err := c.batchGet(ctx, &userv1.BatchGetUsersRequest{UserIds: ids})
	if err != nil {
		return nil, err
	}
	for _, p := range found {
		people[p.ID] = p
	}
	return people, nil
}

// PeopleNamed asks UserInternalService.BatchGetUsers, once.
func (c *UserClient) PeopleNamed(ctx context.Context, usernames []string) ([]Person, error) {
	if len(usernames) == 0 {
		return nil, nil
	}
	return c.batchGet(ctx, &userv1.BatchGetUsersRequest{Usernames: usernames})
}

// batchGet asks UserInternalService.BatchGetUsers for the people req names.
func (c *UserClient) batchGet(ctx context.Context, req *userv1.BatchGetUsersRequest) ([]Person, error) {
	resp, err := c.client.BatchGetUsers(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("batch get users: %w", err)
	}
	people := make([]Person, len(resp.GetUsers()))
	for i, u := range resp.GetUsers() {
		people[i] = Person{ID: u.GetUserId(), Username: u.GetUsername(), AvatarURL: u.GetAvatarUrl(), Private: u.GetIsPrivate()}
	}
	return people, nil
}

// UserID asks UserInternalService.BatchGetUsers for one username.
func (c *UserClient) UserID(ctx context.Context, username string) (string, error) {
	resp, err := c.client.BatchGetUsers(ctx, &userv1.BatchGetUsersRequest{Usernames: []string{username}})
	if err != nil {
		return "", fmt.Errorf("batch get users: %w", err)
	}
	if len(resp.GetUsers()) == 0 {
		return "", ErrUserNotFound
	}
	return resp.GetUsers()[0].GetUserId(), nil
}

// SetAvatar asks UserInternalService.SetAvatar.
func (c *UserClient) SetAvatar(ctx context.Context, userID, imageID string) (string, string, error) {
	resp, err := c.client.SetAvatar(ctx, &userv1.SetAvatarRequest{UserId: userID, AvatarImageId: imageID})
	if err != nil {
		return "", "", fmt.Errorf("set avatar: %w", err)
	}
	return resp.GetPreviousAvatarImageId(), resp.GetAvatarUrl(), nil
}

// BlockedIDs asks UserInternalService.ListBlockedIds.
func (c *UserClient) BlockedIDs(ctx context.Context, userID string) ([]string, error) {
	resp, err := c.client.ListBlockedIds(ctx, &userv1.ListBlockedIdsRequest{UserId: userID})
	if err != nil {
		return nil, fmt.Errorf("list blocked ids: %w", err)
	}
	return resp.GetUserIds(), nil
}

// maxFilterFollowing is the most owners one FilterFollowing call checks.
const maxFilterFollowing = 1000

// Following asks UserInternalService.FilterFollowing, once per thousand
// owners.
func (c *UserClient) Following(ctx context.Context, userID string, ownerIDs []string) ([]string, error) {
	var following []string
	for chunk := range slices.Chunk(ownerIDs, maxFilterFollowing) {
		resp, err := c.client.FilterFollowing(ctx, &userv1.FilterFollowingRequest{UserId: userID, OwnerIds: chunk})
		if err != nil {
			return nil, fmt.Errorf("filter following: %w", err)
		}
		following = append(following, resp.GetOwnerIds()...)
	}
	return following, nil
}

// upstreamUsers marks the failures of a Users as errUpstream.
type upstreamUsers struct {
	users Users
}

func upstream(err error) error {
	if err == nil || errors.Is(err, ErrUserNotFound) {
		return err
	}
	return fmt.Errorf("%w: %v", errUpstream, err)
}

func (u upstreamUsers) CanView(ctx context.Context, viewerID, ownerID string) (bool, error) {
	ok, err := u.users.CanView(ctx, viewerID, ownerID)
	return ok, upstream(err)
}

func (u upstreamUsers) People(ctx context.Context, ids []string) (map[string]Person, error) {
	people, err := u.users.People(ctx, ids)
	return people, upstream(err)
}

func (u upstreamUsers) PeopleNamed(ctx context.Context, usernames []string) ([]Person, error) {
	people, err := u.users.PeopleNamed(ctx, usernames)
	return people, upstream(err)
}

func (u upstreamUsers) UserID(ctx context.Context, username string) (string, error) {
	id, err := u.users.UserID(ctx, username)
	return id, upstream(err)
}

func (u upstreamUsers) SetAvatar(ctx context.Context, userID, imageID string) (string, string, error) {
	previous, url, err := u.users.SetAvatar(ctx, userID, imageID)
	return previous, url, upstream(err)
}

func (u upstreamUsers) BlockedIDs(ctx context.Context, userID string) ([]string, error) {
	ids, err := u.users.BlockedIDs(ctx, userID)
	return ids, upstream(err)
}

func (u upstreamUsers) Following(ctx context.Context, userID string, ownerIDs []string) ([]string, error) {
	ids, err := u.users.Following(ctx, userID, ownerIDs)
	return ids, upstream(err)
}

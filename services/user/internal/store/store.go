// Package store is the user service's persistence port: the accounts (the
// original fotogal_ntable_users), the follow graph, blocks and mutes, and
// the activity log of follows and follow requests that the feed tails for
// notifications, and the records of account deletions (deletions.go).
//
// The interface is shaped for what Oracle NoSQL can do as well as SQLite:
// uniqueness of email and username lives in lookup rows written
// put-if-absent (CreateUser), every key fits in 64 bytes, a follow edge is a
// row of its own so that no row grows with a person's popularity, updates
// are conditional writes (UpdateUser, SetFollowState, DeleteFollow) rather
// than read-modify-write races, and lists are keyset-paged on
// (created_ts, user id) with opaque page tokens.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
)

// Errors the adapters return, to be tested with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist (or not in the
	// state asked for).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a write lost to a concurrent one, or a row with the
	// same key exists already.
	ErrConflict = errors.New("store: conflict")
	// ErrEmailTaken means another account has the email, in any letter case.
	ErrEmailTaken = errors.New("store: email taken")
	// ErrUsernameTaken means another account has the username, in any
	// letter case.
	ErrUsernameTaken = errors.New("store: username taken")
	// ErrInvalidPageToken means a page token was not one this store made.
	ErrInvalidPageToken = errors.New("store: invalid page token")
)

// User is one account.
type User struct {
	ID             string
	Email          string
	Username       string
	FullName       string
	Bio            string
	Website        string
	Gender         string
	IsPrivate      bool
	IsProfessional bool
	// PasswordHash is the encoded argon2id hash; never shown to anyone.
	PasswordHash string
	// AvatarImageID is the image service's id of the avatar, or empty.
	AvatarImageID string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FollowState is the state of a follow edge.
type FollowState string

// The states of a follow edge. An absent edge means neither.
const (
	// FollowRequested is a request to follow a private account, waiting
	// for its owner's approval.
	FollowRequested FollowState = "REQUESTED"
	// FollowFollowing is an approved follow.
	FollowFollowing FollowState = "FOLLOWING"
)

// Follow is one edge of the follow graph: FollowerID follows (or asked to
// follow) FolloweeID since CreatedAt.
type Follow struct {
	FollowerID string
	FolloweeID string
	State      FollowState
	// CreatedAt is when the edge reached its state: the follow, the
	// request, or the acceptance of the request.
	CreatedAt time.Time
}

// Direction says which side of the edges a list is about.
type Direction int

const (
	// Followers lists the edges that point to the user: who follows them.
	Followers Direction = iota + 1
	// Following lists the edges that start at the user: whom they follow.
	Following
)

// ListFollowsQuery asks for one page of the edges of a user in one state,
// newest first.
type ListFollowsQuery struct {
	UserID    string
	Direction Direction
	State     FollowState
	// Limit is the page size; the caller bounds it.
	Limit int
	// PageToken is the NextPageToken of the previous page, or empty.
	PageToken string
	// FollowedAfter, when set, keeps only the edges whose CreatedAt is
	// strictly after it: those that reached State since then.
	FollowedAfter time.Time
}

// FollowPage is one page of edges.
type FollowPage struct {
	Follows []Follow
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

// Store keeps the accounts, the follow graph and its activity log.
// Implementations are safe for concurrent use.
type Store interface {
	Counters
	Blocks
	Deletions
	// Log is the user service's activity log: follows and follow requests,
	// their acceptances and retractions, which the feed tails for
	// notifications. See pkg/activity for its semantics.
	activity.Log

	// CreateUser inserts u, whose ID, CreatedAt and UpdatedAt the caller
	// sets. It returns ErrEmailTaken or ErrUsernameTaken when another
	// account holds either (in any letter case), leaving nothing behind,
	// and ErrConflict when the ID is taken.
	CreateUser(ctx context.Context, u *User) error
	// GetUser returns the account with id, or ErrNotFound.
	GetUser(ctx context.Context, id string) (*User, error)
	// GetUserByUsername returns the account with username in any letter
	// case, or ErrNotFound.
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	// GetUserByEmail returns the account with email in any letter case, or
	// ErrNotFound.
	GetUserByEmail(ctx context.Context, email string) (*User, error)
	// GetUsers returns the accounts with the ids that exist, by id.
	GetUsers(ctx context.Context, ids []string) (map[string]*User, error)
	// GetUsersByUsernames returns the accounts with the usernames (in any
	// letter case) that exist, by id.
	GetUsersByUsernames(ctx context.Context, usernames []string) (map[string]*User, error)
	// UpdateUser reads the account with id, lets update change it and
	// writes it back, all without losing a concurrent update: update may
	// run more than once and must only change *User. An error from update
	// aborts the change and is returned as is. Email, username, ID and
	// CreatedAt cannot change. It returns the account as written, or
	// ErrNotFound.
	UpdateUser(ctx context.Context, id string, update func(*User) error) (*User, error)
	// ListSuggestions returns up to limit public accounts other than
	// userID's that userID neither follows nor asked to follow,
	// professional ones first, then newest first.
	ListSuggestions(ctx context.Context, userID string, limit int) ([]*User, error)

	// PutFollowIfAbsent inserts f unless an edge from f.FollowerID to
	// f.FolloweeID exists, and returns the edge as it stands afterwards
	// (f, or the existing one untouched).
	PutFollowIfAbsent(ctx context.Context, f Follow) (Follow, error)
	// GetFollowStates returns the state of the edge from followerID to each
	// of followeeIDs that has one.
	GetFollowStates(ctx context.Context, followerID string, followeeIDs []string) (map[string]FollowState, error)
	// SetFollowState moves the edge from followerID to followeeID from
	// state from to state to, dated at; ErrNotFound when there is no such
	// edge in state from.
	SetFollowState(ctx context.Context, followerID, followeeID string, from, to FollowState, at time.Time) error
	// DeleteFollow deletes the edge from followerID to followeeID when it is
	// in state (any state when state is empty) and reports whether it did.
	DeleteFollow(ctx context.Context, followerID, followeeID string, state FollowState) (bool, error)
	// AcceptFollowRequests turns every REQUESTED edge to followeeID into a
	// FOLLOWING one dated at, and returns how many it turned.
	AcceptFollowRequests(ctx context.Context, followeeID string, at time.Time) (int, error)
	// CountFollows counts the edges of userID in direction and state.
	CountFollows(ctx context.Context, userID string, direction Direction, state FollowState) (int64, error)
	// ListFollows returns one page of the edges of a user, newest first
	// (CreatedAt, then the other user's id, descending), only those dated
	// after q.FollowedAfter when it is set. Paging never repeats or skips
	// an edge that stays put; ErrInvalidPageToken for a token it did not
	// make.
	ListFollows(ctx context.Context, q ListFollowsQuery) (FollowPage, error)

	// SearchUsers returns up to q.Limit distinct people whose folded
	// username, or a folded word of whose full name (pkg/fold), starts with
	// the folded q.Prefix: the one whose username is the prefix first, the
	// others by username. Which others, when more match, are the first in
	// the order of their matching terms. The search index behind it is
	// written with the account (CreateUser, UpdateUser); see search.go.
	SearchUsers(ctx context.Context, q SearchQuery) ([]*User, error)

	// Close releases the store's resources.
	Close() error
}

// Blocks keeps who blocked whom and who muted whom: each block and each
// mute is a row of its own, dated when it was made, so that none grows with
// a person's popularity.
type Blocks interface {
	// PutBlock records that blockerID blocked blockedID at at; a block
	// already in place keeps its date.
	PutBlock(ctx context.Context, blockerID, blockedID string, at time.Time) error
	// DeleteBlock lifts blockerID's block of blockedID and reports whether
	// there was one.
	DeleteBlock(ctx context.Context, blockerID, blockedID string) (bool, error)
	// BlocksBetween reports whether a blocked b and whether b blocked a.
	BlocksBetween(ctx context.Context, a, b string) (aBlockedB, bBlockedA bool, err error)
	// BlockedIDs returns the ids of everyone on the other side of a block
	// with userID, whichever blocked the other, each once, in no
	// particular order.
	BlockedIDs(ctx context.Context, userID string) ([]string, error)
	// ListBlocks returns one page of the people q.UserID blocked, most
	// recent first (then by id, descending); ErrInvalidPageToken for a
	// token it did not make.
	ListBlocks(ctx context.Context, q ListPeopleQuery) (PeoplePage, error)

	// PutMute records that muterID muted mutedID at at; a mute already in
	// place keeps its date.
	PutMute(ctx context.Context, muterID, mutedID string, at time.Time) error
	// DeleteMute lifts muterID's mute of mutedID and reports whether there
	// was one.
	DeleteMute(ctx context.Context, muterID, mutedID string) (bool, error)
	// IsMuted reports whether muterID muted mutedID.
	IsMuted(ctx context.Context, muterID, mutedID string) (bool, error)
	// MutedIDs returns the ids of everyone muterID muted, in no particular
	// order.
	MutedIDs(ctx context.Context, muterID string) ([]string, error)
	// ListMutes returns one page of the people q.UserID muted, most recent
	// first (then by id, descending); ErrInvalidPageToken for a token it
	// did not make.
	ListMutes(ctx context.Context, q ListPeopleQuery) (PeoplePage, error)
}

// ListPeopleQuery asks for one page of the people a user blocked or muted.
type ListPeopleQuery struct {
	UserID string
	// Limit is the page size; the caller bounds it.
	Limit int
	// PageToken is the NextPageToken of the previous page, or empty.
	PageToken string
}

// PeoplePage is one page of the people a user blocked or muted.
type PeoplePage struct {
	// UserIDs are their ids, most recent first.
	UserIDs []string
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

// UsernameKey returns the key of the username lookup row: the username in
// lower case (at most 30 bytes for a valid one).
func UsernameKey(username string) string {
	return strings.ToLower(username)
}

// EmailKey returns the key of the email lookup row: the SHA-256 of the email
// in lower case, base64url without padding (43 bytes), so that a 254-byte
// email still fits a 64-byte key.
func EmailKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Cursor is the position after the last edge of a page.
type Cursor struct {
	CreatedAt time.Time
	// UserID is the other user of the edge: the follower in a list of
	// followers, the followee in a list of followings.
	UserID string
}

// EncodePageToken returns the opaque page token of c.
func EncodePageToken(c Cursor) string {
	raw := strconv.FormatInt(c.CreatedAt.UnixNano(), 10) + ":" + c.UserID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodePageToken returns the cursor of a token made by EncodePageToken, or
// ErrInvalidPageToken.
func DecodePageToken(token string) (Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Cursor{}, ErrInvalidPageToken
	}
	ts, id, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return Cursor{}, ErrInvalidPageToken
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Cursor{}, ErrInvalidPageToken
	}
	return Cursor{CreatedAt: time.Unix(0, ns).UTC(), UserID: id}, nil
}

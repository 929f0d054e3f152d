// Package service implements FotoGal's user service: the gRPC servers of
// fotogal.user.v1.UserService (accounts, profiles, the follow graph) and
// fotogal.user.v1.UserInternalService (credential checks and lookups for
// the other services), over a store.Store.
//
// User ids are 16 random bytes in lower-case base32 without padding (26
// characters): random, URL-safe, never sequential.
package service

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"google.golang.org/grpc"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/user/internal/password"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// PublicMethods are the methods that need no session (for authn.Policy).
var PublicMethods = map[string]bool{
	userv1.UserService_Register_FullMethodName: true,
}

// Config holds what a Service is built from.
type Config struct {
	// Store keeps the accounts and the follow graph.
	Store store.Store
	// Hasher hashes and checks passwords.
	Hasher *password.Hasher
	// Posts counts a person's photos (the image service).
	Posts PostCounter
	// Sessions ends a person's sessions (the auth service).
	Sessions SessionRevoker
	// Images and Feed delete what the image and feed services hold of a
	// deleted account.
	Images, Feed DataEraser
	// DeletionSettle is how long after the feed's part of a deletion its
	// last pass runs; zero means DefaultDeletionSettle.
	DeletionSettle time.Duration
	// UsernameHold is how long a deleted account's username stays taken;
	// zero means DefaultUsernameHold.
	UsernameHold time.Duration
	// MaxRegistrationsPerAddr bounds the registrations attempted from one
	// client address in an hour; zero means
	// DefaultMaxRegistrationsPerAddr.
	MaxRegistrationsPerAddr int
}

// Service is the user service. Register puts its gRPC servers on a
// grpc.Server.
type Service struct {
	store    store.Store
	hasher   *password.Hasher
	posts    PostCounter
	sessions SessionRevoker
	images   DataEraser
	feed     DataEraser
	// deletionSettle is the wait before a deletion's last pass, and
	// usernameHold how long a deleted account's username stays taken.
	deletionSettle, usernameHold time.Duration
	// maxRegistrationsPerAddr is the registration throttle's limit.
	maxRegistrationsPerAddr int
}

// New returns a Service built from cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, hasher: cfg.Hasher, posts: cfg.Posts, sessions: cfg.Sessions,
		images: cfg.Images, feed: cfg.Feed, deletionSettle: cfg.DeletionSettle, usernameHold: cfg.UsernameHold,
		maxRegistrationsPerAddr: cfg.MaxRegistrationsPerAddr}
	if s.maxRegistrationsPerAddr <= 0 {
		s.maxRegistrationsPerAddr = DefaultMaxRegistrationsPerAddr
	}
	if s.deletionSettle <= 0 {
		s.deletionSettle = DefaultDeletionSettle
	}
	if s.usernameHold <= 0 {
		s.usernameHold = DefaultUsernameHold
	}
	return s
}

// Register registers UserService and UserInternalService on r.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	userv1.RegisterUserServiceServer(r, &userServer{s: s})
	userv1.RegisterUserInternalServiceServer(r, &internalServer{s: s})
}

// now is the time stamp of a change: UTC, nanoseconds.
func now() time.Time { return time.Now().UTC() }

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a fresh user id.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return strings.ToLower(idEncoding.EncodeToString(b))
}

// Page sizes of the public lists and of the internal id lists.
const (
	defaultPageSize   = 20
	maxPageSize       = 100
	defaultIDPageSize = 1000
	maxIDPageSize     = 10000
)

// pageSize returns the page size asked for, def when it is 0, at most max.
func pageSize(asked int32, def, max int) (int, error) {
	switch {
	case asked < 0:
		return 0, invalid("page_size", "must not be negative")
	case asked == 0:
		return def, nil
	}
	return min(int(asked), max), nil
}

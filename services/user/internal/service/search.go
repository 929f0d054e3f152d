package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// Searching people.
//
// A search matches the start of a username or of a word of a full name,
// ignoring letter case and accents (pkg/fold, in the store): "joao" finds
// "João Silva", and so does "silv". The query is trimmed and must then be 1
// to 100 characters; one that holds no letter or digit is valid and finds
// nobody (a username may start with "_", which is not a word of a name).
// Private accounts are found like the others, since names and avatars are
// public; their photos stay theirs (the image service decides). The caller
// can find themselves. Results are at most 20: the person whose username is
// the query first, then by username, each with the caller's follow state.

// maxQueryLen is the longest query, in characters.
const maxQueryLen = 100

// maxSearchResults is both the default and the largest page of a search.
const maxSearchResults = 20

// SearchUsers finds people by the start of their username or of a word of
// their full name.
func (h *userServer) SearchUsers(ctx context.Context, req *userv1.SearchUsersRequest) (*userv1.SearchUsersResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	users, err := h.s.searchUsers(ctx, caller.UserID, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &userv1.SearchUsersResponse{Users: users}, nil
}

func (s *Service) searchUsers(ctx context.Context, callerID string, req *userv1.SearchUsersRequest) ([]*userv1.UserSummary, error) {
	q, err := searchQuery(req)
	if err != nil {
		return nil, err
	}
	// People the caller must not find are left out by q.ExcludeIDs, which
	// the store fills the page past.
	if q.ExcludeIDs, err = s.blockedIDs(ctx, callerID); err != nil {
		return nil, err
	}
	found, err := s.store.SearchUsers(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	ids := make([]string, len(found))
	for i, u := range found {
		ids[i] = u.ID
	}
	states, err := s.store.GetFollowStates(ctx, callerID, ids)
	if err != nil {
		return nil, fmt.Errorf("get follow states: %w", err)
	}
	out := make([]*userv1.UserSummary, len(found))
	for i, u := range found {
		out[i] = toSummary(u, followState(callerID, u.ID, states[u.ID]))
	}
	return out, nil
}

// searchQuery checks req and returns the store's query for it.
func searchQuery(req *userv1.SearchUsersRequest) (store.SearchQuery, error) {
	var errs fieldErrors
	text := strings.TrimSpace(req.GetQ())
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		errs.check("q", "is required")
	case n > maxQueryLen:
		errs.check("q", "must be at most 100 characters")
	}
	if err := errs.err(); err != nil {
		return store.SearchQuery{}, err
	}
	limit, err := pageSize(req.GetPageSize(), maxSearchResults, maxSearchResults)
	if err != nil {
		return store.SearchQuery{}, err
	}
	return store.SearchQuery{Prefix: text, Limit: limit}, nil
}

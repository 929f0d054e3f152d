package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fotogal/fotogal/pkg/fold"
)

// SearchQuery asks for the people whose username, or a word of whose full
// name, starts with Prefix, ignoring letter case and accents.
type SearchQuery struct {
	// Prefix is the text searched for, folded by the store (pkg/fold).
	Prefix string
	// Limit is the most people returned; the caller bounds it.
	Limit int
	// ExcludeIDs are never returned: the service passes the people on
	// either side of a block with the caller.
	ExcludeIDs []string
}

// SearchTerm is one row of the search index: a term the account with
// UserID is found by.
type SearchTerm struct {
	Term   string
	UserID string
}

// SearchIndex is what RunSearch needs of an adapter: its search index,
// read in (term, user id) order, and its accounts.
type SearchIndex interface {
	// ScanSearchTerms returns up to n index rows after the row after (in
	// (term, user id) order) whose term is below end.
	ScanSearchTerms(ctx context.Context, after SearchTerm, end string, n int) ([]SearchTerm, error)
	GetUsers(ctx context.Context, ids []string) (map[string]*User, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
}

// The bounds of the search index. A term is cut to MaxTermBytes so that it
// and a 26-byte user id make a key under 64 bytes; an account is found by
// its username and the first MaxTermsPerUser-1 distinct words of its full
// name, so that rewriting its terms fits one WriteMultiple of 50.
const (
	MaxTermBytes    = 32
	MaxTermsPerUser = 20
)

// searchPage is how many index rows RunSearch reads at a time, and
// maxSearchRows the most it reads in all: rows stop matching only when an
// account changed meanwhile or a long prefix was cut, so the bound is
// reached only by such rows, never by a crowded prefix.
const (
	searchPage    = 50
	maxSearchRows = 40 * searchPage
)

// SearchTerms returns the terms u is found by: its folded username, then
// the distinct folded words of its full name, each cut to MaxTermBytes, at
// most MaxTermsPerUser of them.
func SearchTerms(u *User) []string {
	terms := []string{CutTerm(fold.Fold(u.Username))}
	for _, w := range fold.Words(u.FullName) {
		if len(terms) == MaxTermsPerUser {
			break
		}
		if t := CutTerm(w); !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	return terms
}

// SearchTermChanges returns the terms after is found by and before is not
// (all of after's when before is nil), and those before is found by and
// after is not: the index rows to add and to remove when an account
// changes from before to after.
func SearchTermChanges(before, after *User) (add, remove []string) {
	var old []string
	if before != nil {
		old = SearchTerms(before)
	}
	terms := SearchTerms(after)
	for _, t := range terms {
		if !slices.Contains(old, t) {
			add = append(add, t)
		}
	}
	for _, t := range old {
		if !slices.Contains(terms, t) {
			remove = append(remove, t)
		}
	}
	return add, remove
}

// CutTerm returns the longest start of s that is at most MaxTermBytes long
// and ends on a character boundary.
func CutTerm(s string) string {
	if len(s) <= MaxTermBytes {
		return s
	}
	end := MaxTermBytes
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end]
}

// MatchesSearch reports whether u's folded username, or a folded word of
// its full name, starts with prefix, itself folded: what the index rows
// found say, checked against the account as it is now.
func MatchesSearch(u *User, prefix string) bool {
	if strings.HasPrefix(fold.Fold(u.Username), prefix) {
		return true
	}
	return slices.ContainsFunc(fold.Words(u.FullName), func(w string) bool { return strings.HasPrefix(w, prefix) })
}

// PrefixEnd returns the least string above every string that starts with
// prefix: prefix with its last character replaced by the next one. It is
// the same bound in the byte order of UTF-8 (SQLite, and Oracle NoSQL's
// keys) and in Java's UTF-16 order, because the two orders agree on which
// character follows another except after U+D7FF, U+FFFF and U+10FFFF. No
// term holds those (they are neither letters nor digits), so ok is false
// for a prefix that ends in one: it finds nobody. An empty prefix has no
// bound either.
func PrefixEnd(prefix string) (end string, ok bool) {
	r, size := utf8.DecodeLastRuneInString(prefix)
	switch r {
	case utf8.RuneError, 0xD7FF, 0xFFFF, utf8.MaxRune:
		return "", false
	}
	return prefix[:len(prefix)-size] + string(r+1), true
}

// RunSearch answers q from idx, for the adapters' SearchUsers. The account
// whose username is the prefix comes first; then index rows are read from
// the prefix (cut to MaxTermBytes) on, page by page, and their accounts
// read and checked against the whole prefix, until q.Limit distinct people
// are found: the first in the order of their matching terms, returned by
// username. A person found by several terms counts once.
func RunSearch(ctx context.Context, idx SearchIndex, q SearchQuery) ([]*User, error) {
	prefix := fold.Fold(q.Prefix)
	if q.Limit <= 0 || prefix == "" {
		return nil, nil
	}
	from := CutTerm(prefix)
	end, ok := PrefixEnd(from)
	if !ok {
		return nil, nil
	}
	seen := make(map[string]bool, q.Limit+len(q.ExcludeIDs))
	for _, id := range q.ExcludeIDs {
		seen[id] = true
	}
	var exact *User
	if len(prefix) <= MaxTermBytes {
		u, err := idx.GetUserByUsername(ctx, prefix)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("search exact username: %w", err)
		case !seen[u.ID] && fold.Fold(u.Username) == prefix:
			exact, seen[u.ID] = u, true
		}
	}
	var found []*User
	if exact != nil {
		found = append(found, exact)
	}
	after := SearchTerm{Term: from}
	for read := 0; len(found) < q.Limit && read < maxSearchRows; {
		rows, err := idx.ScanSearchTerms(ctx, after, end, searchPage)
		if err != nil {
			return nil, fmt.Errorf("scan search terms: %w", err)
		}
		read += len(rows)
		var ids []string
		for _, r := range rows {
			if !seen[r.UserID] {
				seen[r.UserID] = true
				ids = append(ids, r.UserID)
			}
		}
		users, err := idx.GetUsers(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("get found users: %w", err)
		}
		for _, id := range ids {
			if u, ok := users[id]; ok && MatchesSearch(u, prefix) && len(found) < q.Limit {
				found = append(found, u)
			}
		}
		if len(rows) < searchPage {
			break
		}
		after = rows[len(rows)-1]
	}
	rest := found
	if exact != nil {
		rest = found[1:]
	}
	slices.SortFunc(rest, func(a, b *User) int {
		return cmp.Or(cmp.Compare(UsernameKey(a.Username), UsernameKey(b.Username)), cmp.Compare(a.ID, b.ID))
	})
	return found, nil
}

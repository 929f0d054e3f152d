package nosql

import (
	"context"
	"errors"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// claimGrace is how long a claim whose account row is missing counts as a
// registration in progress rather than one left behind by a crash. It is
// far longer than the few writes of a registration take.
const claimGrace = time.Minute

// maxClaimAttempts bounds the attempts at a claim that keeps finding
// claims left behind.
const maxClaimAttempts = 3

// claimKind is one of the two lookup tables that make an account's email
// and username unique.
type claimKind struct {
	table, keyColumn string
	// keyOf returns the claim key of an account.
	keyOf func(*store.User) string
	// taken is the error of a key that another account holds.
	taken error
	// heldByDeletion says that a recorded deletion of the claim's holder
	// keeps the key taken after the account row is gone: true of
	// usernames, which stay taken until the deletion releases them, and
	// not of emails, whose claims the deletion removes at once.
	heldByDeletion bool
}

var (
	emailClaims = claimKind{
		table: emailsTable, keyColumn: "email_key",
		keyOf: func(u *store.User) string { return store.EmailKey(u.Email) },
		taken: store.ErrEmailTaken,
	}
	usernameClaims = claimKind{
		table: usernamesTable, keyColumn: "username_key",
		keyOf:          func(u *store.User) string { return store.UsernameKey(u.Username) },
		taken:          store.ErrUsernameTaken,
		heldByDeletion: true,
	}
)

// heldClaim is a claim row this call wrote or adopted, at its version.
type heldClaim struct {
	kind    claimKind
	key     string
	version types.Version
}

func userKey(id string) *types.MapValue {
	return types.NewMapValue(map[string]any{"user_id": id})
}

func userRow(u *store.User) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"user_id":         u.ID,
		"email":           u.Email,
		"username":        u.Username,
		"full_name":       u.FullName,
		"bio":             u.Bio,
		"website":         u.Website,
		"gender":          u.Gender,
		"is_private":      u.IsPrivate,
		"is_professional": u.IsProfessional,
		"password_hash":   u.PasswordHash,
		"avatar_image_id": u.AvatarImageID,
		"created_ts":      u.CreatedAt.UnixNano(),
		"updated_ts":      u.UpdatedAt.UnixNano(),
	})
}

func decodeUser(m *types.MapValue) (*store.User, error) {
	r := nosqlclient.ReadRow(m)
	u := &store.User{
		ID:             r.String("user_id"),
		Email:          r.String("email"),
		Username:       r.String("username"),
		FullName:       r.String("full_name"),
		Bio:            r.String("bio"),
		Website:        r.String("website"),
		Gender:         r.String("gender"),
		IsPrivate:      r.Bool("is_private"),
		IsProfessional: r.Bool("is_professional"),
		PasswordHash:   r.String("password_hash"),
		AvatarImageID:  r.String("avatar_image_id"),
		CreatedAt:      r.Time("created_ts"),
		UpdatedAt:      r.Time("updated_ts"),
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	return u, nil
}

// sameUser reports whether a and b are the same account in every column.
func sameUser(a, b *store.User) bool {
	return a.ID == b.ID && a.Email == b.Email && a.Username == b.Username &&
		a.FullName == b.FullName && a.Bio == b.Bio && a.Website == b.Website && a.Gender == b.Gender &&
		a.IsPrivate == b.IsPrivate && a.IsProfessional == b.IsProfessional &&
		a.PasswordHash == b.PasswordHash && a.AvatarImageID == b.AvatarImageID &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

// getUserRow returns the account with id and the version of its row, or a
// nil account when there is none.
func (s *Store) getUserRow(ctx context.Context, id string) (*store.User, types.Version, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: usersTable, Key: userKey(id)})
	if err != nil {
		return nil, nil, err
	}
	if res.Value == nil {
		return nil, nil, nil
	}
	u, err := decodeUser(res.Value)
	return u, res.Version, err
}

// CreateUser claims the email, then the username, then writes the account
// row, each put-if-absent, and finally confirms both claims with a
// put-if-version. A taken key or id undoes what this call wrote; see the
// package doc for why each step is safe to retry and to crash after.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	email, err := s.claim(ctx, emailClaims, u)
	if err != nil {
		return err
	}
	username, err := s.claim(ctx, usernameClaims, u)
	if err != nil {
		return joinErrs(err, s.release(ctx, email))
	}
	if err := s.writeTerms(ctx, u.ID, store.SearchTerms(u), nil); err != nil {
		return joinErrs(err, s.release(ctx, email), s.release(ctx, username))
	}
	res, err := s.c.Put(ctx, &nosqldb.PutRequest{
		TableName: usersTable, Value: userRow(u), PutOption: types.PutIfAbsent, ReturnRow: true,
	})
	if err != nil {
		return err
	}
	version := res.Version
	if !res.Success() {
		// An identical row is this account, written by an earlier attempt
		// whose answer was lost; any other is another account's id.
		existing, err := existingUser(res.ExistingValue)
		if err != nil {
			return err
		}
		if existing == nil || !sameUser(existing, u) {
			return joinErrs(store.ErrConflict, s.release(ctx, email), s.release(ctx, username))
		}
		version = res.ExistingVersion
	}
	for _, c := range []*heldClaim{email, username} {
		lost, err := s.confirm(ctx, c, u.ID)
		if err != nil {
			return err
		}
		if lost {
			return joinErrs(c.kind.taken, s.deleteUserRow(ctx, u.ID, version), s.release(ctx, email), s.release(ctx, username))
		}
	}
	return nil
}

func existingUser(m *types.MapValue) (*store.User, error) {
	if m == nil {
		return nil, nil
	}
	return decodeUser(m)
}

// claim writes the claim row of u's key of kind put-if-absent and returns
// it. A claim that already names u.ID is this registration's own, from an
// earlier attempt, and is adopted. A username claim whose holder's account
// is being deleted is in force, whatever its age, until ReleaseUsername
// removes it with the deletion record. A claim of another id whose account
// row is missing (or holds another key), with no such deletion, and that
// is older than claimGrace was left behind by a crash: it is deleted if its
// version is still the one read, and the claim tried again.
func (s *Store) claim(ctx context.Context, kind claimKind, u *store.User) (*heldClaim, error) {
	key := kind.keyOf(u)
	for range maxClaimAttempts {
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName: kind.table,
			Value: types.NewMapValue(map[string]any{
				kind.keyColumn: key, "user_id": u.ID, "claimed_ts": time.Now().UnixNano(),
			}),
			PutOption: types.PutIfAbsent,
			ReturnRow: true,
		})
		if err != nil {
			return nil, err
		}
		if res.Success() {
			return &heldClaim{kind: kind, key: key, version: res.Version}, nil
		}
		if res.ExistingValue == nil {
			// The claim went away between the put and its answer.
			continue
		}
		r := nosqlclient.ReadRow(res.ExistingValue)
		holder, claimedAt := r.String("user_id"), r.Time("claimed_ts")
		if r.Err() != nil {
			return nil, r.Err()
		}
		owner, _, err := s.getUserRow(ctx, holder)
		if err != nil {
			return nil, err
		}
		live := owner != nil && kind.keyOf(owner) == key
		// A deleted account's row is gone but its username is not free:
		// without a look at the deletion record, its claim would pass for
		// one left behind once claimGrace is over. The record is written
		// before the row is deleted (PutDeletion comes first) and deleted
		// only after the claim (ReleaseUsername), so a claim whose row and
		// record are both missing is no deleted account's, or is one
		// being released right now: that claim is gone already, and the
		// delete-if-version below fails harmlessly.
		held := false
		if !live && kind.heldByDeletion {
			if held, err = s.deletionHolds(ctx, holder, key); err != nil {
				return nil, err
			}
		}
		switch {
		case live && holder == u.ID && sameUser(owner, u):
			// This very account, created by an earlier attempt.
			return &heldClaim{kind: kind, key: key, version: res.ExistingVersion}, nil
		case live, held:
			return nil, kind.taken
		case holder == u.ID:
			return &heldClaim{kind: kind, key: key, version: res.ExistingVersion}, nil
		case time.Since(claimedAt) < claimGrace:
			// Another registration is between its steps.
			return nil, kind.taken
		}
		if _, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{
			TableName: kind.table, Key: claimKey(kind, key), MatchVersion: res.ExistingVersion,
		}); err != nil {
			return nil, err
		}
	}
	return nil, kind.taken
}

func claimKey(kind claimKind, key string) *types.MapValue {
	return types.NewMapValue(map[string]any{kind.keyColumn: key})
}

// confirm rewrites the claim c at its version, after the account row is
// written, so that a concurrent claimer that judged it left behind (it
// read no account row) can no longer delete it: its delete-if-version
// fails. It reports whether the claim was lost to such a claimer instead.
// A claim that names id at another version is this call's own confirm,
// answered late.
func (s *Store) confirm(ctx context.Context, c *heldClaim, id string) (lost bool, err error) {
	res, err := s.c.Put(ctx, &nosqldb.PutRequest{
		TableName: c.kind.table,
		Value: types.NewMapValue(map[string]any{
			c.kind.keyColumn: c.key, "user_id": id, "claimed_ts": time.Now().UnixNano(),
		}),
		PutOption:    types.PutIfVersion,
		MatchVersion: c.version,
		ReturnRow:    true,
	})
	if err != nil {
		return false, err
	}
	if res.Success() {
		c.version = res.Version
		return false, nil
	}
	if res.ExistingValue != nil {
		if holder, _ := res.ExistingValue.GetString("user_id"); holder == id {
			c.version = res.ExistingVersion
			return false, nil
		}
	}
	return true, nil
}

// release deletes the claim c if it is still at the version this call
// holds; a claim that has moved on is someone else's and stays.
func (s *Store) release(ctx context.Context, c *heldClaim) error {
	_, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{
		TableName: c.kind.table, Key: claimKey(c.kind, c.key), MatchVersion: c.version,
	})
	return err
}

// deleteUserRow deletes the account row with id if it is still at version.
func (s *Store) deleteUserRow(ctx context.Context, id string, version types.Version) error {
	_, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: usersTable, Key: userKey(id), MatchVersion: version})
	return err
}

// GetUser returns the account with id.
func (s *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	u, _, err := s.getUserRow(ctx, id)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, store.ErrNotFound
	}
	return u, nil
}

// GetUserByUsername reads the username claim, then the account it names.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*store.User, error) {
	return s.getByClaim(ctx, usernameClaims, store.UsernameKey(username))
}

// GetUserByEmail reads the email claim, then the account it names.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*store.User, error) {
	return s.getByClaim(ctx, emailClaims, store.EmailKey(email))
}

// getByClaim returns the account the claim of key names, when that account
// exists and holds key: a claim left behind, or one whose registration is
// still under way, finds nobody.
func (s *Store) getByClaim(ctx context.Context, kind claimKind, key string) (*store.User, error) {
	res, err := s.c.Get(ctx, &nosqldb.GetRequest{TableName: kind.table, Key: claimKey(kind, key)})
	if err != nil {
		return nil, err
	}
	if res.Value == nil {
		return nil, store.ErrNotFound
	}
	r := nosqlclient.ReadRow(res.Value)
	id := r.String("user_id")
	if r.Err() != nil {
		return nil, r.Err()
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if kind.keyOf(u) != key {
		return nil, store.ErrNotFound
	}
	return u, nil
}

// usersByIDs reads a batch of accounts by primary key.
var usersByIDs = func() string {
	declarations, list := inList("id", lookupBatch)
	return "DECLARE " + declarations + "SELECT * FROM " + usersTable + " WHERE user_id IN " + list
}()

// usernameClaimsByKeys reads a batch of username claims by primary key.
var usernameClaimsByKeys = func() string {
	declarations, list := inList("key", lookupBatch)
	return "DECLARE " + declarations + "SELECT username_key, user_id FROM " + usernamesTable + " WHERE username_key IN " + list
}()

// GetUsers returns the accounts with the ids that exist, reading them in
// batches of primary keys.
func (s *Store) GetUsers(ctx context.Context, ids []string) (map[string]*store.User, error) {
	users := make(map[string]*store.User, len(ids))
	err := inBatches(ids, func(batch []string) error {
		binds := make(map[string]any, lookupBatch)
		bindBatch(binds, "id", batch)
		rows, err := s.c.Query(ctx, usersByIDs, binds)
		if err != nil {
			return err
		}
		for _, m := range rows {
			u, err := decodeUser(m)
			if err != nil {
				return err
			}
			users[u.ID] = u
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// GetUsersByUsernames reads the username claims in batches, then the
// accounts they name, and keeps those that hold their claim's key.
func (s *Store) GetUsersByUsernames(ctx context.Context, usernames []string) (map[string]*store.User, error) {
	keys := make([]string, len(usernames))
	for i, name := range usernames {
		keys[i] = store.UsernameKey(name)
	}
	keyOf := make(map[string]string, len(keys)) // user id → claimed key
	err := inBatches(keys, func(batch []string) error {
		binds := make(map[string]any, lookupBatch)
		bindBatch(binds, "key", batch)
		rows, err := s.c.Query(ctx, usernameClaimsByKeys, binds)
		if err != nil {
			return err
		}
		for _, m := range rows {
			r := nosqlclient.ReadRow(m)
			key, id := r.String("username_key"), r.String("user_id")
			if r.Err() != nil {
				return r.Err()
			}
			keyOf[id] = key
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(keyOf))
	for id := range keyOf {
		ids = append(ids, id)
	}
	users, err := s.GetUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id, u := range users {
		if store.UsernameKey(u.Username) != keyOf[id] {
			delete(users, id)
		}
	}
	return users, nil
}

// UpdateUser reads the account and its version, applies update and writes
// it back put-if-version, starting again from a fresh read when a
// concurrent update got there first.
func (s *Store) UpdateUser(ctx context.Context, id string, update func(*store.User) error) (*store.User, error) {
	for {
		u, version, err := s.getUserRow(ctx, id)
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, store.ErrNotFound
		}
		before := *u
		if err := update(u); err != nil {
			return nil, err
		}
		if u.ID != before.ID || u.Email != before.Email || u.Username != before.Username || !u.CreatedAt.Equal(before.CreatedAt) {
			return nil, errors.New("nosql: UpdateUser cannot change the id, email, username or creation time")
		}
		add, remove := store.SearchTermChanges(&before, u)
		if err := s.writeTerms(ctx, id, add, nil); err != nil {
			return nil, err
		}
		res, err := s.c.Put(ctx, &nosqldb.PutRequest{
			TableName: usersTable, Value: userRow(u), PutOption: types.PutIfVersion, MatchVersion: version,
		})
		if err != nil {
			return nil, err
		}
		if res.Success() {
			return u, s.writeTerms(ctx, id, nil, remove)
		}
	}
}

// The suggestion queries walk suggestion_idx newest first within one value
// of is_professional; ties on created_ts fall to the primary key, user_id,
// descending. The second continues after a (created_ts, user_id) cursor.
const (
	suggestionsFirst = "DECLARE $me STRING; $pro BOOLEAN; $n LONG; " +
		"SELECT * FROM " + usersTable + " WHERE is_private = false AND is_professional = $pro AND user_id != $me " +
		"ORDER BY is_private DESC, is_professional DESC, created_ts DESC LIMIT $n"
	suggestionsNext = "DECLARE $me STRING; $pro BOOLEAN; $ts LONG; $id STRING; $n LONG; " +
		"SELECT * FROM " + usersTable + " WHERE is_private = false AND is_professional = $pro AND user_id != $me " +
		"AND (created_ts < $ts OR (created_ts = $ts AND user_id < $id)) " +
		"ORDER BY is_private DESC, is_professional DESC, created_ts DESC LIMIT $n"
)

// ListSuggestions walks the public accounts, professional ones first, each
// group newest first (then by id, descending, as on SQLite), in batches,
// and drops those userID has an edge to until it has limit of them.
func (s *Store) ListSuggestions(ctx context.Context, userID string, limit int) ([]*store.User, error) {
	if limit <= 0 {
		return nil, nil
	}
	batch := min(max(2*limit, 20), 200)
	var users []*store.User
	for _, professional := range []bool{true, false} {
		binds := map[string]any{"$me": userID, "$pro": professional, "$n": batch}
		statement := suggestionsFirst
		for {
			rows, err := s.c.Query(ctx, statement, binds)
			if err != nil {
				return nil, err
			}
			candidates := make([]*store.User, len(rows))
			ids := make([]string, len(rows))
			for i, m := range rows {
				if candidates[i], err = decodeUser(m); err != nil {
					return nil, err
				}
				ids[i] = candidates[i].ID
			}
			edges, err := s.GetFollowStates(ctx, userID, ids)
			if err != nil {
				return nil, err
			}
			for _, u := range candidates {
				if _, ok := edges[u.ID]; ok {
					continue
				}
				if users = append(users, u); len(users) == limit {
					return users, nil
				}
			}
			if len(rows) < batch {
				break
			}
			last := candidates[len(candidates)-1]
			statement = suggestionsNext
			binds["$ts"], binds["$id"] = last.CreatedAt.UnixNano(), last.ID
		}
	}
	return users, nil
}

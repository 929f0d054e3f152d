package nosql_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/auth/internal/store"
	"github.com/fotogal/fotogal/services/auth/internal/store/nosql"
	"github.com/fotogal/fotogal/services/auth/internal/store/storetest"
)

const sessionsTable = "fotogal_ntable_authsession"

func open(t *testing.T, c *nosqlclient.Client) *nosql.Store {
	t.Helper()
	s, err := nosql.Open(context.Background(), c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// needFake skips a test that inspects the fake when nosqltest runs against
// a real service instead (FOTOGAL_NOSQL_LIVE=1).
func needFake(t *testing.T, f *ocifake.NoSQL) {
	t.Helper()
	if f == nil {
		t.Skip("inspects what the fake received; FOTOGAL_NOSQL_LIVE=1 runs against a real service")
	}
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		c, _ := nosqltest.New(t)
		return open(t, c)
	})
}

func TestSchemaMatchesDoc(t *testing.T) {
	nosqltest.CheckSchemaMatchesDoc(t, func(c *nosqlclient.Client) { open(t, c) })
}

func TestSecondOpenChangesNothing(t *testing.T) {
	ctx := context.Background()
	c, f := nosqltest.New(t)
	needFake(t, f)
	first := open(t, c)
	now := time.Now().UTC()
	sess := store.Session{
		TokenHash:     "hash-1",
		ID:            "s1",
		UserID:        "u1",
		UserAgent:     "agent/1",
		ClientAddress: "192.0.2.1",
		CreateTime:    now,
		ExpireTime:    now.Add(7 * 24 * time.Hour),
	}
	if err := first.CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if rows := f.Rows(sessionsTable); len(rows) != 1 {
		t.Fatalf("rows before the second Open = %v, want the one session", rows)
	}

	second := nosqltest.Reopen(t, f, []string{sessionsTable}, func(c *nosqlclient.Client) *nosql.Store { return open(t, c) })

	got, err := second.GetSession(ctx, sess.TokenHash)
	if err != nil {
		t.Fatalf("GetSession after the second Open: %v", err)
	}
	if got.ID != sess.ID || !got.CreateTime.Equal(sess.CreateTime) {
		t.Errorf("session after the second Open = %+v, want %+v", got, sess)
	}
}

// tokenHash returns a token hash as the auth service makes it: SHA-256 in
// base64url without padding, 43 bytes.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestLimits runs every path of the store on sessions as large as the auth
// service makes them, and larger: none of them breaks a key or row limit.
func TestLimits(t *testing.T) {
	ctx := context.Background()
	c, _ := nosqltest.New(t)
	s := open(t, c)
	now := time.Now().UTC()
	userID := strings.Repeat("u", 26)
	newSession := func(n int) store.Session {
		created := now.Add(time.Duration(n) * time.Second)
		return store.Session{
			TokenHash:     tokenHash(strings.Repeat("t", n)),
			ID:            strings.Repeat(string(rune('a'+n)), 22),
			UserID:        userID,
			UserAgent:     strings.Repeat("Mozilla/5.0 ", 43)[:512],
			ClientAddress: strings.Repeat("a", 64),
			CreateTime:    created,
			ExpireTime:    created.Add(7 * 24 * time.Hour),
		}
	}
	sessions := []store.Session{newSession(1), newSession(2), newSession(3), newSession(4)}
	if got := len(sessions[0].TokenHash); got != 43 {
		t.Fatalf("token hash is %d bytes, want 43", got)
	}

	t.Run("create and get", func(t *testing.T) {
		for _, sess := range sessions {
			if err := s.CreateSession(ctx, sess); err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
		}
		got, err := s.GetSession(ctx, sessions[0].TokenHash)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.UserAgent != sessions[0].UserAgent {
			t.Errorf("User-Agent = %d bytes %q, want the 512 bytes written", len(got.UserAgent), got.UserAgent)
		}
	})
	t.Run("list", func(t *testing.T) {
		got, err := s.ListUserSessions(ctx, userID)
		if err != nil {
			t.Fatalf("ListUserSessions: %v", err)
		}
		if len(got) != len(sessions) {
			t.Errorf("listed %d sessions, want %d", len(got), len(sessions))
		}
	})
	t.Run("delete one", func(t *testing.T) {
		if err := s.DeleteUserSession(ctx, userID, sessions[0].ID); err != nil {
			t.Errorf("DeleteUserSession: %v", err)
		}
	})
	t.Run("delete all but one", func(t *testing.T) {
		got, err := s.DeleteUserSessions(ctx, userID, sessions[1].ID)
		if err != nil {
			t.Fatalf("DeleteUserSessions: %v", err)
		}
		if want := 2; got != want {
			t.Errorf("DeleteUserSessions deleted %d, want %d", got, want)
		}
	})
	t.Run("delete expired", func(t *testing.T) {
		got, err := s.DeleteExpired(ctx, sessions[1].ExpireTime)
		if err != nil {
			t.Fatalf("DeleteExpired: %v", err)
		}
		if want := 1; got != want {
			t.Errorf("DeleteExpired deleted %d, want %d", got, want)
		}
	})
}

// TestRowTTL checks that each row expires by itself no sooner than its
// session and within two hours after it (the TTL and the service's
// expiration both round up to the hour); a session already expired gets
// the smallest TTL, an hour.
func TestRowTTL(t *testing.T) {
	ctx := context.Background()
	c, _ := nosqltest.New(t)
	s := open(t, c)
	before := time.Now().UTC()
	tests := []struct {
		name        string
		expire      time.Time
		earliest    time.Time
		latestAfter time.Duration
	}{
		{"a week ahead", before.Add(7 * 24 * time.Hour), before.Add(7 * 24 * time.Hour), 2 * time.Hour},
		{"half an hour ahead", before.Add(30 * time.Minute), before.Add(30 * time.Minute), 2 * time.Hour},
		{"already expired", before.Add(-time.Hour), before.Add(time.Hour), time.Hour + time.Minute},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sess := store.Session{
				TokenHash:  tokenHash(tc.name),
				ID:         string(rune('a' + i)),
				UserID:     "u1",
				CreateTime: before,
				ExpireTime: tc.expire,
			}
			if err := s.CreateSession(ctx, sess); err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
			res, err := c.Get(ctx, &nosqldb.GetRequest{
				TableName: sessionsTable,
				Key:       types.NewMapValue(map[string]any{"token_hash": sess.TokenHash}),
			})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			got := res.ExpirationTime
			latest := tc.earliest.Add(tc.latestAfter)
			if got.Before(tc.earliest) || got.After(latest) {
				t.Errorf("row expires at %v, want between %v and %v", got, tc.earliest, latest)
			}
		})
	}
}

// TestCreateSessionRetried checks that writing the same session again, as
// a retry after a lost answer does, succeeds, while a different session
// with the same token hash still conflicts.
func TestCreateSessionRetried(t *testing.T) {
	ctx := context.Background()
	c, _ := nosqltest.New(t)
	s := open(t, c)
	now := time.Now().UTC()
	sess := store.Session{
		TokenHash:  tokenHash("retried"),
		ID:         "s1",
		UserID:     "u1",
		CreateTime: now,
		ExpireTime: now.Add(time.Hour),
	}
	other := sess
	other.ID = "s2"
	tests := []struct {
		name    string
		sess    store.Session
		wantErr error
	}{
		{"first write", sess, nil},
		{"same session again", sess, nil},
		{"another session, same hash", other, store.ErrConflict},
	}
	for _, tc := range tests {
		if err := s.CreateSession(ctx, tc.sess); !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: CreateSession error = %v, want %v", tc.name, err, tc.wantErr)
		}
	}
	got, err := s.GetSession(ctx, sess.TokenHash)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if got.ID != sess.ID {
		t.Errorf("session ID = %q, want %q", got.ID, sess.ID)
	}
}

// TestCounterRowTTL checks that a counter's row expires by itself no sooner
// than its window ends and within two hours after, and that a decrement
// keeps that expiry.
func TestCounterRowTTL(t *testing.T) {
	ctx := context.Background()
	c, _ := nosqltest.New(t)
	s := open(t, c)
	const key = "email:ttl"
	now := time.Now().UTC()
	counter, err := s.IncrementCounter(ctx, key, now, 15*time.Minute)
	if err != nil {
		t.Fatalf("IncrementCounter: %v", err)
	}
	rowExpiry := func() time.Time {
		t.Helper()
		res, err := c.Get(ctx, &nosqldb.GetRequest{
			TableName: "fotogal_ntable_auththrottle",
			Key:       types.NewMapValue(map[string]any{"counter_key": key}),
		})
		if err != nil || res.Value == nil {
			t.Fatalf("Get counter row: %v, %v", res, err)
		}
		return res.ExpirationTime
	}
	got := rowExpiry()
	if latest := counter.ExpireTime.Add(2 * time.Hour); got.Before(counter.ExpireTime) || got.After(latest) {
		t.Errorf("row expires at %v, want between %v and %v", got, counter.ExpireTime, latest)
	}
	if err := s.DecrementCounter(ctx, key, counter.ExpireTime); err != nil {
		t.Fatalf("DecrementCounter: %v", err)
	}
	if after := rowExpiry(); !after.Equal(got) {
		t.Errorf("after a decrement the row expires at %v, want %v as before", after, got)
	}
}

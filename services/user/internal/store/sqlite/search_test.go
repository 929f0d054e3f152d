package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/fold"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// insertAccounts writes users straight into the accounts table, in one
// transaction, without their search rows: a database from before the
// search index.
func insertAccounts(t testing.TB, s *Store, users []*store.User) {
	t.Helper()
	err := s.inTx(context.Background(), func(tx *sql.Tx) error {
		for _, u := range users {
			if _, err := tx.Exec(`INSERT INTO fotogal_ntable_users (user_id, email, username, full_name, bio, website, gender,
				is_private, is_professional, password_hash, avatar_image_id, created_ts, updated_ts)
				VALUES (?, ?, ?, ?, '', '', '', 0, 0, '', '', ?, ?)`,
				u.ID, u.Email, u.Username, u.FullName, u.CreatedAt.UnixNano(), u.UpdatedAt.UnixNano()); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO user_usernames (username_key, user_id) VALUES (?, ?)`, store.UsernameKey(u.Username), u.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert accounts: %v", err)
	}
}

func TestOpenBackfillsTheSearchIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "user.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	users := people(2*backfillPage + 7)
	insertAccounts(t, s, users)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, u := range []*store.User{users[0], users[backfillPage], users[len(users)-1]} {
		got, err := s.SearchUsers(ctx, store.SearchQuery{Prefix: u.Username, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != u.ID {
			t.Errorf("SearchUsers(%q) after the backfill: %v, want %s", u.Username, got, u.ID)
		}
	}
	var rows, want int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM fotogal_ntable_usersearch`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		want += len(store.SearchTerms(u))
	}
	if rows != want {
		t.Errorf("%d search rows after the backfill, want %d", rows, want)
	}
}

// Names drawn for the benchmark's people: Portuguese and English, with
// accents, few enough that every prefix is crowded.
var (
	firstNames = []string{"João", "José", "Maria", "Ana", "Antônio", "Francisca", "Luís", "Inês", "Conceição",
		"Sebastião", "Márcia", "Ângela", "Lúcia", "Otávio", "Estêvão", "Thomas", "James", "Mary", "Emma",
		"Olivia", "Oliver", "William", "Sophia", "Jack", "Harry", "Amélia", "Chloé", "Noël", "Renée", "Zoë"}
	lastNames = []string{"Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Gonçalves", "Araújo",
		"Simões", "Magalhães", "Brandão", "Fernandes", "Rodrigues", "Ribeiro", "Carvalho", "Gomes", "Martins",
		"Smith", "Johnson", "Brown", "Williams", "Jones", "Davies", "O'Brien", "Taylor", "Wilson", "Evans"}
)

// people returns n accounts with names drawn from firstNames and lastNames
// (a middle name for every third), not yet stored.
func people(n int) []*store.User {
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	users := make([]*store.User, n)
	for i := range users {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		name := first + " " + last
		if i%3 == 0 {
			name = first + " " + lastNames[r.IntN(len(lastNames))] + " " + last
		}
		username := fold.Words(first)[0] + "_" + strings.Join(fold.Words(last), "") + fmt.Sprint(i)
		users[i] = &store.User{
			ID: fmt.Sprintf("u%025d", i), Email: username + "@example.com", Username: username, FullName: name,
			CreatedAt: at, UpdatedAt: at,
		}
	}
	return users
}

// benchAccounts is how many people BenchmarkSearchUsers searches among.
const benchAccounts = 100_000

// BenchmarkSearchUsers searches 100,000 people for prefixes of 1 to 4
// letters of their names (one letter being the most crowded) and reports
// the 50th and 99th percentiles of a search of 20 per prefix length. The
// accounts are written straight into the table and indexed by the backfill
// of Open, whose time it reports too.
func BenchmarkSearchUsers(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "user.db")
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	users := people(benchAccounts)
	insertAccounts(b, s, users)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if s, err = Open(ctx, path); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Logf("backfill of %d accounts: %v", len(users), time.Since(start).Round(time.Millisecond))

	var words []string
	for _, name := range slices.Concat(firstNames, lastNames) {
		words = append(words, fold.Words(name)...)
	}
	for length := 1; length <= 4; length++ {
		var prefixes []string
		for _, w := range words {
			if len(w) >= length && !slices.Contains(prefixes, w[:length]) {
				prefixes = append(prefixes, w[:length])
			}
		}
		b.Run(fmt.Sprintf("prefix=%d", length), func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				q := store.SearchQuery{Prefix: prefixes[i%len(prefixes)], Limit: 20}
				t0 := time.Now()
				got, err := s.SearchUsers(ctx, q)
				times = append(times, time.Since(t0))
				if err != nil || len(got) != 20 {
					b.Fatalf("SearchUsers(%q): %d people, %v; want 20", q.Prefix, len(got), err)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

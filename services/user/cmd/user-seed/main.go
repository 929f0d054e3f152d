// Command user-seed fills the user service's store with people for load
// tests: accounts with one cheap precomputed password hash and a follow
// graph with a long tail. It writes through the service's own store.Store
// (never SQL) into FOTOGAL_DATA_DIR/user.db while the user service is
// stopped, and leaves a manifest, FOTOGAL_DATA_DIR/seed.json, that
// image-seed and feed-bench read.
//
// The people it creates:
//
//   - a pool of -celebrities public accounts for each value of -photos
//     (usernames c<photos>_<n>): the accounts followed by most people;
//     image-seed gives each that many photos;
//   - a reader for each value of -following and of -photos (usernames
//     r<following>_<photos>) who follows the first <following> accounts of
//     that pool and nobody else: the timelines feed-bench measures; and
//     -fill-readers - 1 more like it (r<following>_<photos>_<n>), whose
//     first requests feed-bench times too, for a median of the fill;
//   - with -star-followers, one public account, star, with -star-photos
//     photos and that many approved followers: a reader for each value of
//     -star-following (usernames s<k>) who follows the star and the first
//     k-1 accounts of the first pool, and the rest edges from ids that are
//     no account (what the follower counts and lists see, without a
//     million accounts), inserted in one transaction;
//   - -people ordinary accounts (p<n>), every tenth private, each following
//     -follows accounts drawn from a Zipf law over popularity (celebrities
//     first, then people): a few accounts followed by most, most followed
//     by few. A follow of a private account stays REQUESTED.
//
// Every account's password is -password.
package main

import (
	"context"
	crand "crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fotogal/fotogal/services/user/internal/password"
	"github.com/fotogal/fotogal/services/user/internal/store"
	"github.com/fotogal/fotogal/services/user/internal/store/sqlite"
)

// Manifest is what seed.json holds, for image-seed and feed-bench.
type Manifest struct {
	// Password is every seeded account's password.
	Password string `json:"password"`
	// Posters are the accounts that get photos, with how many each.
	Posters []Poster `json:"posters"`
	// Readers are the accounts whose timelines are measured.
	Readers []Reader `json:"readers"`
	// Star is the account with -star-followers followers, if any.
	Star *Star `json:"star,omitempty"`
}

// Star is the account with a huge following.
type Star struct {
	Email     string `json:"email"`
	Username  string `json:"username"`
	UserID    string `json:"userId"`
	Followers int    `json:"followers"`
}

// Poster is an account image-seed gives photos to.
type Poster struct {
	UserID string `json:"userId"`
	Photos int    `json:"photos"`
}

// Reader is an account feed-bench logs in as.
type Reader struct {
	Email    string `json:"email"`
	Username string `json:"username"`
	// Following is how many accounts it follows, each with
	// PhotosPerAccount photos.
	Following        int `json:"following"`
	PhotosPerAccount int `json:"photosPerAccount"`
	// FillOnly marks a reader whose first request only is timed.
	FillOnly bool `json:"fillOnly,omitempty"`
	// FollowsStar marks a reader who follows the star (counted in
	// Following).
	FollowsStar bool `json:"followsStar,omitempty"`
}

type options struct {
	dataDir      string
	following    []int
	photos       []int
	celebrities  int
	fillReaders  int
	starFollow   int
	starPhotos   int
	starReaders  []int
	people       int
	follows      int
	peoplePhotos int
	password     string
	seed         uint64
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "user-seed:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context, args []string) error {
	opts, err := parseFlags(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.dataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(opts.dataDir, "user.db"))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	start := time.Now()
	m, err := seed(ctx, st, opts)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(opts.dataDir, "seed.json"), b, 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	fmt.Fprintf(os.Stderr, "user-seed: %d posters, %d readers in %v\n", len(m.Posters), len(m.Readers), time.Since(start).Round(time.Millisecond))
	return nil
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("user-seed", flag.ContinueOnError)
	dataDir := os.Getenv("FOTOGAL_DATA_DIR")
	if dataDir == "" {
		dataDir = "./var"
	}
	var o options
	var following, photos, starFollowing string
	fs.StringVar(&o.dataDir, "data-dir", dataDir, "data directory of the services (default $FOTOGAL_DATA_DIR or ./var)")
	fs.StringVar(&following, "following", "10,100,1000,5000", "comma-separated numbers of followed accounts, one reader each")
	fs.StringVar(&photos, "photos", "10,1000", "comma-separated numbers of photos per followed account, one pool of celebrities each")
	fs.IntVar(&o.celebrities, "celebrities", 0, "accounts in each pool (default: the largest -following)")
	fs.IntVar(&o.fillReaders, "fill-readers", 1, "readers of each -following and -photos whose first request is timed")
	fs.IntVar(&o.starFollow, "star-followers", 0, "followers of the star account (0: no star)")
	fs.IntVar(&o.starPhotos, "star-photos", 10, "photos of the star")
	fs.StringVar(&starFollowing, "star-following", "10,100,1000", "comma-separated numbers of followed accounts, the star included, one reader each")
	fs.IntVar(&o.people, "people", 1000, "ordinary accounts of the long tail")
	fs.IntVar(&o.follows, "follows", 30, "accounts each ordinary account follows")
	fs.IntVar(&o.peoplePhotos, "people-photos", 3, "photos per ordinary account")
	fs.StringVar(&o.password, "password", "seed-password-1", "every account's password")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random follow graph")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	var err error
	if o.following, err = parseInts(following); err != nil {
		return options{}, fmt.Errorf("-following: %w", err)
	}
	if o.photos, err = parseInts(photos); err != nil {
		return options{}, fmt.Errorf("-photos: %w", err)
	}
	if o.celebrities == 0 {
		o.celebrities = slices.Max(o.following)
	}
	if o.starFollow > 0 {
		if o.starReaders, err = parseInts(starFollowing); err != nil {
			return options{}, fmt.Errorf("-star-following: %w", err)
		}
		if slices.Max(o.starReaders)-1 > o.celebrities {
			return options{}, errors.New("-star-following: more than the pool of -celebrities and the star")
		}
		if o.starFollow < len(o.starReaders) {
			return options{}, errors.New("-star-followers: fewer than the readers of -star-following")
		}
	}
	if o.fillReaders < 1 {
		return options{}, errors.New("-fill-readers: must be at least 1")
	}
	if o.celebrities < slices.Max(o.following) {
		return options{}, errors.New("-celebrities: fewer than the largest -following")
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// seed creates the accounts and the graph and returns the manifest.
func seed(ctx context.Context, st *sqlite.Store, o options) (*Manifest, error) {
	hasher, err := password.NewHasher(password.OWASP)
	if err != nil {
		return nil, err
	}
	// One hash for all: argon2id costs tens of milliseconds, and logging
	// in checks it the same way.
	hash, err := hasher.Hash(o.password)
	if err != nil {
		return nil, err
	}
	s := &seeder{st: st, hash: hash, at: time.Now().UTC().Add(-time.Hour)}
	m := &Manifest{Password: o.password}

	var popular []string // ids by popularity, most followed first
	var pools [][]string
	for _, photos := range o.photos {
		pool := make([]string, o.celebrities)
		for i := range pool {
			if pool[i], err = s.user(ctx, fmt.Sprintf("c%d_%d", photos, i), false); err != nil {
				return nil, err
			}
			m.Posters = append(m.Posters, Poster{UserID: pool[i], Photos: photos})
		}
		popular = append(popular, pool...)
		pools = append(pools, pool)
		for _, k := range o.following {
			for n := range o.fillReaders {
				name := fmt.Sprintf("r%d_%d", k, photos)
				if n > 0 {
					name += "_" + strconv.Itoa(n)
				}
				reader, err := s.user(ctx, name, false)
				if err != nil {
					return nil, err
				}
				for _, followee := range pool[:k] {
					if err := s.follow(ctx, reader, followee, store.FollowFollowing); err != nil {
						return nil, err
					}
				}
				m.Readers = append(m.Readers, Reader{Email: email(name), Username: name, Following: k, PhotosPerAccount: photos, FillOnly: n > 0})
			}
		}
	}

	if o.starFollow > 0 {
		if m.Star, err = s.star(ctx, o, pools[0], m); err != nil {
			return nil, err
		}
	}

	people := make([]string, o.people)
	private := make(map[string]bool)
	for i := range people {
		priv := i%10 == 0
		if people[i], err = s.user(ctx, fmt.Sprintf("p%d", i), priv); err != nil {
			return nil, err
		}
		private[people[i]] = priv
		m.Posters = append(m.Posters, Poster{UserID: people[i], Photos: o.peoplePhotos})
	}
	popular = append(popular, people...)
	r := rand.New(rand.NewPCG(o.seed, o.seed))
	zipf := rand.NewZipf(r, 1.2, 1, uint64(len(popular)-1))
	for _, follower := range people {
		for range o.follows {
			followee := popular[zipf.Uint64()]
			if followee == follower {
				continue
			}
			state := store.FollowFollowing
			if private[followee] {
				state = store.FollowRequested
			}
			if err := s.follow(ctx, follower, followee, state); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// star creates the star, with o.starPhotos photos, its readers, who
// follow it and the first accounts of pool (with o.photos[0] photos each),
// and the rest of its o.starFollow followers as edges alone, in one
// transaction.
func (s *seeder) star(ctx context.Context, o options, pool []string, m *Manifest) (*Star, error) {
	const name = "star"
	id, err := s.user(ctx, name, false)
	if err != nil {
		return nil, err
	}
	m.Posters = append(m.Posters, Poster{UserID: id, Photos: o.starPhotos})
	for _, k := range o.starReaders {
		reader := fmt.Sprintf("s%d", k)
		rid, err := s.user(ctx, reader, false)
		if err != nil {
			return nil, err
		}
		for _, followee := range append(slices.Clone(pool[:k-1]), id) {
			if err := s.follow(ctx, rid, followee, store.FollowFollowing); err != nil {
				return nil, err
			}
		}
		m.Readers = append(m.Readers, Reader{Email: email(reader), Username: reader, Following: k, PhotosPerAccount: o.photos[0], FollowsStar: true})
	}
	edges := make([]store.Follow, o.starFollow-len(o.starReaders))
	for i := range edges {
		edges[i] = store.Follow{FollowerID: newID(), FolloweeID: id, State: store.FollowFollowing, CreatedAt: s.tick()}
	}
	// In primary key order, so that the inserts append to the table.
	slices.SortFunc(edges, func(a, b store.Follow) int { return strings.Compare(a.FollowerID, b.FollowerID) })
	if err := s.st.ImportFollows(ctx, edges); err != nil {
		return nil, fmt.Errorf("follow the star: %w", err)
	}
	return &Star{Email: email(name), Username: name, UserID: id, Followers: o.starFollow}, nil
}

// seeder writes accounts and edges, each a microsecond after the last so
// that lists have distinct, stable times.
type seeder struct {
	st   *sqlite.Store
	hash string
	at   time.Time
}

func (s *seeder) tick() time.Time {
	s.at = s.at.Add(time.Microsecond)
	return s.at
}

func (s *seeder) user(ctx context.Context, username string, private bool) (string, error) {
	at := s.tick()
	u := &store.User{
		ID:           newID(),
		Email:        email(username),
		Username:     username,
		FullName:     "Seeded " + username,
		IsPrivate:    private,
		PasswordHash: s.hash,
		CreatedAt:    at,
		UpdatedAt:    at,
	}
	if err := s.st.CreateUser(ctx, u); err != nil {
		return "", fmt.Errorf("create user %s: %w", username, err)
	}
	return u.ID, nil
}

func (s *seeder) follow(ctx context.Context, follower, followee string, state store.FollowState) error {
	_, err := s.st.PutFollowIfAbsent(ctx, store.Follow{FollowerID: follower, FolloweeID: followee, State: state, CreatedAt: s.tick()})
	if err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	return nil
}

func email(username string) string { return username + "@seed.fotogal.test" }

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a user id as the user service makes them: 16 random bytes
// in lower-case base32 without padding.
func newID() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b) // crypto/rand.Read never returns an error.
	return strings.ToLower(idEncoding.EncodeToString(b))
}

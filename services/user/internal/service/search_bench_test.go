package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"

	"github.com/fotogal/fotogal/services/user/internal/password"
	"github.com/fotogal/fotogal/services/user/internal/service"
	"github.com/fotogal/fotogal/services/user/internal/store"
	"github.com/fotogal/fotogal/services/user/internal/store/sqlite"
)

// BenchmarkSearchUsersGRPC times SearchUsers end to end over gRPC (a real
// server on a free port, authentication included) among 100,000 people
// named from a small list of Portuguese and English names, for prefixes of
// 1 to 4 letters, and reports the 50th and 99th percentiles per length.
func BenchmarkSearchUsersGRPC(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "user.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	first := []string{"João", "José", "Maria", "Ana", "Antônio", "Inês", "Conceição", "Sebastião", "Márcia",
		"Ângela", "Lúcia", "Thomas", "James", "Mary", "Emma", "Olivia", "Oliver", "William", "Amélia", "Chloé"}
	last := []string{"Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Gonçalves", "Araújo", "Simões",
		"Magalhães", "Smith", "Johnson", "Brown", "Williams", "Jones", "Davies", "Taylor", "Wilson"}
	start := time.Now()
	for i := range 100_000 {
		f, l := first[i%len(first)], last[(i/len(first))%len(last)]
		name := fmt.Sprintf("p%06d_%c%c", i, 'a'+rune(i%26), 'a'+rune(i/26%26))
		at := time.Now().UTC()
		u := &store.User{ID: fmt.Sprintf("id%024d", i), Email: name + "@example.com", Username: name,
			FullName: f + " " + l, CreatedAt: at, UpdatedAt: at}
		if err := st.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("created 100,000 accounts in %v", time.Since(start).Round(time.Millisecond))

	hasher, err := password.NewHasher(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1})
	if err != nil {
		b.Fatal(err)
	}
	validator := &fakeValidator{callers: map[string]authn.Caller{"token": {UserID: "id" + fmt.Sprintf("%024d", 0), SessionID: "s"}}}
	policy := authn.Policy{Public: service.PublicMethods, Validator: validator, ServiceSecret: serviceSecret}
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, zap.NewNop(), "user",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	service.New(service.Config{Store: st, Hasher: hasher, Posts: &fakePosts{counts: map[string]int64{}}, Sessions: &fakeSessions{}}).Register(srv.GRPC())
	serveCtx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx) }()
	defer func() { cancel(); <-served }()
	conn, err := grpcclient.Dial(srv.Addr(), grpcclient.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client := userv1.NewUserServiceClient(conn)
	callCtx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer token")

	words := []string{"joao", "jose", "maria", "ana", "antonio", "ines", "conceicao", "sebastiao", "marcia",
		"angela", "lucia", "silva", "santos", "oliveira", "souza", "pereira", "lima", "goncalves", "smith", "jones"}
	for length := 1; length <= 4; length++ {
		var prefixes []string
		for _, w := range words {
			if p := w[:min(length, len(w))]; !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p)
			}
		}
		b.Run(fmt.Sprintf("prefix=%d", length), func(b *testing.B) {
			var times []time.Duration
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				resp, err := client.SearchUsers(callCtx, &userv1.SearchUsersRequest{Q: prefixes[i%len(prefixes)]})
				times = append(times, time.Since(t0))
				if err != nil || len(resp.GetUsers()) != 20 {
					b.Fatalf("SearchUsers(%q): %d people, %v; want 20", prefixes[i%len(prefixes)], len(resp.GetUsers()), err)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

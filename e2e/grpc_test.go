package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

// The proto files whose services each binary serves.
var served = map[string][]protoreflect.FileDescriptor{
	"auth":  {authv1.File_fotogal_auth_v1_auth_proto},
	"user":  {userv1.File_fotogal_user_v1_user_proto},
	"image": {imagev1.File_fotogal_image_v1_image_proto},
	"feed":  {feedv1.File_fotogal_feed_v1_feed_proto},
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func withTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// listServices asks a server's reflection service what it serves, as
// `grpcurl -plaintext ADDR list` does.
func listServices(t *testing.T, conn *grpc.ClientConn) []string {
	t.Helper()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(withTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	sort.Strings(names)
	return names
}

func TestGRPCSurface(t *testing.T) {
	s := startStack(t, nil)
	erin := s.Register(t, Unique("erin"))

	for name, files := range served {
		t.Run(name, func(t *testing.T) {
			conn := dial(t, s.Addr[name])
			got := strings.Join(listServices(t, conn), " ")
			want := []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"}
			for _, f := range files {
				for i := range f.Services().Len() {
					want = append(want, string(f.Services().Get(i).FullName()))
				}
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("reflection lists %q, missing %s", got, w)
				}
			}

			health, err := healthpb.NewHealthClient(conn).Check(withTimeout(t), &healthpb.HealthCheckRequest{})
			if err != nil || health.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Errorf("health = %v, %v; want SERVING", health, err)
			}

			for _, f := range files {
				for i := range f.Services().Len() {
					svc := f.Services().Get(i)
					if strings.HasSuffix(string(svc.Name()), "InternalService") {
						checkInternalRefused(t, conn, svc, erin.Token, s.Secret)
					}
				}
			}
		})
	}

	t.Run("a public RPC answers with a bearer token in metadata", func(t *testing.T) {
		conn := dial(t, s.Addr["user"])
		ctx := metadata.AppendToOutgoingContext(withTimeout(t), "authorization", "Bearer "+erin.Token)
		me, err := userv1.NewUserServiceClient(conn).GetMe(ctx, &userv1.GetMeRequest{})
		if err != nil {
			t.Fatalf("GetMe: %v", err)
		}
		if me.GetUser().GetUsername() != erin.Username {
			t.Errorf("GetMe = %s, want %s", me.GetUser().GetUsername(), erin.Username)
		}
		_, err = userv1.NewUserServiceClient(conn).GetMe(withTimeout(t), &userv1.GetMeRequest{})
		if got := status.Code(err); got != codes.Unauthenticated {
			t.Errorf("GetMe without a token: %v, want Unauthenticated", got)
		}
	})
}

// checkInternalRefused calls every method of an internal service with a
// user's valid session token: without the service credential, and with a
// wrong one, each call must be refused; with the right one it must get past
// the credential check.
func checkInternalRefused(t *testing.T, conn *grpc.ClientConn, svc protoreflect.ServiceDescriptor, userToken, secret string) {
	t.Helper()
	for i := range svc.Methods().Len() {
		m := svc.Methods().Get(i)
		method := "/" + string(svc.FullName()) + "/" + string(m.Name())
		call := func(md ...string) error {
			ctx := metadata.AppendToOutgoingContext(withTimeout(t), md...)
			in := dynamicpb.NewMessage(m.Input())
			out := dynamicpb.NewMessage(m.Output())
			return conn.Invoke(ctx, method, in, out)
		}
		bearer := []string{"authorization", "Bearer " + userToken}
		if got := status.Code(call(bearer...)); got != codes.Unauthenticated && got != codes.PermissionDenied {
			t.Errorf("%s with a user's token only: %v, want Unauthenticated or PermissionDenied", method, got)
		}
		wrong := append(bearer, "x-fotogal-service-credential", "not-the-secret")
		if got := status.Code(call(wrong...)); got != codes.PermissionDenied {
			t.Errorf("%s with a wrong service credential: %v, want PermissionDenied", method, got)
		}
		// With the right credential the call reaches its handler, which may
		// still refuse the empty request on its own terms (an empty token is
		// Unauthenticated for ValidateSession) but never for the credential.
		right := []string{"x-fotogal-service-credential", secret}
		st := status.Convert(call(right...))
		if st.Code() == codes.Unimplemented || strings.Contains(st.Message(), "service credential") {
			t.Errorf("%s with the service credential: %v %q, want it let through", method, st.Code(), st.Message())
		}
	}
}

// No internal RPC may ever get an HTTP route.
func TestNoInternalRoute(t *testing.T) {
	root, err := WorkspaceRoot()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := os.ReadFile(filepath.Join(root, "proto", "fotogal", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var selectors int
	for _, line := range strings.Split(string(routes), "\n") {
		line = strings.TrimSpace(line)
		if sel, ok := strings.CutPrefix(line, "- selector:"); ok {
			selectors++
			if strings.Contains(sel, "InternalService") {
				t.Errorf("gateway route for an internal RPC: %s", sel)
			}
			if _, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(strings.TrimSpace(sel))); err != nil {
				t.Errorf("route selector %s names no RPC: %v", sel, err)
			}
		}
	}
	if selectors == 0 {
		t.Fatal("no routes found in gateway.yaml")
	}
}

package authclient_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"

	"github.com/fotogal/fotogal/pkg/authclient"
)

type fakeAuth struct {
	authv1.UnimplementedAuthInternalServiceServer
}

func (fakeAuth) ValidateSession(_ context.Context, req *authv1.ValidateSessionRequest) (*authv1.ValidateSessionResponse, error) {
	if req.GetSessionToken() != "good-token" {
		return nil, status.Error(codes.Unauthenticated, "invalid or expired session")
	}
	return &authv1.ValidateSessionResponse{UserId: "u1", SessionId: "s1"}, nil
}

func TestValidateSession(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	authv1.RegisterAuthInternalServiceServer(srv, fakeAuth{})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	v := authclient.NewValidator(conn)

	caller, err := v.ValidateSession(context.Background(), "good-token")
	if err != nil {
		t.Fatalf("ValidateSession(good) = %v", err)
	}
	if caller.UserID != "u1" || caller.SessionID != "s1" {
		t.Errorf("caller = %+v, want u1/s1", caller)
	}

	_, err = v.ValidateSession(context.Background(), "garbage")
	if got, want := status.Code(err), codes.Unauthenticated; got != want {
		t.Errorf("ValidateSession(garbage) code = %v, want %v", got, want)
	}
}

// Package testservice is a hand-written gRPC service for the tests of this
// module: each method takes and returns a google.protobuf.StringValue.
package testservice

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Handler handles one method of the test service.
type Handler func(ctx context.Context, in string) (string, error)

// Register registers on s a service named service (e.g.
// "fotogal.test.v1.EchoService") with one unary method per entry of methods.
func Register(s grpc.ServiceRegistrar, service string, methods map[string]Handler) {
	desc := grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
	}
	for name, h := range methods {
		desc.Methods = append(desc.Methods, grpc.MethodDesc{
			MethodName: name,
			Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				handler := func(ctx context.Context, req any) (any, error) {
					out, err := h(ctx, req.(*wrapperspb.StringValue).GetValue())
					if err != nil {
						return nil, err
					}
					return wrapperspb.String(out), nil
				}
				if interceptor == nil {
					return handler(ctx, in)
				}
				return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/" + service + "/" + name}, handler)
			},
		})
	}
	s.RegisterService(&desc, struct{}{})
}

// Call invokes the unary method fullMethod ("/service/Method") with in.
func Call(ctx context.Context, conn grpc.ClientConnInterface, fullMethod, in string, opts ...grpc.CallOption) (string, error) {
	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(ctx, fullMethod, wrapperspb.String(in), out, opts...); err != nil {
		return "", err
	}
	return out.GetValue(), nil
}

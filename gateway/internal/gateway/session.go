package gateway

import (
	"context"
	"net/http"

	"google.golang.org/protobuf/proto"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

// sessionCookieName is the cookie that carries a browser's session token.
const sessionCookieName = "fotogal_session"

// sessionCookie is the grpc-gateway response option that sets the session
// cookie on a login and clears it on a logout and an account deletion.
func (g *Gateway) sessionCookie(ctx context.Context, w http.ResponseWriter, msg proto.Message) error {
	secure := requestInfoFrom(ctx).secure
	switch m := msg.(type) {
	case *authv1.LoginResponse:
		c := &http.Cookie{
			Name:     sessionCookieName,
			Value:    m.GetSessionToken(),
			Path:     "/",
			HttpOnly: true,
			Secure:   secure,
			SameSite: http.SameSiteLaxMode,
		}
		if m.GetExpireTime() != nil {
			c.Expires = m.GetExpireTime().AsTime()
		}
		http.SetCookie(w, c)
	case *authv1.LogoutResponse, *userv1.DeleteAccountResponse:
		// A deleted account's sessions are ended, or about to be.
		clearSessionCookie(w, secure)
	}
	return nil
}

// clearSessionCookie tells the browser to drop its session cookie.
func clearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	})
}

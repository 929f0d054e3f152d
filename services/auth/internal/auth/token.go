package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

const (
	// tokenBytes is the entropy of a session token: 256 bits.
	tokenBytes = 32
	// sessionIDBytes is the entropy of a public session id: 128 bits.
	sessionIDBytes = 16
)

// tokenLen is the length of an encoded session token.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// newToken returns a new session token: 32 bytes from crypto/rand, in
// base64url without padding (43 characters).
func newToken() string {
	return randomString(tokenBytes)
}

// newSessionID returns a new public session id: 16 random bytes in base64url
// without padding (22 characters). It is unrelated to the token.
func newSessionID() string {
	return randomString(sessionIDBytes)
}

// randomString returns n random bytes in base64url without padding.
// crypto/rand.Read never fails (it crashes the program if the system's
// randomness is unavailable).
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken returns the key under which a token's session is stored: the
// SHA-256 of the token, base64url without padding (43 bytes).
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// wellFormedToken reports whether token could have been made by newToken,
// so that garbage is refused without a read.
func wellFormedToken(token string) bool {
	if len(token) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}

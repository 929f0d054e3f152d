package password_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fotogal/fotogal/services/user/internal/password"
)

// cheap keeps the tests fast; the encoding is the same as with OWASP.
var cheap = password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

func TestHashAndVerify(t *testing.T) {
	h, err := password.NewHasher(cheap)
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := encoded, "$argon2id$v=19$m=64,t=1,p=1$"; !strings.HasPrefix(got, want) {
		t.Errorf("hash %q, want the prefix %q", got, want)
	}
	if strings.Contains(encoded, "correct horse") {
		t.Error("the hash contains the password")
	}
	again, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if again == encoded {
		t.Error("two hashes of one password are equal: the salt is not random")
	}

	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"right", "correct horse battery", true},
		{"wrong", "correct horse battery!", false},
		{"other case", "Correct horse battery", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Verify(tc.password, encoded)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVerifyWithOtherParams(t *testing.T) {
	old, err := password.NewHasher(password.Params{MemoryKiB: 32, Iterations: 2, Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := old.Hash("a long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	current, err := password.NewHasher(cheap)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := current.Verify("a long passphrase", encoded); err != nil || !ok {
		t.Errorf("got %v, %v, want a hash made with other parameters to verify", ok, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	h, err := password.NewHasher(cheap)
	if err != nil {
		t.Fatal(err)
	}
	for _, encoded := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$not base64$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
	} {
		if _, err := h.Verify("password123", encoded); !errors.Is(err, password.ErrMalformedHash) {
			t.Errorf("Verify(%q): got %v, want ErrMalformedHash", encoded, err)
		}
	}
}

func TestNewHasherRejectsBadParams(t *testing.T) {
	for _, p := range []password.Params{
		{MemoryKiB: 64, Iterations: 0, Parallelism: 1},
		{MemoryKiB: 64, Iterations: 1, Parallelism: 0},
		{MemoryKiB: 4, Iterations: 1, Parallelism: 1},
	} {
		if _, err := password.NewHasher(p); err == nil {
			t.Errorf("NewHasher(%+v) accepted", p)
		}
	}
}

package fold

import (
	"slices"
	"testing"
)

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"João", "joao"},
		{"JOÃO SILVA", "joao silva"},
		{"Ça va, Zoë?", "ca va, zoe?"},
		{"Ñandú", "nandu"},
		{"ﬁlm", "film"},
		{"already_plain_42", "already_plain_42"},
		{"", ""},
		{"日本", "日本"},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"João da Silva", []string{"joao", "da", "silva"}},
		{"  Ana-Lúcia  O'Neil ", []string{"ana", "lucia", "o", "neil"}},
		{"", nil},
		{"--", nil},
	} {
		if got := Words(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

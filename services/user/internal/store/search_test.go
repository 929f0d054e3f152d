package store

import (
	"slices"
	"strings"
	"testing"
)

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		prefix, want string
		ok           bool
	}{
		{"abc", "abd", true},
		{"jo\u00e3", "jo\u00e4", true},
		{"z", "{", true},
		{"a\u00ff", "a\u0100", true},
		{"\U0001E922", "\U0001E923", true},
		{"a\ud7fe", "a\ud7ff", true},
		{"a\ud7ff", "", false},
		{"a\uffff", "", false},
		{"a\U0010FFFF", "", false},
		{"", "", false},
	} {
		got, ok := PrefixEnd(tc.prefix)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PrefixEnd(%q) = %q, %v, want %q, %v", tc.prefix, got, ok, tc.want, tc.ok)
		}
		if ok && !(tc.prefix < got && tc.prefix+"\U0010FFFF" < got) {
			t.Errorf("PrefixEnd(%q) = %q is not above the strings starting with the prefix", tc.prefix, got)
		}
	}
}

func TestCutTerm(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"short", "short"},
		{strings.Repeat("a", 32), strings.Repeat("a", 32)},
		{strings.Repeat("a", 40), strings.Repeat("a", 32)},
		// "日" is 3 bytes: ten make 30, the eleventh would end at 33.
		{strings.Repeat("日", 12), strings.Repeat("日", 10)},
	} {
		if got := CutTerm(tc.in); got != tc.want {
			t.Errorf("CutTerm(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSearchTerms(t *testing.T) {
	many := strings.Repeat("w ", 5) + "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20"
	for _, tc := range []struct {
		name     string
		u        User
		want     []string
		wantSize int
	}{
		{"username and words, folded", User{Username: "Joao_S", FullName: "João da Silva"}, []string{"joao_s", "joao", "da", "silva"}, 4},
		{"repeated words once", User{Username: "ana_1", FullName: "Ana ANA Anabela"}, []string{"ana_1", "ana", "anabela"}, 3},
		{"a word equal to the username once", User{Username: "silva", FullName: "Silva"}, []string{"silva"}, 1},
		{"at most MaxTermsPerUser", User{Username: "many_words", FullName: many}, nil, MaxTermsPerUser},
	} {
		got := SearchTerms(&tc.u)
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("%s: SearchTerms = %q, want %q", tc.name, got, tc.want)
		}
		if len(got) != tc.wantSize {
			t.Errorf("%s: %d terms, want %d", tc.name, len(got), tc.wantSize)
		}
	}
}

func TestSearchTermChanges(t *testing.T) {
	before := &User{Username: "joao_s", FullName: "João da Silva"}
	after := &User{Username: "joao_s", FullName: "João Pereira"}
	add, remove := SearchTermChanges(before, after)
	if want := []string{"pereira"}; !slices.Equal(add, want) {
		t.Errorf("add = %q, want %q", add, want)
	}
	if want := []string{"da", "silva"}; !slices.Equal(remove, want) {
		t.Errorf("remove = %q, want %q", remove, want)
	}
	add, remove = SearchTermChanges(nil, after)
	if want := []string{"joao_s", "joao", "pereira"}; !slices.Equal(add, want) || remove != nil {
		t.Errorf("new account: add %q, remove %q, want add %q and nothing removed", add, remove, want)
	}
}

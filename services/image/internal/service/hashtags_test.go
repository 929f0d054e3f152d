package service

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseTags(t *testing.T) {
	var many []string
	for i := range 35 {
		many = append(many, fmt.Sprintf("#tag%02d", i))
	}
	firstThirty := make([]string, 30)
	for i := range firstThirty {
		firstThirty[i] = fmt.Sprintf("tag%02d", i)
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"one", "sunset #beach", []string{"beach"}},
		{"case and accents are one tag", "#café, #Café and #cafe", []string{"cafe"}},
		{"after a letter", "a#b", nil},
		{"after a letter of another script", "café#x and 東京#y", nil},
		{"after a digit or underscore", "1#x _#y", nil},
		{"double hash", "##x", []string{"x"}},
		{"hash inside a tag", "#tag#other", []string{"tag"}},
		{"punctuation after", "(#sunset)! #beach, #sea. #sky?", []string{"sunset", "beach", "sea", "sky"}},
		{"after punctuation", "hi,#there (#you)", []string{"there", "you"}},
		{"unicode", "#São_Paulo #東京 #Москва #Ñandú", []string{"sao_paulo", "東京", "москва", "nandu"}},
		{"decomposed accent", "#Sa\u0303o", []string{"sao"}},
		{"digits", "#2026 #top10", []string{"2026", "top10"}},
		{"non-tag character ends it", "#rock-n-roll #hello’s", []string{"rock", "hello"}},
		{"longest", "#" + strings.Repeat("a", 100), []string{strings.Repeat("a", 100)}},
		{"too long", "#" + strings.Repeat("a", 101) + " #ok", []string{"ok"}},
		{"duplicates keep the first order", "#b #a #B #b #a", []string{"b", "a"}},
		{"at most 30", strings.Join(many, " "), firstThirty},
		{"lone hash", "a # b #", nil},
		{"hash and a space", "# tag", nil},
		{"none", "no tags here", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseTags(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("parseTags(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestRouteTag(t *testing.T) {
	tests := []struct {
		raw, want string
		invalid   bool
	}{
		{raw: "cafe", want: "cafe"},
		{raw: "#Café", want: "cafe"},
		{raw: "CAFÉ", want: "cafe"},
		{raw: "São_Paulo", want: "sao_paulo"},
		{raw: strings.Repeat("a", 100), want: strings.Repeat("a", 100)},
		{raw: "", invalid: true},
		{raw: "#", invalid: true},
		{raw: "##cafe", invalid: true},
		{raw: "ca fe", invalid: true},
		{raw: "café!", invalid: true},
		{raw: "\u0301", invalid: true},
		{raw: strings.Repeat("a", 101), invalid: true},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := routeTag(tc.raw)
			var field *fieldError
			switch {
			case tc.invalid && (!errors.As(err, &field) || field.field != "tag"):
				t.Errorf("routeTag(%q) = %q, %v; want a fieldError on tag", tc.raw, got, err)
			case !tc.invalid && (err != nil || got != tc.want):
				t.Errorf("routeTag(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
}

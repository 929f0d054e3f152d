package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTagKey(t *testing.T) {
	tests := []struct {
		name, tag, want string
	}{
		{"short", "cafe", "cafe"},
		{"exactly the limit", strings.Repeat("a", MaxTagKeyBytes), strings.Repeat("a", MaxTagKeyBytes)},
		{"one byte over", strings.Repeat("a", MaxTagKeyBytes+1), strings.Repeat("a", MaxTagKeyBytes)},
		{"two-byte letters", strings.Repeat("я", 20), strings.Repeat("я", 15)},
		// 10 characters of 3 bytes fill 30 bytes; an 11th would cross it.
		{"three-byte characters", strings.Repeat("日", 12), strings.Repeat("日", 10)},
		// 29 ASCII bytes leave no room for a 2-byte letter.
		{"cut before a rune that does not fit", strings.Repeat("a", 29) + "яя", strings.Repeat("a", 29)},
		{"four-byte runes", strings.Repeat("😀", 8), strings.Repeat("😀", 7)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TagKey(tc.tag)
			if got != tc.want {
				t.Errorf("TagKey(%q) = %q, want %q", tc.tag, got, tc.want)
			}
			if len(got) > MaxTagKeyBytes || !utf8.ValidString(got) || TagKey(got) != got {
				t.Errorf("TagKey(%q) = %q: %d bytes, valid UTF-8 %v, not a fixed point", tc.tag, got, len(got), utf8.ValidString(got))
			}
		})
	}
}

package service

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The shape of a username, as the user service accepts it:
// [A-Za-z0-9_]{4,30}.
const (
	minUsernameLen = 4
	maxUsernameLen = 30
)

// maxMentions bounds the people one text mentions; later ones are not
// mentions.
const maxMentions = 20

// parseMentions returns the usernames text mentions, in lower case (the
// user service looks them up in any letter case), once each, in the order
// they first appear, at most maxMentions. A mention is an "@" that does
// not follow a letter, digit or underscore, followed by a whole run of
// username characters of a username's length: "@alice." mentions alice,
// "mail@alice.com" and "@al" mention nobody.
func parseMentions(text string) []string {
	var names []string
	seen := make(map[string]bool)
	for i := 0; i < len(text) && len(names) < maxMentions; i++ {
		if text[i] != '@' {
			continue
		}
		if before, _ := utf8.DecodeLastRuneInString(text[:i]); i > 0 && isWordRune(before) {
			continue
		}
		end := i + 1
		for end < len(text) && isUsernameByte(text[end]) {
			end++
		}
		name := strings.ToLower(text[i+1 : end])
		if n := len(name); n >= minUsernameLen && n <= maxUsernameLen && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		i = end - 1
	}
	return names
}

// isUsernameByte reports whether b may be part of a username.
func isUsernameByte(b byte) bool {
	return b == '_' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

// isWordRune reports whether r is a letter, digit or underscore, in any
// script: an "@" after one is part of a word, as in an email address.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

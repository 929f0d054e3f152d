package service

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fotogal/fotogal/pkg/fold"
)

// The shape of a hashtag: 1 to maxTagLen characters after its '#', at
// most maxTags of them in one caption.
const (
	maxTagLen = 100
	maxTags   = 30
)

// parseTags returns the hashtags of text, folded (pkg/fold: "#Café" and
// "#cafe" are one tag), once each, in the order they first appear, at most
// maxTags. A hashtag is a '#' that does not follow a letter, digit or
// underscore (or a mark on one), followed by a whole run of letters,
// digits, underscores and combining marks, in any script, of 1 to
// maxTagLen characters: "#São_Paulo!" is sao_paulo; "a#b", "#" and a run
// longer than maxTagLen are no tag; in "##x" the second '#' begins x.
func parseTags(text string) []string {
	var tags []string
	seen := make(map[string]bool)
	for i := 0; i < len(text) && len(tags) < maxTags; i++ {
		if text[i] != '#' {
			continue
		}
		if before, _ := utf8.DecodeLastRuneInString(text[:i]); i > 0 && isTagRune(before) {
			continue
		}
		end := i + 1
		for end < len(text) {
			r, n := utf8.DecodeRuneInString(text[end:])
			if !isTagRune(r) {
				break
			}
			end += n
		}
		if tag, ok := foldTag(text[i+1 : end]); ok && !seen[tag] {
			seen[tag] = true
			tags = append(tags, tag)
		}
		i = end - 1
	}
	return tags
}

// foldTag returns the folded form of the characters after a '#' when they
// make a tag: 1 to maxTagLen characters, each a letter, digit, underscore
// or combining mark, that fold to something.
func foldTag(raw string) (string, bool) {
	if n := utf8.RuneCountInString(raw); n == 0 || n > maxTagLen || strings.ContainsFunc(raw, func(r rune) bool { return !isTagRune(r) }) {
		return "", false
	}
	tag := fold.Fold(raw)
	return tag, tag != ""
}

// routeTag returns the folded tag a request names, with or without its
// '#'; a fieldError on "tag" when it is not one.
func routeTag(raw string) (string, error) {
	if raw == "" {
		return "", &fieldError{"tag", "required"}
	}
	tag, ok := foldTag(strings.TrimPrefix(raw, "#"))
	if !ok {
		return "", &fieldError{"tag", fmt.Sprintf("must be a hashtag: 1 to %d letters, digits or underscores, after an optional '#'", maxTagLen)}
	}
	return tag, nil
}

// isTagRune reports whether r may be part of a hashtag: a letter, digit or
// underscore, or a combining mark (an accent typed apart from its letter,
// which folding removes).
func isTagRune(r rune) bool {
	return isWordRune(r) || unicode.IsMark(r)
}

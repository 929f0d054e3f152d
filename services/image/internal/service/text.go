package service

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The bounds of what people write, in characters.
const (
	maxCaption = 2200
	maxComment = 2200
)

// checkLength refuses field when text has more than limit characters.
func checkLength(field, text string, limit int) error {
	if utf8.RuneCountInString(text) > limit {
		return &fieldError{field, fmt.Sprintf("must be at most %d characters", limit)}
	}
	return nil
}

// commentText returns text as a comment keeps it: line breaks as "\n",
// without the white space around it. It refuses (a fieldError on "text")
// invalid UTF-8, control characters other than line breaks and tabs, and
// texts that are empty or longer than maxComment once trimmed.
func commentText(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", &fieldError{"text", "must be valid UTF-8"}
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return "", &fieldError{"text", "required"}
	}
	if err := checkLength("text", text, maxComment); err != nil {
		return "", err
	}
	if strings.ContainsFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return "", &fieldError{"text", "must not contain control characters other than line breaks and tabs"}
	}
	return text, nil
}

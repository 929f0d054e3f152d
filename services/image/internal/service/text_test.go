package service

import (
	"errors"
	"strings"
	"testing"
)

func TestCommentText(t *testing.T) {
	tests := []struct {
		name, text string
		want       string // the text kept, when valid
		invalid    string // the start of the field error's description
	}{
		{name: "plain", text: "nice photo", want: "nice photo"},
		{name: "trimmed", text: "  \n\tnice photo \r\n ", want: "nice photo"},
		{name: "tab and newline kept", text: "one\ttwo\nthree", want: "one\ttwo\nthree"},
		{name: "CRLF normalised", text: "one\r\ntwo\r\n\r\nthree", want: "one\ntwo\n\nthree"},
		{name: "2,200 characters", text: strings.Repeat("é", 2200), want: strings.Repeat("é", 2200)},
		{name: "2,200 characters once trimmed", text: "  " + strings.Repeat("a", 2200) + "  ", want: strings.Repeat("a", 2200)},
		{name: "emoji", text: "👍🏽 yes", want: "👍🏽 yes"},
		{name: "empty", text: "", invalid: "required"},
		{name: "spaces only", text: " \t\r\n ", invalid: "required"},
		{name: "2,201 characters", text: strings.Repeat("é", 2201), invalid: "must be at most 2200 characters"},
		{name: "control character", text: "ring\abell", invalid: "must not contain control characters"},
		{name: "lone carriage return", text: "one\rtwo", invalid: "must not contain control characters"},
		{name: "NUL", text: "a\x00b", invalid: "must not contain control characters"},
		{name: "C1 control", text: "a\u0085b", invalid: "must not contain control characters"},
		{name: "invalid UTF-8", text: "caf\xe9", invalid: "must be valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := commentText(tc.text)
			if tc.invalid == "" {
				if err != nil || got != tc.want {
					t.Errorf("commentText(%q) = %q, %v; want %q", tc.text, got, err, tc.want)
				}
				return
			}
			var field *fieldError
			if !errors.As(err, &field) || field.field != "text" || !strings.HasPrefix(field.description, tc.invalid) {
				t.Errorf("commentText(%q) = %q, %v; want a text error %q", tc.text, got, err, tc.invalid)
			}
		})
	}
}

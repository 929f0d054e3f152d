package service

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseMentions(t *testing.T) {
	var many []string
	for i := range 25 {
		many = append(many, fmt.Sprintf("@user%02d", i))
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"one", "hello @bob_1", []string{"bob_1"}},
		{"at the start", "@alice look", []string{"alice"}},
		{"email address", "write to email@example.com", nil},
		{"after a letter of another script", "café@alice", nil},
		{"double at sign", "@@x and @@alice", []string{"alice"}},
		{"punctuation after", "(@alice), @carol! @erin_99.", []string{"alice", "carol", "erin_99"}},
		{"after punctuation", "hi,@alice", []string{"alice"}},
		{"too short", "@bob @abc", nil},
		{"shortest", "@abcd", []string{"abcd"}},
		{"longest", "@" + strings.Repeat("a", 30), []string{strings.Repeat("a", 30)}},
		{"too long", "@" + strings.Repeat("a", 31), nil},
		{"duplicates", "@alice @alice @carol @alice", []string{"alice", "carol"}},
		{"case", "@Alice and @ALICE and @alice", []string{"alice"}},
		{"lone at sign", "a @ b @", nil},
		{"at sign inside a mention", "@alice@carol", []string{"alice"}},
		{"non-username character ends it", "@aliceé", []string{"alice"}},
		{"at most 20", strings.Join(many, " "), func() []string {
			var want []string
			for i := range 20 {
				want = append(want, fmt.Sprintf("user%02d", i))
			}
			return want
		}()},
		{"none", "no mentions here", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseMentions(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("parseMentions(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

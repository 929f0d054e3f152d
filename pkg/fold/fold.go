// Package fold reduces text to the form FotoGal matches it in: search
// terms and hashtags compare equal whatever their letter case and accents,
// so that "joao" finds "João" and #Café is #cafe.
package fold

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold returns s decomposed (NFKD), without its combining marks, in lower
// case: "João" → "joao", "ÇA" → "ca", "ﬁ" → "fi".
func Fold(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		// The transformers never fail on a string held in memory.
		folded = s
	}
	return strings.ToLower(folded)
}

// Words returns the folded words of s: its runs of letters and digits, in
// order, repeats included.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

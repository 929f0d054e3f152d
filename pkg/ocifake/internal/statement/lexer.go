package statement

import (
	"fmt"
	"strings"
)

// tokenKind classifies a token of the lexer.
type tokenKind int

const (
	tokEOF      tokenKind = iota
	tokIdent              // a name or a keyword
	tokInteger            // 42
	tokDecimal            // 4.2, 4e2
	tokString             // 'it''s'
	tokVariable           // $name
	tokSymbol             // ( ) , ; . * = != <> < <= > >= -
)

// token is one lexical unit with its place in the statement.
type token struct {
	kind tokenKind
	text string // the token as written; for strings, the value without quotes
	line int
	col  int
}

// describe names the token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of statement"
	case tokString:
		return "'" + strings.ReplaceAll(t.text, "'", "''") + "'"
	default:
		return fmt.Sprintf("%q", t.text)
	}
}

// lex splits a statement into tokens, ending with a tokEOF token.
func lex(stmt string) ([]token, error) {
	var toks []token
	line, col := 1, 1
	i := 0
	advance := func(n int) {
		for _, r := range stmt[i : i+n] {
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		i += n
	}
	for {
		for i < len(stmt) && isSpace(stmt[i]) {
			advance(1)
		}
		if i == len(stmt) {
			return append(toks, token{kind: tokEOF, line: line, col: col}), nil
		}
		start := token{line: line, col: col}
		c := stmt[i]
		n := 0
		switch {
		case isLetter(c) || c == '_':
			n = scanWhile(stmt[i:], isNameByte)
			start.kind, start.text = tokIdent, stmt[i:i+n]
		case c == '$':
			n = 1 + scanWhile(stmt[i+1:], isNameByte)
			if n == 1 {
				return nil, syntaxError(start, "'$' must begin a variable name")
			}
			start.kind, start.text = tokVariable, stmt[i:i+n]
		case isDigit(c):
			n, start.kind = scanNumber(stmt[i:])
			start.text = stmt[i : i+n]
		case c == '\'':
			value, size, ok := scanString(stmt[i:])
			if !ok {
				return nil, syntaxError(start, "unterminated string literal")
			}
			n, start.kind, start.text = size, tokString, value
		default:
			n = symbolLength(stmt[i:])
			if n == 0 {
				return nil, syntaxError(start, fmt.Sprintf("unexpected character %q", stmt[i]))
			}
			start.kind, start.text = tokSymbol, stmt[i:i+n]
		}
		toks = append(toks, start)
		advance(n)
	}
}

func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func isNameByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// scanWhile returns the length of the prefix of s whose bytes satisfy ok.
func scanWhile(s string, ok func(byte) bool) int {
	n := 0
	for n < len(s) && ok(s[n]) {
		n++
	}
	return n
}

// scanNumber returns the length and kind of the number at the start of s: digits,
// an optional fraction and an optional exponent.
func scanNumber(s string) (int, tokenKind) {
	kind := tokInteger
	n := scanWhile(s, isDigit)
	if n+1 < len(s) && s[n] == '.' && isDigit(s[n+1]) {
		kind = tokDecimal
		n += 1 + scanWhile(s[n+1:], isDigit)
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if digits := scanWhile(s[m:], isDigit); digits > 0 {
			kind = tokDecimal
			n = m + digits
		}
	}
	return n, kind
}

// scanString reads the single-quoted literal at the start of s, where two quotes
// stand for one, and returns its value and its length in s.
func scanString(s string) (string, int, bool) {
	var b strings.Builder
	for n := 1; n < len(s); n++ {
		if s[n] != '\'' {
			b.WriteByte(s[n])
			continue
		}
		if n+1 < len(s) && s[n+1] == '\'' {
			b.WriteByte('\'')
			n++
			continue
		}
		return b.String(), n + 1, true
	}
	return "", 0, false
}

// symbolLength returns the length of the punctuation or operator at the start of
// s, or 0 when s starts with none.
func symbolLength(s string) int {
	for _, two := range []string{"!=", "<>", "<=", ">="} {
		if strings.HasPrefix(s, two) {
			return 2
		}
	}
	if strings.ContainsRune("(),;.*=<>-", rune(s[0])) {
		return 1
	}
	return 0
}

// syntaxError reports a problem at the place of a token.
func syntaxError(at token, msg string) error {
	return fmt.Errorf("%w at line %d, column %d: %s", ErrSyntax, at.line, at.col, msg)
}

// parser walks the tokens of one statement. Its helpers report errors that name
// what was expected and what was found.
type parser struct {
	toks []token
	pos  int
}

func newParser(stmt string) (*parser, error) {
	toks, err := lex(stmt)
	if err != nil {
		return nil, err
	}
	return &parser{toks: toks}, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

// peekNext returns the token after the next one, or the final tokEOF.
func (p *parser) peekNext() token {
	return p.toks[min(p.pos+1, len(p.toks)-1)]
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (t token) isKeyword(kw string) bool {
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func (t token) isSymbol(s string) bool {
	return t.kind == tokSymbol && t.text == s
}

// acceptKeyword consumes the next token when it is the keyword kw.
func (p *parser) acceptKeyword(kw string) bool {
	if p.peek().isKeyword(kw) {
		p.next()
		return true
	}
	return false
}

// acceptSymbol consumes the next token when it is the symbol s.
func (p *parser) acceptSymbol(s string) bool {
	if p.peek().isSymbol(s) {
		p.next()
		return true
	}
	return false
}

// expectKeywords consumes the keywords kws in order.
func (p *parser) expectKeywords(kws ...string) error {
	for _, kw := range kws {
		if !p.acceptKeyword(kw) {
			return p.unexpected(strings.ToUpper(kw))
		}
	}
	return nil
}

func (p *parser) expectSymbol(s string) error {
	if !p.acceptSymbol(s) {
		return p.unexpected("'" + s + "'")
	}
	return nil
}

// expectName consumes a name; what says what the name is for.
func (p *parser) expectName(what string) (token, error) {
	if p.peek().kind != tokIdent {
		return token{}, p.unexpected(what)
	}
	return p.next(), nil
}

// expectEnd accepts an optional semicolon and the end of the statement.
func (p *parser) expectEnd() error {
	p.acceptSymbol(";")
	if p.peek().kind != tokEOF {
		return p.unexpected("end of statement")
	}
	return nil
}

// unexpected reports that the next token is not what the grammar wants.
func (p *parser) unexpected(want string) error {
	t := p.peek()
	return syntaxError(t, fmt.Sprintf("expected %s, found %s", want, t.describe()))
}

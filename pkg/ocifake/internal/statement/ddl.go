package statement

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Column is one column of a table.
type Column struct {
	Name      string
	Type      Type
	Precision int  // fractional-second digits of a TIMESTAMP, 0 to 9
	NotNull   bool // declared NOT NULL
	Default   any  // the DEFAULT value converted to Type, nil when none
}

// Table is a parsed CREATE TABLE.
type Table struct {
	Name        string
	IfNotExists bool
	Columns     []Column
	PrimaryKey  []string      // column names as declared, in key order
	ShardKeyLen int           // the first ShardKeyLen primary-key columns are the shard key
	TTL         time.Duration // the default row TTL, 0 when none; DAYS are 24h, HOURS 1h
}

// Column finds a column by name, compared case-insensitively.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

// IsPrimaryKey reports whether the named column is part of the primary key.
func (t *Table) IsPrimaryKey(name string) bool {
	for _, k := range t.PrimaryKey {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// Index is a parsed CREATE INDEX.
type Index struct {
	Name        string
	Table       string
	IfNotExists bool
	Columns     []string // column names as written in the statement
}

// Validate checks the index against its table: every column exists, is atomic
// (neither JSON nor BINARY) and appears once.
func (ix *Index) Validate(t *Table) error {
	seen := map[string]bool{}
	for _, name := range ix.Columns {
		c, ok := t.Column(name)
		if !ok {
			return fmt.Errorf("%w: index %s: table %s has no column %s", ErrUnknownColumn, ix.Name, t.Name, name)
		}
		if !c.Type.atomic() {
			return fmt.Errorf("%w: index %s: column %s of type %s cannot be indexed", ErrInvalidDDL, ix.Name, c.Name, c.Type)
		}
		key := strings.ToLower(name)
		if seen[key] {
			return fmt.Errorf("%w: index %s: column %s appears twice", ErrInvalidDDL, ix.Name, c.Name)
		}
		seen[key] = true
	}
	return nil
}

// DropTable is a parsed DROP TABLE.
type DropTable struct {
	Name     string
	IfExists bool
}

// ParseDDL parses one DDL statement into a *Table, an *Index or a *DropTable.
// Errors say what is wrong and where.
func ParseDDL(stmt string) (any, error) {
	p, err := newParser(stmt)
	if err != nil {
		return nil, err
	}
	var result any
	switch {
	case p.acceptKeyword("CREATE"):
		switch {
		case p.acceptKeyword("TABLE"):
			result, err = p.createTable()
		case p.acceptKeyword("INDEX"):
			result, err = p.createIndex()
		default:
			return nil, p.unexpected("TABLE or INDEX")
		}
	case p.acceptKeyword("DROP"):
		result, err = p.dropTable()
	default:
		return nil, p.unexpected("CREATE TABLE, CREATE INDEX or DROP TABLE")
	}
	if err != nil {
		return nil, err
	}
	if err := p.expectEnd(); err != nil {
		return nil, err
	}
	return result, nil
}

// ifClause parses an optional IF NOT EXISTS (not true) or IF EXISTS (not false).
func (p *parser) ifClause(not bool) (bool, error) {
	if !p.acceptKeyword("IF") {
		return false, nil
	}
	if not {
		if err := p.expectKeywords("NOT"); err != nil {
			return false, err
		}
	}
	if err := p.expectKeywords("EXISTS"); err != nil {
		return false, err
	}
	return true, nil
}

func (p *parser) createTable() (*Table, error) {
	var (
		t   Table
		err error
	)
	if t.IfNotExists, err = p.ifClause(true); err != nil {
		return nil, err
	}
	name, err := p.expectName("table name")
	if err != nil {
		return nil, err
	}
	t.Name = name.text
	if err := p.expectSymbol("("); err != nil {
		return nil, err
	}
	var key []token
	shardLen := 0
	for {
		if p.peek().isKeyword("PRIMARY") {
			if key != nil {
				return nil, syntaxError(p.peek(), "a table has one PRIMARY KEY")
			}
			if key, shardLen, err = p.primaryKey(); err != nil {
				return nil, err
			}
		} else {
			if err := p.columnDefinition(&t); err != nil {
				return nil, err
			}
		}
		if !p.acceptSymbol(",") {
			break
		}
	}
	if err := p.expectSymbol(")"); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("%w: table %s has no PRIMARY KEY", ErrInvalidDDL, t.Name)
	}
	if err := t.setPrimaryKey(key, shardLen); err != nil {
		return nil, err
	}
	if p.acceptKeyword("USING") {
		if t.TTL, err = p.ttl(); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// columnDefinition parses "name TYPE [NOT NULL] [DEFAULT literal]" (the two
// constraints in either order) and adds the column to t.
func (p *parser) columnDefinition(t *Table) error {
	name, err := p.expectName("column name or PRIMARY KEY")
	if err != nil {
		return err
	}
	if _, dup := t.Column(name.text); dup {
		return fmt.Errorf("%w: table %s: duplicate column %s at line %d, column %d", ErrInvalidDDL, t.Name, name.text, name.line, name.col)
	}
	c := Column{Name: name.text}
	if c.Type, c.Precision, err = p.typeName(); err != nil {
		return err
	}
	var hasDefault bool
	for {
		switch at := p.peek(); {
		case !c.NotNull && p.acceptKeyword("NOT"):
			if err := p.expectKeywords("NULL"); err != nil {
				return err
			}
			c.NotNull = true
		case !hasDefault && p.acceptKeyword("DEFAULT"):
			lit, err := p.literal()
			if err != nil {
				return err
			}
			if c.Default, err = Coerce(c, lit); err != nil {
				return fmt.Errorf("%w: DEFAULT at line %d, column %d: %v", ErrInvalidDDL, at.line, at.col, err)
			}
			hasDefault = true
		default:
			t.Columns = append(t.Columns, c)
			return nil
		}
	}
}

// typeName parses a type name, with the precision of a TIMESTAMP (9 when omitted).
func (p *parser) typeName() (Type, int, error) {
	at := p.peek()
	typ, ok := typeByName(at.text)
	if at.kind != tokIdent || !ok {
		return 0, 0, p.unexpected("a type (STRING, INTEGER, LONG, DOUBLE, NUMBER, BOOLEAN, BINARY, JSON, TIMESTAMP)")
	}
	p.next()
	if typ != Timestamp {
		return typ, 0, nil
	}
	if !p.acceptSymbol("(") {
		return typ, 9, nil
	}
	digits := p.peek()
	precision, err := strconv.Atoi(digits.text)
	if digits.kind != tokInteger || err != nil || precision > 9 {
		return 0, 0, p.unexpected("a TIMESTAMP precision from 0 to 9")
	}
	p.next()
	return typ, precision, p.expectSymbol(")")
}

// primaryKey parses "PRIMARY KEY ([SHARD(a, ...)][, b, ...])" and returns the key
// column names and how many of them are the shard key (0 when SHARD is absent).
func (p *parser) primaryKey() ([]token, int, error) {
	if err := p.expectKeywords("PRIMARY", "KEY"); err != nil {
		return nil, 0, err
	}
	if err := p.expectSymbol("("); err != nil {
		return nil, 0, err
	}
	var key []token
	shardLen := 0
	if p.peek().isKeyword("SHARD") && p.peekNext().isSymbol("(") {
		p.next()
		p.next()
		shard, err := p.nameList("shard key column")
		if err != nil {
			return nil, 0, err
		}
		key, shardLen = shard, len(shard)
		if !p.acceptSymbol(",") {
			return key, shardLen, p.expectSymbol(")")
		}
	}
	rest, err := p.nameList("primary key column")
	if err != nil {
		return nil, 0, err
	}
	return append(key, rest...), shardLen, nil
}

// nameList parses "a, b, ...)" including the closing parenthesis.
func (p *parser) nameList(what string) ([]token, error) {
	var names []token
	for {
		name, err := p.expectName(what)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		if !p.acceptSymbol(",") {
			return names, p.expectSymbol(")")
		}
	}
}

// setPrimaryKey checks the key columns and records them with their declared
// spelling. Without SHARD, the whole primary key is the shard key.
func (t *Table) setPrimaryKey(key []token, shardLen int) error {
	for i, name := range key {
		c, ok := t.Column(name.text)
		if !ok {
			return fmt.Errorf("%w: table %s: primary key column %s at line %d, column %d is not a column of the table",
				ErrInvalidDDL, t.Name, name.text, name.line, name.col)
		}
		if !c.Type.atomic() {
			return fmt.Errorf("%w: table %s: primary key column %s may not be of type %s", ErrInvalidDDL, t.Name, c.Name, c.Type)
		}
		for _, earlier := range key[:i] {
			if strings.EqualFold(earlier.text, name.text) {
				return fmt.Errorf("%w: table %s: column %s appears twice in the primary key", ErrInvalidDDL, t.Name, c.Name)
			}
		}
		t.PrimaryKey = append(t.PrimaryKey, c.Name)
	}
	t.ShardKeyLen = shardLen
	if shardLen == 0 {
		t.ShardKeyLen = len(key)
	}
	return nil
}

// ttl parses "TTL n DAYS|HOURS" after USING.
func (p *parser) ttl() (time.Duration, error) {
	if err := p.expectKeywords("TTL"); err != nil {
		return 0, err
	}
	count := p.peek()
	n, err := strconv.ParseInt(count.text, 10, 64)
	if count.kind != tokInteger || err != nil || n > math.MaxInt32 {
		return 0, p.unexpected("a TTL count")
	}
	p.next()
	switch {
	case p.acceptKeyword("DAYS"):
		return time.Duration(n) * 24 * time.Hour, nil
	case p.acceptKeyword("HOURS"):
		return time.Duration(n) * time.Hour, nil
	default:
		return 0, p.unexpected("DAYS or HOURS")
	}
}

func (p *parser) createIndex() (*Index, error) {
	var (
		ix  Index
		err error
	)
	if ix.IfNotExists, err = p.ifClause(true); err != nil {
		return nil, err
	}
	name, err := p.expectName("index name")
	if err != nil {
		return nil, err
	}
	ix.Name = name.text
	if err := p.expectKeywords("ON"); err != nil {
		return nil, err
	}
	table, err := p.expectName("table name")
	if err != nil {
		return nil, err
	}
	ix.Table = table.text
	if err := p.expectSymbol("("); err != nil {
		return nil, err
	}
	cols, err := p.nameList("index column")
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		ix.Columns = append(ix.Columns, c.text)
	}
	return &ix, nil
}

func (p *parser) dropTable() (*DropTable, error) {
	if err := p.expectKeywords("TABLE"); err != nil {
		return nil, err
	}
	var (
		d   DropTable
		err error
	)
	if d.IfExists, err = p.ifClause(false); err != nil {
		return nil, err
	}
	name, err := p.expectName("table name")
	if err != nil {
		return nil, err
	}
	d.Name = name.text
	return &d, nil
}

// literal parses a string, number (with an optional minus sign), true or false.
// Integers are int32 when they fit and int64 otherwise; decimals are float64.
func (p *parser) literal() (any, error) {
	at := p.peek()
	negative := p.acceptSymbol("-")
	t := p.peek()
	switch {
	case t.kind == tokInteger:
		text := t.text
		if negative {
			text = "-" + text
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, syntaxError(at, "integer literal out of range")
		}
		p.next()
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int32(n), nil
		}
		return n, nil
	case t.kind == tokDecimal:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, syntaxError(at, "decimal literal out of range")
		}
		p.next()
		if negative {
			f = -f
		}
		return f, nil
	case negative:
		return nil, p.unexpected("a number after '-'")
	case t.kind == tokString:
		p.next()
		return t.text, nil
	case t.isKeyword("TRUE"):
		p.next()
		return true, nil
	case t.isKeyword("FALSE"):
		p.next()
		return false, nil
	default:
		return nil, p.unexpected("a literal")
	}
}

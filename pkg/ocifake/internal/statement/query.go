package statement

import (
	"fmt"
	"strings"
)

// Query is a parsed SELECT with its declarations. It does not change after
// ParseQuery and is safe to run from several goroutines at once.
type Query struct {
	declarations []declaration
	variables    map[string]declaration // by lower-case name, with the '$'
	table        string
	alias        string // the table alias; the table name when none is given
	star         bool
	countName    string // the count(*) field name, "" when the query does not count
	items        []selectItem
	where        condition // nil without WHERE
	orderBy      []orderItem
	limit        *term // nil without LIMIT
	offset       *term // nil without OFFSET

	columnRefs   []columnRef // every column reference, for validation
	variableUses []token     // every use of a variable, for validation
}

type declaration struct {
	name string // as declared, with the '$'
	typ  Type
}

// columnRef is a reference to a column, with or without the table alias.
type columnRef struct {
	qualifier string
	name      string
	key       string // the lower-case name, for lookups
	at        token
}

type selectItem struct {
	column columnRef
	alias  string // "" when the item has no AS
}

type orderItem struct {
	column     columnRef
	descending bool
}

type termKind int

const (
	termColumn termKind = iota
	termVariable
	termLiteral
)

// term is an operand of a condition, or a LIMIT or OFFSET.
type term struct {
	kind     termKind
	column   columnRef
	variable string // the lower-case name of a variable, with the '$'
	value    any    // the value of a literal
}

// ParseQuery parses a query: optional DECLARE, then one SELECT.
func ParseQuery(stmt string) (*Query, error) {
	p, err := newParser(stmt)
	if err != nil {
		return nil, err
	}
	q := &Query{variables: map[string]declaration{}}
	qp := queryParser{parser: p, q: q}
	if err := qp.query(); err != nil {
		return nil, err
	}
	if err := q.checkNames(); err != nil {
		return nil, err
	}
	return q, nil
}

// TableName returns the name of the table that the query reads, as written.
func (q *Query) TableName() string { return q.table }

// Variables returns the declared variables by name, with the '$', as declared.
func (q *Query) Variables() map[string]Type {
	vars := make(map[string]Type, len(q.declarations))
	for _, d := range q.declarations {
		vars[d.name] = d.typ
	}
	return vars
}

// queryParser builds a Query from the tokens of a parser.
type queryParser struct {
	*parser
	q *Query
}

func (p *queryParser) query() error {
	if p.acceptKeyword("DECLARE") {
		if err := p.declarations(); err != nil {
			return err
		}
	}
	if err := p.expectKeywords("SELECT"); err != nil {
		return err
	}
	if err := p.selectList(); err != nil {
		return err
	}
	if err := p.expectKeywords("FROM"); err != nil {
		return err
	}
	table, err := p.expectName("table name")
	if err != nil {
		return err
	}
	p.q.table, p.q.alias = table.text, table.text
	if p.acceptKeyword("AS") || p.peek().kind == tokIdent && !isClauseKeyword(p.peek()) {
		alias, err := p.expectName("table alias")
		if err != nil {
			return err
		}
		p.q.alias = alias.text
	}
	if p.acceptKeyword("WHERE") {
		if p.q.where, err = p.or(); err != nil {
			return err
		}
	}
	if p.acceptKeyword("ORDER") {
		if err := p.orderBy(); err != nil {
			return err
		}
	}
	if p.acceptKeyword("LIMIT") {
		if p.q.limit, err = p.count("LIMIT"); err != nil {
			return err
		}
	}
	if p.acceptKeyword("OFFSET") {
		if p.q.offset, err = p.count("OFFSET"); err != nil {
			return err
		}
	}
	return p.expectEnd()
}

// isClauseKeyword reports whether t starts a clause after FROM, so it cannot be
// a table alias written without AS.
func isClauseKeyword(t token) bool {
	for _, kw := range []string{"WHERE", "ORDER", "LIMIT", "OFFSET"} {
		if t.isKeyword(kw) {
			return true
		}
	}
	return false
}

// declarations parses "$v TYPE; $w TYPE; ..." after DECLARE.
func (p *queryParser) declarations() error {
	for {
		v := p.peek()
		if v.kind != tokVariable {
			return p.unexpected("a variable name")
		}
		p.next()
		typ, _, err := p.typeName()
		if err != nil {
			return err
		}
		key := strings.ToLower(v.text)
		if _, dup := p.q.variables[key]; dup {
			return fmt.Errorf("%w: %s declared twice (line %d, column %d)", ErrVariable, v.text, v.line, v.col)
		}
		d := declaration{name: v.text, typ: typ}
		p.q.variables[key] = d
		p.q.declarations = append(p.q.declarations, d)
		if err := p.expectSymbol(";"); err != nil {
			return err
		}
		if p.peek().kind != tokVariable {
			return nil
		}
	}
}

// selectList parses "*", "count(*) [AS alias]" or "col [AS alias], ...".
func (p *queryParser) selectList() error {
	if p.acceptSymbol("*") {
		p.q.star = true
		return nil
	}
	if p.peek().isKeyword("count") && p.peekNext().isSymbol("(") {
		p.next()
		p.next()
		if err := p.expectSymbol("*"); err != nil {
			return err
		}
		if err := p.expectSymbol(")"); err != nil {
			return err
		}
		p.q.countName = "Column_1"
		if p.acceptKeyword("AS") {
			alias, err := p.expectName("alias")
			if err != nil {
				return err
			}
			p.q.countName = alias.text
		}
		return nil
	}
	for {
		col, err := p.columnRef()
		if err != nil {
			return err
		}
		item := selectItem{column: col}
		if p.acceptKeyword("AS") {
			alias, err := p.expectName("alias")
			if err != nil {
				return err
			}
			item.alias = alias.text
		}
		p.q.items = append(p.q.items, item)
		if !p.acceptSymbol(",") {
			return nil
		}
	}
}

// columnRef parses "col" or "alias.col".
func (p *queryParser) columnRef() (columnRef, error) {
	first, err := p.expectName("column name")
	if err != nil {
		return columnRef{}, err
	}
	ref := columnRef{name: first.text, at: first}
	if p.acceptSymbol(".") {
		second, err := p.expectName("column name")
		if err != nil {
			return columnRef{}, err
		}
		ref.qualifier, ref.name = first.text, second.text
	}
	ref.key = strings.ToLower(ref.name)
	p.q.columnRefs = append(p.q.columnRefs, ref)
	return ref, nil
}

// or parses "and {OR and}".
func (p *queryParser) or() (condition, error) {
	left, err := p.and()
	for err == nil && p.acceptKeyword("OR") {
		var right condition
		if right, err = p.and(); err == nil {
			left = orCondition{left, right}
		}
	}
	return left, err
}

// and parses "not {AND not}".
func (p *queryParser) and() (condition, error) {
	left, err := p.not()
	for err == nil && p.acceptKeyword("AND") {
		var right condition
		if right, err = p.not(); err == nil {
			left = andCondition{left, right}
		}
	}
	return left, err
}

// not parses "{NOT} predicate".
func (p *queryParser) not() (condition, error) {
	if p.acceptKeyword("NOT") {
		c, err := p.not()
		return notCondition{c}, err
	}
	return p.predicate()
}

var comparisonOperators = map[string]string{
	"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
}

// predicate parses a parenthesised condition, a comparison, IN or IS [NOT] NULL.
func (p *queryParser) predicate() (condition, error) {
	if p.acceptSymbol("(") {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		return c, p.expectSymbol(")")
	}
	left, err := p.term()
	if err != nil {
		return nil, err
	}
	at := p.peek()
	if op, ok := comparisonOperators[at.text]; ok && at.kind == tokSymbol {
		p.next()
		right, err := p.term()
		if err != nil {
			return nil, err
		}
		return comparison{op: op, left: left, right: right}, nil
	}
	if left.kind != termColumn {
		return nil, p.unexpected("a comparison operator")
	}
	switch {
	case p.acceptKeyword("IN"):
		return p.inList(left)
	case p.acceptKeyword("IS"):
		negate := p.acceptKeyword("NOT")
		if err := p.expectKeywords("NULL"); err != nil {
			return nil, err
		}
		return nullTest{column: left, negate: negate}, nil
	default:
		return nil, p.unexpected("a comparison operator, IN or IS")
	}
}

// inList parses "(term, ...)" after IN.
func (p *queryParser) inList(left term) (condition, error) {
	if err := p.expectSymbol("("); err != nil {
		return nil, err
	}
	in := inCondition{left: left}
	for {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		if t.kind == termColumn {
			return nil, syntaxError(t.column.at, "IN lists hold bind variables and literals")
		}
		in.list = append(in.list, t)
		if !p.acceptSymbol(",") {
			return in, p.expectSymbol(")")
		}
	}
}

// term parses a column reference, a variable or a literal.
func (p *queryParser) term() (term, error) {
	t := p.peek()
	switch {
	case t.kind == tokVariable:
		p.next()
		p.q.variableUses = append(p.q.variableUses, t)
		return term{kind: termVariable, variable: strings.ToLower(t.text)}, nil
	case t.isKeyword("NULL"):
		return term{}, syntaxError(t, "compare with NULL through IS NULL or IS NOT NULL")
	case t.kind == tokIdent && !t.isKeyword("TRUE") && !t.isKeyword("FALSE"):
		col, err := p.columnRef()
		return term{kind: termColumn, column: col}, err
	default:
		v, err := p.literal()
		return term{kind: termLiteral, value: v}, err
	}
}

// orderBy parses "BY col [ASC|DESC], ..." after ORDER.
func (p *queryParser) orderBy() error {
	if err := p.expectKeywords("BY"); err != nil {
		return err
	}
	for {
		col, err := p.columnRef()
		if err != nil {
			return err
		}
		item := orderItem{column: col}
		if !p.acceptKeyword("ASC") {
			item.descending = p.acceptKeyword("DESC")
		}
		p.q.orderBy = append(p.q.orderBy, item)
		if !p.acceptSymbol(",") {
			return nil
		}
	}
}

// count parses the value of a LIMIT or OFFSET: a non-negative integer literal or
// a variable.
func (p *queryParser) count(clause string) (*term, error) {
	at := p.peek()
	if at.kind == tokVariable {
		p.next()
		p.q.variableUses = append(p.q.variableUses, at)
		return &term{kind: termVariable, variable: strings.ToLower(at.text)}, nil
	}
	if at.kind != tokInteger {
		return nil, p.unexpected(clause + " count (an integer or a variable)")
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	return &term{kind: termLiteral, value: toInt64(v)}, nil
}

// checkNames checks the names in a parsed query that need no table: table
// aliases, declarations of the variables used, LIMIT and OFFSET variable types,
// result field names, and what count(*) allows.
func (q *Query) checkNames() error {
	for _, ref := range q.columnRefs {
		if ref.qualifier != "" && !strings.EqualFold(ref.qualifier, q.alias) {
			return fmt.Errorf("%w: %s.%s at line %d, column %d: %s is not the table alias %s",
				ErrUnknownColumn, ref.qualifier, ref.name, ref.at.line, ref.at.col, ref.qualifier, q.alias)
		}
	}
	for _, use := range q.variableUses {
		if _, ok := q.variables[strings.ToLower(use.text)]; !ok {
			return fmt.Errorf("%w: %s at line %d, column %d is not declared", ErrVariable, use.text, use.line, use.col)
		}
	}
	for _, t := range []*term{q.limit, q.offset} {
		if t == nil || t.kind != termVariable {
			continue
		}
		if d := q.variables[t.variable]; d.typ != Integer && d.typ != Long {
			return fmt.Errorf("%w: %s is declared %s but LIMIT and OFFSET need INTEGER or LONG", ErrVariable, d.name, d.typ)
		}
	}
	if q.countName != "" && len(q.orderBy) > 0 {
		return fmt.Errorf("%w: count(*) cannot be ordered", ErrSyntax)
	}
	names := map[string]bool{}
	for _, item := range q.items {
		name := strings.ToLower(item.resultName(item.column.name))
		if names[name] {
			return fmt.Errorf("%w: the select list names %s twice", ErrSyntax, item.resultName(item.column.name))
		}
		names[name] = true
	}
	return nil
}

// resultName is the field name of the item in result rows: its alias, or the
// column's declared name.
func (item selectItem) resultName(declared string) string {
	if item.alias != "" {
		return item.alias
	}
	return declared
}

// Validate checks the query against its table and the table's indexes: every
// column exists (errors wrap ErrUnknownColumn and name the column), and an
// ORDER BY lists, in one direction, a prefix of the primary key or of one index
// (errors wrap ErrOrderBy).
func (q *Query) Validate(t *Table, indexes []*Index) error {
	if _, err := q.checkColumns(t); err != nil {
		return err
	}
	if len(q.orderBy) == 0 {
		return nil
	}
	names := make([]string, len(q.orderBy))
	for i, item := range q.orderBy {
		if item.descending != q.orderBy[0].descending {
			return fmt.Errorf("%w: all ORDER BY columns must have the same direction", ErrOrderBy)
		}
		names[i] = item.column.name
	}
	if isPrefix(names, t.PrimaryKey) {
		return nil
	}
	for _, ix := range indexes {
		if strings.EqualFold(ix.Table, t.Name) && isPrefix(names, ix.Columns) {
			return nil
		}
	}
	return fmt.Errorf("%w: ORDER BY %s is not a prefix of the primary key or of an index of %s",
		ErrOrderBy, strings.Join(names, ", "), t.Name)
}

// isPrefix reports whether names is a prefix of columns, compared
// case-insensitively.
func isPrefix(names, columns []string) bool {
	if len(names) > len(columns) {
		return false
	}
	for i, n := range names {
		if !strings.EqualFold(n, columns[i]) {
			return false
		}
	}
	return true
}

// checkColumns checks that every column the query references exists in t and
// returns the declared names of t's columns by lower-case name.
func (q *Query) checkColumns(t *Table) (map[string]string, error) {
	declared := make(map[string]string, len(t.Columns))
	for _, c := range t.Columns {
		declared[strings.ToLower(c.Name)] = c.Name
	}
	for _, ref := range q.columnRefs {
		if _, ok := declared[ref.key]; !ok {
			return nil, fmt.Errorf("%w: table %s has no column %s (line %d, column %d)",
				ErrUnknownColumn, t.Name, ref.name, ref.at.line, ref.at.col)
		}
	}
	return declared, nil
}

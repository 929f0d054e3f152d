package statement

import (
	"fmt"
	"slices"
	"strings"
)

// truth is a value of SQL's three-valued logic.
type truth int8

const (
	truthFalse truth = iota
	truthTrue
	truthUnknown
)

func truthOf(b bool) truth {
	if b {
		return truthTrue
	}
	return truthFalse
}

// env is what a condition is evaluated in: one row and the bound variables.
type env struct {
	row      map[string]any    // by declared column name
	declared map[string]string // declared column names by lower-case name
	binds    map[string]any    // by lower-case variable name
}

func (e *env) value(t term) any {
	switch t.kind {
	case termColumn:
		return e.row[e.declared[t.column.key]]
	case termVariable:
		return e.binds[t.variable]
	default:
		return t.value
	}
}

// condition is a node of a WHERE condition.
type condition interface {
	eval(e *env) truth
}

type comparison struct {
	op          string // one of = != < <= > >=
	left, right term
}

func (c comparison) eval(e *env) truth {
	a, b := e.value(c.left), e.value(c.right)
	if a == nil || b == nil {
		return truthUnknown
	}
	order, ok := Compare(a, b)
	if !ok {
		return truthFalse
	}
	switch c.op {
	case "=":
		return truthOf(order == 0)
	case "!=":
		return truthOf(order != 0)
	case "<":
		return truthOf(order < 0)
	case "<=":
		return truthOf(order <= 0)
	case ">":
		return truthOf(order > 0)
	default:
		return truthOf(order >= 0)
	}
}

type inCondition struct {
	left term
	list []term
}

// eval is true when the left value equals one of the list, unknown when it does
// not but the left value or one of the list is NULL, and false otherwise.
func (c inCondition) eval(e *env) truth {
	result := truthFalse
	for _, t := range c.list {
		switch (comparison{op: "=", left: c.left, right: t}).eval(e) {
		case truthTrue:
			return truthTrue
		case truthUnknown:
			result = truthUnknown
		}
	}
	return result
}

type nullTest struct {
	column term
	negate bool // IS NOT NULL
}

func (c nullTest) eval(e *env) truth {
	return truthOf((e.value(c.column) == nil) != c.negate)
}

type andCondition struct{ left, right condition }

func (c andCondition) eval(e *env) truth {
	l, r := c.left.eval(e), c.right.eval(e)
	switch {
	case l == truthFalse || r == truthFalse:
		return truthFalse
	case l == truthTrue && r == truthTrue:
		return truthTrue
	default:
		return truthUnknown
	}
}

type orCondition struct{ left, right condition }

func (c orCondition) eval(e *env) truth {
	l, r := c.left.eval(e), c.right.eval(e)
	switch {
	case l == truthTrue || r == truthTrue:
		return truthTrue
	case l == truthFalse && r == truthFalse:
		return truthFalse
	default:
		return truthUnknown
	}
}

type notCondition struct{ inner condition }

func (c notCondition) eval(e *env) truth {
	switch c.inner.eval(e) {
	case truthTrue:
		return truthFalse
	case truthFalse:
		return truthTrue
	default:
		return truthUnknown
	}
}

// Run evaluates the query over the rows of table t. Each row maps column names as
// declared in t to values; a missing key is SQL NULL. Run checks the columns and
// the bindings (as Validate and CheckBindings do, but not the ORDER BY rule,
// which needs the indexes), keeps the rows for which WHERE is true, sorts them by
// ORDER BY, applies OFFSET and LIMIT, and projects the select list; count(*)
// returns one row. Rows without ORDER BY keep the order of rows.
func (q *Query) Run(t *Table, rows []map[string]any, binds map[string]any) ([]Row, error) {
	declared, err := q.checkColumns(t)
	if err != nil {
		return nil, err
	}
	bound, err := q.CheckBindings(binds)
	if err != nil {
		return nil, err
	}
	e := &env{declared: declared, binds: make(map[string]any, len(bound))}
	for name, v := range bound {
		e.binds[strings.ToLower(name)] = v
	}
	offset, err := q.windowValue(e, q.offset, 0)
	if err != nil {
		return nil, err
	}
	limit, err := q.windowValue(e, q.limit, -1)
	if err != nil {
		return nil, err
	}

	var kept []map[string]any
	for _, row := range rows {
		e.row = row
		if q.where == nil || q.where.eval(e) == truthTrue {
			kept = append(kept, row)
		}
	}
	if q.countName != "" {
		counted := []Row{{Names: []string{q.countName}, Values: []any{int64(len(kept))}}}
		return window(counted, offset, limit), nil
	}
	if len(q.orderBy) > 0 {
		q.sort(t, kept, declared)
	}
	kept = window(kept, offset, limit)
	result := make([]Row, len(kept))
	for i, row := range kept {
		result[i] = q.project(t, row, declared)
	}
	return result, nil
}

// windowValue returns the value of a LIMIT or OFFSET, or def when it is absent.
func (q *Query) windowValue(e *env, t *term, def int64) (int64, error) {
	if t == nil {
		return def, nil
	}
	v := e.value(*t)
	if v == nil {
		return 0, fmt.Errorf("%w: LIMIT and OFFSET may not be NULL", ErrVariable)
	}
	n := toInt64(v)
	if n < 0 {
		return 0, fmt.Errorf("%w: LIMIT and OFFSET may not be negative, got %d", ErrVariable, n)
	}
	return n, nil
}

// window applies an offset and a limit (-1 for none) to s.
func window[S ~[]E, E any](s S, offset, limit int64) S {
	if offset >= int64(len(s)) {
		return nil
	}
	s = s[offset:]
	if limit >= 0 && limit < int64(len(s)) {
		s = s[:limit]
	}
	return s
}

// sort orders rows by the ORDER BY columns, then by the remaining primary-key
// columns in the direction of the last ORDER BY column.
func (q *Query) sort(t *Table, rows []map[string]any, declared map[string]string) {
	type key struct {
		name       string
		descending bool
	}
	var keys []key
	used := map[string]bool{}
	for _, item := range q.orderBy {
		keys = append(keys, key{declared[item.column.key], item.descending})
		used[item.column.key] = true
	}
	last := q.orderBy[len(q.orderBy)-1].descending
	for _, name := range t.PrimaryKey {
		if !used[strings.ToLower(name)] {
			keys = append(keys, key{name, last})
		}
	}
	slices.SortStableFunc(rows, func(a, b map[string]any) int {
		for _, k := range keys {
			c := sortCompare(a[k.name], b[k.name])
			if k.descending {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// project builds the result row of the select list.
func (q *Query) project(t *Table, row map[string]any, declared map[string]string) Row {
	if q.star {
		r := Row{Names: make([]string, len(t.Columns)), Values: make([]any, len(t.Columns))}
		for i, c := range t.Columns {
			r.Names[i], r.Values[i] = c.Name, row[c.Name]
		}
		return r
	}
	r := Row{Names: make([]string, len(q.items)), Values: make([]any, len(q.items))}
	for i, item := range q.items {
		name := declared[item.column.key]
		r.Names[i], r.Values[i] = item.resultName(name), row[name]
	}
	return r
}

// CheckBindings checks that every variable the query uses is bound with a value
// of its declared type, and that every bound variable is declared. It returns the
// values converted to the declared types (an INTEGER to int64 for a LONG, a LONG
// to float64 for a DOUBLE), keyed by the declared names. Names may be given with
// or without the '$', in any case. A variable may be bound to nil (SQL NULL).
func (q *Query) CheckBindings(binds map[string]any) (map[string]any, error) {
	bound := make(map[string]any, len(binds))
	for name, v := range binds {
		key := strings.ToLower(name)
		if !strings.HasPrefix(key, "$") {
			key = "$" + key
		}
		d, ok := q.variables[key]
		if !ok {
			return nil, fmt.Errorf("%w: the query declares no variable %s", ErrVariable, name)
		}
		if _, dup := bound[d.name]; dup {
			return nil, fmt.Errorf("%w: %s is bound twice", ErrVariable, d.name)
		}
		converted, err := bindValue(d.typ, v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrVariable, d.name, err)
		}
		bound[d.name] = converted
	}
	for _, use := range q.variableUses {
		d := q.variables[strings.ToLower(use.text)]
		if _, ok := bound[d.name]; !ok {
			return nil, fmt.Errorf("%w: %s is not bound", ErrVariable, d.name)
		}
	}
	return bound, nil
}

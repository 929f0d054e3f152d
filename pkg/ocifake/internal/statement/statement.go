// Package statement parses and evaluates the part of Oracle NoSQL's SQL that
// FotoGal's adapters use. It belongs to the Oracle NoSQL fake (package ocifake)
// and is not a general SQL engine: it knows exactly the subset that the fake
// promises to the adapters, and refuses everything else with an error.
//
// The DDL subset is CREATE TABLE (column types, NOT NULL, DEFAULT, a primary key
// with an optional SHARD prefix, a default row TTL), CREATE INDEX over atomic
// columns and DROP TABLE. The query subset is one SELECT over one table, with
// DECLAREd bind variables, a select list of columns, *, or count(*), a WHERE
// condition of comparisons, IN and IS [NOT] NULL combined with AND, OR and NOT,
// ORDER BY, LIMIT and OFFSET.
//
// Keywords and identifiers are case-insensitive; result fields and row keys use
// the spelling of the CREATE TABLE statement. Conditions follow SQL's three-valued
// logic: a comparison with a NULL (or missing) column is unknown, NOT of unknown is
// unknown, and WHERE keeps only the rows for which the condition is true.
// Comparing values of types that do not compare (a string with a number) is false.
// ORDER BY puts NULLs after every value in ascending order and before every value
// in descending order, as Oracle NoSQL does; rows that tie on the ORDER BY columns
// are ordered by their primary key in the same direction.
package statement

import (
	"errors"
	"strconv"
	"strings"
)

// Errors that the fake's wire layer maps to the service's error codes. Every
// error this package returns wraps one of them.
var (
	// ErrSyntax reports a statement that is malformed or outside the subset.
	ErrSyntax = errors.New("syntax error")
	// ErrInvalidDDL reports a well-formed DDL statement that describes an
	// impossible table or index: a duplicate column, a bad primary key.
	ErrInvalidDDL = errors.New("invalid DDL")
	// ErrUnknownColumn reports a reference to a column that the table lacks.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrVariable reports a bind variable that is not declared, not bound,
	// bound with a value of the wrong type, or unusable as LIMIT or OFFSET.
	ErrVariable = errors.New("invalid bind variable")
	// ErrOrderBy reports an ORDER BY that neither the primary key nor one index
	// can serve.
	ErrOrderBy = errors.New("unsupported ORDER BY")
	// ErrValue reports a value that does not fit its column.
	ErrValue = errors.New("invalid value")
)

// Type is a column or bind-variable type.
type Type int

// The types of the subset.
const (
	String Type = iota + 1
	Integer
	Long
	Double
	Number
	Boolean
	Binary
	JSON
	Timestamp
)

var typeNames = map[Type]string{
	String:    "STRING",
	Integer:   "INTEGER",
	Long:      "LONG",
	Double:    "DOUBLE",
	Number:    "NUMBER",
	Boolean:   "BOOLEAN",
	Binary:    "BINARY",
	JSON:      "JSON",
	Timestamp: "TIMESTAMP",
}

// String returns the type's SQL name, such as "LONG".
func (t Type) String() string {
	if name, ok := typeNames[t]; ok {
		return name
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// typeByName finds a type by its SQL name, in any case.
func typeByName(name string) (Type, bool) {
	for t, n := range typeNames {
		if strings.EqualFold(n, name) {
			return t, true
		}
	}
	return 0, false
}

// atomic reports whether values of the type can be index keys.
func (t Type) atomic() bool {
	return t != JSON && t != Binary
}

// JSONNull is the JSON null inside a JSON column, distinct from SQL NULL (nil).
//
// Values throughout this package are Go values: nil (SQL NULL), string, int32
// (INTEGER), int64 (LONG), float64 (DOUBLE and NUMBER), bool, []byte (BINARY),
// time.Time (TIMESTAMP, in UTC), and for JSON: map[string]any, []any, string,
// int32, int64, float64, bool or JSONNull{}.
type JSONNull struct{}

// Row is one query result row: field names and values, in select-list order.
type Row struct {
	Names  []string
	Values []any
}

// Get returns the value of the named field, compared case-insensitively.
func (r Row) Get(name string) (any, bool) {
	for i, n := range r.Names {
		if strings.EqualFold(n, name) {
			return r.Values[i], true
		}
	}
	return nil, false
}

package nosqlclient

import (
	"fmt"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/unixnano"
)

// Row reads the typed columns of a result row, keeping as its error the
// first column that is missing or of another type than asked for, so that
// an adapter decodes a whole row and checks once.
type Row struct {
	m   *types.MapValue
	err error
}

// ReadRow returns a Row reading m.
func ReadRow(m *types.MapValue) *Row { return &Row{m: m} }

// Err returns the first column that could not be read, or nil.
func (r *Row) Err() error { return r.err }

func (r *Row) fail(col, want string) {
	if r.err == nil {
		v, _ := r.m.Get(col)
		r.err = fmt.Errorf("column %s holds %T, want %s", col, v, want)
	}
}

// String reads a STRING column.
func (r *Row) String(col string) string {
	s, ok := r.m.GetString(col)
	if !ok {
		r.fail(col, "STRING")
	}
	return s
}

// Bool reads a BOOLEAN column.
func (r *Row) Bool(col string) bool {
	v, _ := r.m.Get(col)
	b, ok := v.(bool)
	if !ok {
		r.fail(col, "BOOLEAN")
	}
	return b
}

// Int reads an INTEGER column.
func (r *Row) Int(col string) int {
	i, ok := r.m.GetInt(col)
	if !ok {
		r.fail(col, "INTEGER")
	}
	return i
}

// Long reads a LONG column (or an INTEGER one, which fits).
func (r *Row) Long(col string) int64 {
	v, _ := r.m.Get(col)
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	}
	r.fail(col, "LONG")
	return 0
}

// Time reads a LONG column of nanoseconds since 1970 as a UTC time, the way
// FotoGal's tables keep times.
func (r *Row) Time(col string) time.Time {
	return unixnano.ToTime(r.Long(col))
}

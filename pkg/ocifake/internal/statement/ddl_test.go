package statement

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDDLCreateTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stmt string
		want *Table
	}{
		{
			name: "every type, constraints and a two-column shard key",
			stmt: `CREATE TABLE IF NOT EXISTS fotogal_ntable_images (
				owner_id STRING, created_ts TIMESTAMP(3) NOT NULL, id STRING,
				title STRING DEFAULT 'untitled', likes INTEGER NOT NULL DEFAULT 0,
				bytes LONG DEFAULT -5, ratio DOUBLE DEFAULT 1.5, price NUMBER DEFAULT 2,
				public BOOLEAN DEFAULT true, thumb BINARY, info JSON, seen TIMESTAMP,
				PRIMARY KEY (SHARD(owner_id, created_ts), id))`,
			want: &Table{
				Name:        "fotogal_ntable_images",
				IfNotExists: true,
				Columns: []Column{
					{Name: "owner_id", Type: String},
					{Name: "created_ts", Type: Timestamp, Precision: 3, NotNull: true},
					{Name: "id", Type: String},
					{Name: "title", Type: String, Default: "untitled"},
					{Name: "likes", Type: Integer, NotNull: true, Default: int32(0)},
					{Name: "bytes", Type: Long, Default: int64(-5)},
					{Name: "ratio", Type: Double, Default: 1.5},
					{Name: "price", Type: Number, Default: 2.0},
					{Name: "public", Type: Boolean, Default: true},
					{Name: "thumb", Type: Binary},
					{Name: "info", Type: JSON},
					{Name: "seen", Type: Timestamp, Precision: 9},
				},
				PrimaryKey:  []string{"owner_id", "created_ts", "id"},
				ShardKeyLen: 2,
			},
		},
		{
			name: "no shard clause makes the whole key the shard key, TTL in days",
			stmt: "create table Sessions (ID string, User string, primary key (id, USER)) using ttl 7 days;",
			want: &Table{
				Name:        "Sessions",
				Columns:     []Column{{Name: "ID", Type: String}, {Name: "User", Type: String}},
				PrimaryKey:  []string{"ID", "User"},
				ShardKeyLen: 2,
				TTL:         7 * 24 * time.Hour,
			},
		},
		{
			name: "one shard column, key first, TTL in hours, DEFAULT before NOT NULL",
			stmt: "CREATE TABLE t (PRIMARY KEY (SHARD(a)), a LONG, b TIMESTAMP(0) DEFAULT '2024-01-02T03:04:05.6Z' NOT NULL) USING TTL 24 HOURS",
			want: &Table{
				Name: "t",
				Columns: []Column{
					{Name: "a", Type: Long},
					{Name: "b", Type: Timestamp, NotNull: true, Default: time.Date(2024, 1, 2, 3, 4, 6, 0, time.UTC)},
				},
				PrimaryKey:  []string{"a"},
				ShardKeyLen: 1,
				TTL:         24 * time.Hour,
			},
		},
		{
			name: "whitespace and newlines anywhere",
			stmt: "\n\tCREATE\nTABLE\tt\n(\na\nINTEGER\n,\nPRIMARY\nKEY\n(\nSHARD\n(\na\n)\n)\n)\n",
			want: &Table{Name: "t", Columns: []Column{{Name: "a", Type: Integer}}, PrimaryKey: []string{"a"}, ShardKeyLen: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDDL(tc.stmt)
			if err != nil {
				t.Fatalf("ParseDDL: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseDDL:\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestParseDDLIndexAndDrop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stmt string
		want any
	}{
		{"index", "CREATE INDEX idx_created ON images (owner_id, created_ts)",
			&Index{Name: "idx_created", Table: "images", Columns: []string{"owner_id", "created_ts"}}},
		{"index if not exists", "create index if not exists i on t (a);",
			&Index{Name: "i", Table: "t", IfNotExists: true, Columns: []string{"a"}}},
		{"drop", "DROP TABLE images", &DropTable{Name: "images"}},
		{"drop if exists", "drop table if exists images;", &DropTable{Name: "images", IfExists: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDDL(tc.stmt)
			if err != nil {
				t.Fatalf("ParseDDL: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseDDL: got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestParseDDLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stmt    string
		wantErr error
		wantMsg string
	}{
		{"missing primary key", "CREATE TABLE t (a STRING)", ErrInvalidDDL, "no PRIMARY KEY"},
		{"unknown primary key column", "CREATE TABLE t (a STRING, PRIMARY KEY (b))", ErrInvalidDDL, "b at line 1, column 40"},
		{"JSON in primary key", "CREATE TABLE t (a JSON, PRIMARY KEY (a))", ErrInvalidDDL, "may not be of type JSON"},
		{"BINARY in primary key", "CREATE TABLE t (a BINARY, b STRING, PRIMARY KEY (SHARD(b), a))", ErrInvalidDDL, "may not be of type BINARY"},
		{"duplicate column", "CREATE TABLE t (a STRING, A LONG, PRIMARY KEY (a))", ErrInvalidDDL, "duplicate column A"},
		{"duplicate key column", "CREATE TABLE t (a STRING, PRIMARY KEY (a, A))", ErrInvalidDDL, "appears twice"},
		{"two primary keys", "CREATE TABLE t (a STRING, PRIMARY KEY (a), PRIMARY KEY (a))", ErrSyntax, "one PRIMARY KEY"},
		{"unknown type", "CREATE TABLE t (a VARCHAR, PRIMARY KEY (a))", ErrSyntax, `found "VARCHAR"`},
		{"precision too large", "CREATE TABLE t (a TIMESTAMP(10), PRIMARY KEY (a))", ErrSyntax, "precision from 0 to 9"},
		{"precision not a number", "CREATE TABLE t (a TIMESTAMP(x), PRIMARY KEY (a))", ErrSyntax, "precision"},
		{"default of the wrong type", "CREATE TABLE t (a STRING, b INTEGER DEFAULT 'x', PRIMARY KEY (a))", ErrInvalidDDL, "DEFAULT at line 1, column 37"},
		{"default out of range", "CREATE TABLE t (a STRING, b INTEGER DEFAULT 3000000000, PRIMARY KEY (a))", ErrInvalidDDL, "want INTEGER, got LONG"},
		{"bad default timestamp", "CREATE TABLE t (a STRING, b TIMESTAMP(3) DEFAULT 'soon', PRIMARY KEY (a))", ErrInvalidDDL, "RFC 3339"},
		{"default without literal", "CREATE TABLE t (a STRING DEFAULT, PRIMARY KEY (a))", ErrSyntax, "expected a literal"},
		{"minus without number", "CREATE TABLE t (a LONG DEFAULT -x, PRIMARY KEY (a))", ErrSyntax, "a number after '-'"},
		{"NOT without NULL", "CREATE TABLE t (a STRING NOT, PRIMARY KEY (a))", ErrSyntax, "expected NULL"},
		{"TTL unit", "CREATE TABLE t (a STRING, PRIMARY KEY (a)) USING TTL 3 WEEKS", ErrSyntax, "DAYS or HOURS"},
		{"TTL count", "CREATE TABLE t (a STRING, PRIMARY KEY (a)) USING TTL x DAYS", ErrSyntax, "a TTL count"},
		{"TTL keyword", "CREATE TABLE t (a STRING, PRIMARY KEY (a)) USING 3 DAYS", ErrSyntax, "expected TTL"},
		{"trailing text", "CREATE TABLE t (a STRING, PRIMARY KEY (a)) extra", ErrSyntax, "expected end of statement"},
		{"unclosed table", "CREATE TABLE t (a STRING, PRIMARY KEY (a)", ErrSyntax, "expected ')', found end of statement"},
		{"IF without EXISTS", "CREATE TABLE IF t (a STRING, PRIMARY KEY (a))", ErrSyntax, "expected NOT"},
		{"IF NOT without EXISTS", "CREATE TABLE IF NOT t (a STRING, PRIMARY KEY (a))", ErrSyntax, "expected EXISTS"},
		{"no table name", "CREATE TABLE (a STRING)", ErrSyntax, "expected table name"},
		{"no column list", "CREATE TABLE t", ErrSyntax, "expected '('"},
		{"PRIMARY without KEY", "CREATE TABLE t (a STRING, PRIMARY (a))", ErrSyntax, "expected KEY"},
		{"key without parenthesis", "CREATE TABLE t (a STRING, PRIMARY KEY a)", ErrSyntax, "expected '('"},
		{"empty shard", "CREATE TABLE t (a STRING, PRIMARY KEY (SHARD()))", ErrSyntax, "expected shard key column"},
		{"shard then junk", "CREATE TABLE t (a STRING, PRIMARY KEY (SHARD(a) a))", ErrSyntax, "expected ')'"},
		{"unknown statement", "ALTER TABLE t (ADD b STRING)", ErrSyntax, "expected CREATE TABLE, CREATE INDEX or DROP TABLE"},
		{"create what", "CREATE VIEW v", ErrSyntax, "expected TABLE or INDEX"},
		{"index without ON", "CREATE INDEX i t (a)", ErrSyntax, "expected ON"},
		{"index without name", "CREATE INDEX ON t (a)", ErrSyntax, `found "t"`},
		{"index without table", "CREATE INDEX i ON (a)", ErrSyntax, "expected table name"},
		{"index without columns", "CREATE INDEX i ON t a", ErrSyntax, "expected '('"},
		{"index if junk", "CREATE INDEX IF i ON t (a)", ErrSyntax, "expected NOT"},
		{"index empty columns", "CREATE INDEX i ON t ()", ErrSyntax, "expected index column"},
		{"drop what", "DROP INDEX i ON t", ErrSyntax, "expected TABLE"},
		{"drop if junk", "DROP TABLE IF t", ErrSyntax, "expected EXISTS"},
		{"drop without name", "DROP TABLE", ErrSyntax, "expected table name"},
		{"bad character", "CREATE TABLE t (a STRING, PRIMARY KEY (a)) # x", ErrSyntax, "line 1, column 44: unexpected character '#'"},
		{"position on later line", "CREATE TABLE t (\n  a STRING,\n  b FLOAT,\n  PRIMARY KEY (a))", ErrSyntax, "line 3, column 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDDL(tc.stmt)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ParseDDL(%q) = %v, %v; want error %v", tc.stmt, got, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("ParseDDL(%q) error = %q, want it to contain %q", tc.stmt, err, tc.wantMsg)
			}
		})
	}
}

func TestTableColumn(t *testing.T) {
	t.Parallel()
	table := mustTable(t, "CREATE TABLE t (Owner STRING, id LONG, PRIMARY KEY (SHARD(owner), ID))")
	tests := []struct {
		name     string
		column   string
		wantName string
		wantOK   bool
		wantKey  bool
	}{
		{"declared spelling", "Owner", "Owner", true, true},
		{"other case", "OWNER", "Owner", true, true},
		{"key column", "Id", "id", true, true},
		{"missing", "title", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ok := table.Column(tc.column)
			if c.Name != tc.wantName || ok != tc.wantOK {
				t.Errorf("Column(%q) = %q, %v; want %q, %v", tc.column, c.Name, ok, tc.wantName, tc.wantOK)
			}
			if got := table.IsPrimaryKey(tc.column); got != tc.wantKey {
				t.Errorf("IsPrimaryKey(%q) = %v, want %v", tc.column, got, tc.wantKey)
			}
		})
	}
}

func TestIndexValidate(t *testing.T) {
	t.Parallel()
	table := mustTable(t, "CREATE TABLE t (a STRING, b TIMESTAMP(3), c JSON, d BINARY, PRIMARY KEY (a))")
	tests := []struct {
		name    string
		stmt    string
		wantErr error
	}{
		{"atomic columns", "CREATE INDEX i ON t (B, a)", nil},
		{"unknown column", "CREATE INDEX i ON t (z)", ErrUnknownColumn},
		{"JSON column", "CREATE INDEX i ON t (c)", ErrInvalidDDL},
		{"BINARY column", "CREATE INDEX i ON t (d)", ErrInvalidDDL},
		{"repeated column", "CREATE INDEX i ON t (b, B)", ErrInvalidDDL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			parsed, err := ParseDDL(tc.stmt)
			if err != nil {
				t.Fatalf("ParseDDL: %v", err)
			}
			if err := parsed.(*Index).Validate(table); !errors.Is(err, tc.wantErr) {
				t.Errorf("Validate = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestTypeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ  Type
		want string
	}{
		{String, "STRING"}, {Integer, "INTEGER"}, {Long, "LONG"}, {Double, "DOUBLE"}, {Number, "NUMBER"},
		{Boolean, "BOOLEAN"}, {Binary, "BINARY"}, {JSON, "JSON"}, {Timestamp, "TIMESTAMP"}, {Type(42), "Type(42)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := tc.typ.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

// mustTable parses a CREATE TABLE statement for a test.
func mustTable(t *testing.T, stmt string) *Table {
	t.Helper()
	parsed, err := ParseDDL(stmt)
	if err != nil {
		t.Fatalf("ParseDDL(%q): %v", stmt, err)
	}
	return parsed.(*Table)
}

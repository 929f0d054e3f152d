package statement

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const imagesDDL = `CREATE TABLE Images (
	owner STRING, created_ts TIMESTAMP(3), id STRING, Title STRING,
	likes INTEGER, size LONG, ratio DOUBLE, public BOOLEAN, info JSON,
	PRIMARY KEY (SHARD(owner), created_ts, id))`

func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

// imageRows are the rows of the query tests; row "e" lacks most columns.
func imageRows() []map[string]any {
	return []map[string]any{
		{"owner": "ann", "created_ts": day(3), "id": "a", "Title": "Sea", "likes": int32(5), "size": int64(500), "ratio": 1.5, "public": true},
		{"owner": "ann", "created_ts": day(1), "id": "b", "Title": "it's", "likes": int32(9), "size": int64(100), "ratio": 0.5, "public": false},
		{"owner": "bob", "created_ts": day(2), "id": "c", "Title": "Zoo", "likes": int32(5), "size": int64(300), "ratio": 2.0, "public": true},
		{"owner": "bob", "created_ts": day(2), "id": "d", "Title": nil, "likes": int32(1), "size": int64(1 << 40), "ratio": 5.0, "public": true},
		{"owner": "cat", "created_ts": day(4), "id": "e"},
	}
}

// ids returns the "id" field of each row.
func ids(rows []Row) string {
	var out []string
	for _, r := range rows {
		v, _ := r.Get("id")
		s, _ := v.(string)
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func TestRunWhere(t *testing.T) {
	t.Parallel()
	table := mustTable(t, imagesDDL)
	tests := []struct {
		name  string
		query string
		binds map[string]any
		want  string
	}{
		{"no condition", "SELECT id FROM Images", nil, "a,b,c,d,e"},
		{"equal string variable", "DECLARE $o STRING; SELECT id FROM Images WHERE owner = $o", map[string]any{"$o": "bob"}, "c,d"},
		{"keywords and names in any case", "declare $O string; select ID from IMAGES where OWNER = $o", map[string]any{"$o": "bob"}, "c,d"},
		{"string literal with quote", "SELECT id FROM Images WHERE title = 'it''s'", nil, "b"},
		{"not equal", "SELECT id FROM Images WHERE owner != 'ann'", nil, "c,d,e"},
		{"not equal written <>", "SELECT id FROM Images WHERE owner <> 'ann'", nil, "c,d,e"},
		{"less", "SELECT id FROM Images WHERE likes < 5", nil, "d"},
		{"less or equal", "SELECT id FROM Images WHERE likes <= 5", nil, "a,c,d"},
		{"greater", "SELECT id FROM Images WHERE likes > 5", nil, "b"},
		{"greater or equal", "SELECT id FROM Images WHERE likes >= 5", nil, "a,b,c"},
		{"literal on the left", "SELECT id FROM Images WHERE 5 < likes", nil, "b"},
		{"strings by bytes", "SELECT id FROM Images WHERE title > 'Sea'", nil, "b,c"},
		{"INTEGER column against LONG variable", "DECLARE $n LONG; SELECT id FROM Images WHERE likes = $n", map[string]any{"$n": int64(9)}, "b"},
		{"LONG column against INTEGER literal", "SELECT id FROM Images WHERE size > 300", nil, "a,d"},
		{"LONG column against large literal", "SELECT id FROM Images WHERE size = 1099511627776", nil, "d"},
		{"DOUBLE column against INTEGER literal", "SELECT id FROM Images WHERE ratio = 2", nil, "c"},
		{"INTEGER column against decimal literal", "SELECT id FROM Images WHERE likes > 4.5", nil, "a,b,c"},
		{"LONG column against DOUBLE variable", "DECLARE $r DOUBLE; SELECT id FROM Images WHERE size < $r", map[string]any{"$r": 300.5}, "b,c"},
		{"negative literal", "SELECT id FROM Images WHERE likes > -1", nil, "a,b,c,d"},
		{"boolean literal", "SELECT id FROM Images WHERE public = false", nil, "b"},
		{"timestamp variable", "DECLARE $t TIMESTAMP; SELECT id FROM Images WHERE created_ts >= $t", map[string]any{"$t": day(2)}, "a,c,d,e"},
		{"column against column", "SELECT id FROM Images WHERE likes = likes", nil, "a,b,c,d"},
		{"incomparable types are false", "SELECT id FROM Images WHERE owner = 1", nil, ""},
		{"NOT of incomparable is true", "SELECT id FROM Images WHERE NOT owner = 1", nil, "a,b,c,d,e"},
		{"NULL column excluded", "SELECT id FROM Images WHERE title != 'Sea'", nil, "b,c"},
		{"NOT of NULL comparison excluded", "SELECT id FROM Images WHERE NOT title = 'Sea'", nil, "b,c"},
		{"missing column excluded", "SELECT id FROM Images WHERE likes >= 0", nil, "a,b,c,d"},
		{"NULL variable matches nothing", "DECLARE $o STRING; SELECT id FROM Images WHERE owner = $o OR NOT owner = $o", map[string]any{"$o": nil}, ""},
		{"IS NULL", "SELECT id FROM Images WHERE title IS NULL", nil, "d,e"},
		{"IS NOT NULL", "SELECT id FROM Images WHERE info IS NOT NULL", nil, ""},
		{"IS NULL on missing", "SELECT id FROM Images WHERE likes IS NULL", nil, "e"},
		{"AND", "SELECT id FROM Images WHERE owner = 'bob' AND likes > 2", nil, "c"},
		{"OR", "SELECT id FROM Images WHERE owner = 'cat' OR likes = 9", nil, "b,e"},
		{"AND binds tighter than OR", "SELECT id FROM Images WHERE owner = 'cat' OR owner = 'ann' AND likes = 5", nil, "a,e"},
		{"parentheses", "SELECT id FROM Images WHERE (owner = 'cat' OR owner = 'ann') AND likes = 5", nil, "a"},
		{"NOT", "SELECT id FROM Images WHERE NOT (owner = 'ann' OR owner = 'cat')", nil, "c,d"},
		{"NOT NOT", "SELECT id FROM Images WHERE NOT NOT owner = 'cat'", nil, "e"},
		{"unknown OR true", "SELECT id FROM Images WHERE title = 'x' OR owner = 'cat'", nil, "e"},
		{"unknown AND false is false", "SELECT id FROM Images WHERE NOT (title = 'x' AND owner = 'zed')", nil, "a,b,c,d,e"},
		{"unknown AND true is unknown", "SELECT id FROM Images WHERE NOT (title = 'x' AND owner = 'cat')", nil, "a,b,c,d"},
		{"unknown OR false is unknown", "SELECT id FROM Images WHERE NOT (title = 'x' OR owner = 'zed')", nil, "a,b,c"},
		{"IN variables", "DECLARE $a STRING; $b STRING; SELECT id FROM Images WHERE id IN ($a, $b)", map[string]any{"$a": "c", "$b": "e"}, "c,e"},
		{"IN literals", "SELECT id FROM Images WHERE likes IN (1, 9)", nil, "b,d"},
		{"NOT IN with a NULL in the list is unknown", "DECLARE $a STRING; SELECT id FROM Images WHERE NOT owner IN ('ann', $a)", map[string]any{"$a": nil}, ""},
		{"NOT IN", "SELECT id FROM Images WHERE NOT owner IN ('ann', 'bob')", nil, "e"},
		{"qualified with alias", "SELECT i.id FROM Images i WHERE i.owner = 'cat'", nil, "e"},
		{"qualified with AS alias", "SELECT I.id FROM Images AS i WHERE i.OWNER = 'cat'", nil, "e"},
		{"qualified with table name", "SELECT images.id FROM Images WHERE Images.owner = 'cat'", nil, "e"},
		{"unused declared variable", "DECLARE $unused LONG; SELECT id FROM Images WHERE owner = 'cat'", nil, "e"},
		{"trailing semicolon", "SELECT id FROM Images WHERE owner = 'cat';", nil, "e"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := ParseQuery(tc.query)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			rows, err := q.Run(table, imageRows(), tc.binds)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := ids(rows); got != tc.want {
				t.Errorf("ids = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunProjectionAndCount(t *testing.T) {
	t.Parallel()
	table := mustTable(t, imagesDDL)
	tests := []struct {
		name  string
		query string
		binds map[string]any
		want  []Row
	}{
		{
			name:  "star keeps declaration order and NULLs",
			query: "SELECT * FROM Images WHERE id = 'e'",
			want: []Row{{
				Names:  []string{"owner", "created_ts", "id", "Title", "likes", "size", "ratio", "public", "info"},
				Values: []any{"cat", day(4), "e", nil, nil, nil, nil, nil, nil},
			}},
		},
		{
			name:  "columns with declared spelling and aliases",
			query: "SELECT t.TITLE, t.id AS Key, likes FROM Images t WHERE id = 'a'",
			want:  []Row{{Names: []string{"Title", "Key", "likes"}, Values: []any{"Sea", "a", int32(5)}}},
		},
		{
			name:  "count without WHERE",
			query: "SELECT count(*) FROM Images",
			want:  []Row{{Names: []string{"Column_1"}, Values: []any{int64(5)}}},
		},
		{
			name:  "count with WHERE and alias",
			query: "DECLARE $o STRING; SELECT COUNT(*) AS n FROM Images WHERE owner = $o",
			binds: map[string]any{"$o": "ann"},
			want:  []Row{{Names: []string{"n"}, Values: []any{int64(2)}}},
		},
		{
			name:  "count of nothing",
			query: "SELECT count(*) FROM Images WHERE owner = 'zed'",
			want:  []Row{{Names: []string{"Column_1"}, Values: []any{int64(0)}}},
		},
		{
			name:  "count after OFFSET",
			query: "SELECT count(*) FROM Images OFFSET 1",
			want:  nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := ParseQuery(tc.query)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			got, err := q.Run(table, imageRows(), tc.binds)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Run:\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestRunOrderLimitOffset(t *testing.T) {
	t.Parallel()
	table := mustTable(t, imagesDDL)
	tests := []struct {
		name  string
		query string
		binds map[string]any
		want  string
	}{
		{"primary key ascending", "SELECT id FROM Images ORDER BY owner, created_ts, id", nil, "b,a,c,d,e"},
		{"primary key descending", "SELECT id FROM Images ORDER BY owner DESC, created_ts DESC, id DESC", nil, "e,d,c,a,b"},
		{"ties broken by the rest of the key", "SELECT id FROM Images ORDER BY owner", nil, "b,a,c,d,e"},
		{"ties broken descending", "SELECT id FROM Images ORDER BY owner DESC", nil, "e,d,c,a,b"},
		{"explicit ASC", "SELECT id FROM Images ORDER BY likes ASC", nil, "d,a,c,b,e"},
		{"NULLs last ascending", "SELECT id FROM Images ORDER BY title", nil, "a,c,b,d,e"},
		{"NULLs first descending", "SELECT id FROM Images ORDER BY title DESC", nil, "e,d,b,c,a"},
		{"several columns", "SELECT id FROM Images ORDER BY likes, created_ts", nil, "d,c,a,b,e"},
		{"qualified", "SELECT id FROM Images x ORDER BY x.size DESC", nil, "e,d,a,c,b"},
		{"LIMIT", "SELECT id FROM Images ORDER BY owner LIMIT 2", nil, "b,a"},
		{"OFFSET", "SELECT id FROM Images ORDER BY owner OFFSET 3", nil, "d,e"},
		{"LIMIT and OFFSET", "SELECT id FROM Images ORDER BY owner LIMIT 2 OFFSET 1", nil, "a,c"},
		{"LIMIT 0", "SELECT id FROM Images LIMIT 0", nil, ""},
		{"OFFSET past the end", "SELECT id FROM Images OFFSET 9", nil, ""},
		{"LIMIT past the end", "SELECT id FROM Images LIMIT 9", nil, "a,b,c,d,e"},
		{"variables of both integer types", "DECLARE $l INTEGER; $o LONG; SELECT id FROM Images LIMIT $l OFFSET $o",
			map[string]any{"$l": int32(2), "$o": int64(2)}, "c,d"},
		{"LONG variable bound with an INTEGER", "DECLARE $l LONG; SELECT id FROM Images LIMIT $l",
			map[string]any{"$l": int32(1)}, "a"},
		{"WHERE then order then window", "SELECT id FROM Images WHERE public = true ORDER BY size DESC LIMIT 2", nil, "d,a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := ParseQuery(tc.query)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			rows := imageRows()
			got, err := q.Run(table, rows, tc.binds)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if ids := ids(got); ids != tc.want {
				t.Errorf("ids = %q, want %q", ids, tc.want)
			}
			if order := ids(rowsOf(rows)); order != "a,b,c,d,e" {
				t.Errorf("Run reordered its input to %q", order)
			}
		})
	}
}

// rowsOf wraps stored rows as result rows, to reuse ids.
func rowsOf(rows []map[string]any) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = Row{Names: []string{"id"}, Values: []any{r["id"]}}
	}
	return out
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	table := mustTable(t, imagesDDL)
	tests := []struct {
		name    string
		query   string
		binds   map[string]any
		wantErr error
		wantMsg string
	}{
		{"unknown column in WHERE", "SELECT id FROM Images WHERE nope = 1", nil, ErrUnknownColumn, "no column nope"},
		{"unknown column in select", "SELECT nope FROM Images", nil, ErrUnknownColumn, "no column nope"},
		{"unknown column in ORDER BY", "SELECT id FROM Images ORDER BY nope", nil, ErrUnknownColumn, "no column nope"},
		{"unbound variable", "DECLARE $o STRING; SELECT id FROM Images WHERE owner = $o", nil, ErrVariable, "$o is not bound"},
		{"wrong variable type", "DECLARE $o STRING; SELECT id FROM Images WHERE owner = $o", map[string]any{"$o": int64(1)}, ErrVariable, "want STRING, got LONG"},
		{"LONG into INTEGER variable", "DECLARE $n INTEGER; SELECT id FROM Images WHERE likes = $n", map[string]any{"$n": int64(1)}, ErrVariable, "want INTEGER, got LONG"},
		{"undeclared binding", "SELECT id FROM Images", map[string]any{"$x": "y"}, ErrVariable, "declares no variable $x"},
		{"negative LIMIT", "DECLARE $l LONG; SELECT id FROM Images LIMIT $l", map[string]any{"$l": int64(-1)}, ErrVariable, "negative"},
		{"NULL OFFSET", "DECLARE $o LONG; SELECT id FROM Images OFFSET $o", map[string]any{"$o": nil}, ErrVariable, "NULL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := ParseQuery(tc.query)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			_, err = q.Run(table, imageRows(), tc.binds)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Run = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Run error = %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		wantErr error
		wantMsg string
	}{
		{"undeclared variable", "SELECT id FROM t WHERE a = $a", ErrVariable, "$a at line 1, column 28 is not declared"},
		{"undeclared LIMIT variable", "SELECT id FROM t LIMIT $n", ErrVariable, "$n at line 1, column 24 is not declared"},
		{"LIMIT variable not integer", "DECLARE $n STRING; SELECT id FROM t LIMIT $n", ErrVariable, "declared STRING"},
		{"OFFSET variable not integer", "DECLARE $n DOUBLE; SELECT id FROM t OFFSET $n", ErrVariable, "declared DOUBLE"},
		{"variable declared twice", "DECLARE $a STRING; $A LONG; SELECT id FROM t", ErrVariable, "declared twice"},
		{"declaration without semicolon", "DECLARE $a STRING SELECT id FROM t", ErrSyntax, "expected ';'"},
		{"declaration without type", "DECLARE $a; SELECT id FROM t", ErrSyntax, "expected a type"},
		{"DECLARE without variable", "DECLARE a STRING; SELECT id FROM t", ErrSyntax, "expected a variable name"},
		{"bare dollar", "SELECT id FROM t WHERE a = $", ErrSyntax, "'$' must begin a variable name"},
		{"unknown alias", "SELECT x.id FROM t AS y", ErrUnknownColumn, "x is not the table alias y"},
		{"table name when aliased", "SELECT t.id FROM t y", ErrUnknownColumn, "t is not the table alias y"},
		{"not a SELECT", "UPDATE t SET a = 1", ErrSyntax, "expected SELECT"},
		{"no FROM", "SELECT id", ErrSyntax, "expected FROM"},
		{"no table", "SELECT id FROM", ErrSyntax, "expected table name"},
		{"empty select list", "SELECT FROM t", ErrSyntax, "expected FROM"},
		{"trailing comma", "SELECT id, FROM t", ErrSyntax, `found "t"`},
		{"AS without alias", "SELECT id AS FROM t", ErrSyntax, `found "t"`},
		{"table AS without alias", "SELECT id FROM t AS", ErrSyntax, "expected table alias"},
		{"three-part name", "SELECT t.a.b FROM t", ErrSyntax, "expected FROM"},
		{"dot without name", "SELECT t. FROM t", ErrSyntax, `found "t"`},
		{"duplicate result name", "SELECT id, a AS ID FROM t", ErrSyntax, "names ID twice"},
		{"count with ORDER BY", "SELECT count(*) FROM t ORDER BY a", ErrSyntax, "count(*) cannot be ordered"},
		{"count of a column", "SELECT count(a) FROM t", ErrSyntax, "expected '*'"},
		{"count unclosed", "SELECT count(* FROM t", ErrSyntax, "expected ')'"},
		{"count AS without alias", "SELECT count(*) AS FROM t", ErrSyntax, `found "t"`},
		{"count and a column", "SELECT count(*), a FROM t", ErrSyntax, "expected FROM"},
		{"star and a column", "SELECT *, a FROM t", ErrSyntax, "expected FROM"},
		{"empty WHERE", "SELECT id FROM t WHERE", ErrSyntax, "expected a literal"},
		{"WHERE without operator", "SELECT id FROM t WHERE a", ErrSyntax, "expected a comparison operator, IN or IS"},
		{"literal without operator", "SELECT id FROM t WHERE 1", ErrSyntax, "expected a comparison operator"},
		{"comparison without right side", "SELECT id FROM t WHERE a =", ErrSyntax, "expected a literal"},
		{"unclosed parenthesis", "SELECT id FROM t WHERE (a = 1", ErrSyntax, "expected ')'"},
		{"parenthesis inner error", "SELECT id FROM t WHERE (a =)", ErrSyntax, "expected a literal"},
		{"AND without right side", "SELECT id FROM t WHERE a = 1 AND", ErrSyntax, "expected a literal"},
		{"OR without right side", "SELECT id FROM t WHERE a = 1 OR", ErrSyntax, "expected a literal"},
		{"IS without NULL", "SELECT id FROM t WHERE a IS 1", ErrSyntax, "expected NULL"},
		{"IN without list", "SELECT id FROM t WHERE a IN $x", ErrSyntax, "expected '('"},
		{"IN with column", "SELECT id FROM t WHERE a IN (b)", ErrSyntax, "IN lists hold bind variables and literals"},
		{"IN unclosed", "SELECT id FROM t WHERE a IN (1, 2", ErrSyntax, "expected ')'"},
		{"IN empty", "SELECT id FROM t WHERE a IN ()", ErrSyntax, "expected a literal"},
		{"ORDER without BY", "SELECT id FROM t ORDER a", ErrSyntax, "expected BY"},
		{"ORDER BY nothing", "SELECT id FROM t ORDER BY", ErrSyntax, "expected column name"},
		{"LIMIT of a string", "SELECT id FROM t LIMIT 'x'", ErrSyntax, "LIMIT count"},
		{"negative LIMIT literal", "SELECT id FROM t LIMIT -1", ErrSyntax, "LIMIT count"},
		{"OFFSET of a decimal", "SELECT id FROM t OFFSET 1.5", ErrSyntax, "OFFSET count"},
		{"OFFSET before LIMIT", "SELECT id FROM t OFFSET 1 LIMIT 1", ErrSyntax, "expected end of statement"},
		{"integer literal out of range", "SELECT id FROM t WHERE a = 99999999999999999999", ErrSyntax, "out of range"},
		{"LIMIT out of range", "SELECT id FROM t LIMIT 99999999999999999999", ErrSyntax, "out of range"},
		{"decimal literal out of range", "SELECT id FROM t WHERE a = 1e999", ErrSyntax, "out of range"},
		{"unterminated string", "SELECT id FROM t WHERE a = 'x", ErrSyntax, "unterminated string literal"},
		{"NULL literal", "SELECT id FROM t WHERE a = NULL", ErrSyntax, "through IS NULL"},
		{"double-quoted string", `SELECT id FROM t WHERE a = "x"`, ErrSyntax, "unexpected character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := ParseQuery(tc.query)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ParseQuery(%q) = %v, %v; want error %v", tc.query, q, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("ParseQuery(%q) error = %q, want it to contain %q", tc.query, err, tc.wantMsg)
			}
		})
	}
}

func TestQueryTableNameAndVariables(t *testing.T) {
	t.Parallel()
	q, err := ParseQuery(`DECLARE $s STRING; $i INTEGER; $l LONG; $d DOUBLE; $n NUMBER; $b BOOLEAN;
		$bin BINARY; $j JSON; $ts TIMESTAMP(3); $Mixed LONG;
		SELECT * FROM fotogal_ntable_Users`)
	if err != nil {
		t.Fatalf("ParseQuery: %v", err)
	}
	if got, want := q.TableName(), "fotogal_ntable_Users"; got != want {
		t.Errorf("TableName() = %q, want %q", got, want)
	}
	want := map[string]Type{
		"$s": String, "$i": Integer, "$l": Long, "$d": Double, "$n": Number, "$b": Boolean,
		"$bin": Binary, "$j": JSON, "$ts": Timestamp, "$Mixed": Long,
	}
	if got := q.Variables(); !reflect.DeepEqual(got, want) {
		t.Errorf("Variables() = %v, want %v", got, want)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	table := mustTable(t, imagesDDL)
	byLikes := &Index{Name: "by_likes", Table: "images", Columns: []string{"LIKES", "size"}}
	otherTable := &Index{Name: "elsewhere", Table: "other", Columns: []string{"title"}}
	indexes := []*Index{otherTable, byLikes}
	tests := []struct {
		name    string
		query   string
		wantErr error
	}{
		{"no ORDER BY", "SELECT * FROM Images WHERE title = 'x'", nil},
		{"whole primary key", "SELECT * FROM Images ORDER BY owner, created_ts, id", nil},
		{"primary key prefix descending", "SELECT * FROM Images ORDER BY OWNER DESC, created_ts DESC", nil},
		{"index prefix", "SELECT * FROM Images ORDER BY likes", nil},
		{"whole index", "SELECT * FROM Images i ORDER BY i.likes DESC, i.size DESC", nil},
		{"not a prefix", "SELECT * FROM Images ORDER BY created_ts", ErrOrderBy},
		{"mixed directions", "SELECT * FROM Images ORDER BY owner ASC, created_ts DESC", ErrOrderBy},
		{"longer than the index", "SELECT * FROM Images ORDER BY likes, size, id", ErrOrderBy},
		{"index of another table", "SELECT * FROM Images ORDER BY title", ErrOrderBy},
		{"unknown column", "SELECT * FROM Images WHERE nope IS NULL", ErrUnknownColumn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := ParseQuery(tc.query)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			if err := q.Validate(table, indexes); !errors.Is(err, tc.wantErr) {
				t.Errorf("Validate = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestCheckBindings(t *testing.T) {
	t.Parallel()
	q, err := ParseQuery(`DECLARE $s STRING; $i INTEGER; $l LONG; $d DOUBLE; $n NUMBER; $b BOOLEAN;
		$bin BINARY; $j JSON; $ts TIMESTAMP(3);
		SELECT * FROM t WHERE a = $s`)
	if err != nil {
		t.Fatalf("ParseQuery: %v", err)
	}
	local := time.FixedZone("CET", 3600)
	tests := []struct {
		name    string
		binds   map[string]any
		want    map[string]any
		wantErr bool
	}{
		{"STRING", map[string]any{"$s": "x"}, map[string]any{"$s": "x"}, false},
		{"name without dollar, other case", map[string]any{"S": "x"}, map[string]any{"$s": "x"}, false},
		{"NULL", map[string]any{"$s": nil}, map[string]any{"$s": nil}, false},
		{"INTEGER", map[string]any{"$s": "", "$i": int32(7)}, map[string]any{"$s": "", "$i": int32(7)}, false},
		{"Go int as INTEGER", map[string]any{"$s": "", "$i": 7}, map[string]any{"$s": "", "$i": int32(7)}, false},
		{"LONG from INTEGER", map[string]any{"$s": "", "$l": int32(7)}, map[string]any{"$s": "", "$l": int64(7)}, false},
		{"LONG from large Go int", map[string]any{"$s": "", "$l": 1 << 40}, map[string]any{"$s": "", "$l": int64(1 << 40)}, false},
		{"DOUBLE from INTEGER", map[string]any{"$s": "", "$d": int32(2)}, map[string]any{"$s": "", "$d": 2.0}, false},
		{"DOUBLE from LONG", map[string]any{"$s": "", "$d": int64(3)}, map[string]any{"$s": "", "$d": 3.0}, false},
		{"DOUBLE", map[string]any{"$s": "", "$d": 0.25}, map[string]any{"$s": "", "$d": 0.25}, false},
		{"NUMBER from LONG", map[string]any{"$s": "", "$n": int64(3)}, map[string]any{"$s": "", "$n": 3.0}, false},
		{"BOOLEAN", map[string]any{"$s": "", "$b": true}, map[string]any{"$s": "", "$b": true}, false},
		{"BINARY", map[string]any{"$s": "", "$bin": []byte{1}}, map[string]any{"$s": "", "$bin": []byte{1}}, false},
		{"JSON", map[string]any{"$s": "", "$j": map[string]any{"k": []any{1, nil}}},
			map[string]any{"$s": "", "$j": map[string]any{"k": []any{int32(1), JSONNull{}}}}, false},
		{"TIMESTAMP in UTC", map[string]any{"$s": "", "$ts": time.Date(2024, 1, 1, 1, 0, 0, 0, local)},
			map[string]any{"$s": "", "$ts": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
		{"INTEGER from LONG", map[string]any{"$s": "", "$i": int64(7)}, nil, true},
		{"LONG from DOUBLE", map[string]any{"$s": "", "$l": 1.0}, nil, true},
		{"DOUBLE from STRING", map[string]any{"$s": "", "$d": "1"}, nil, true},
		{"BOOLEAN from STRING", map[string]any{"$s": "", "$b": "true"}, nil, true},
		{"BINARY from STRING", map[string]any{"$s": "", "$bin": "AQ=="}, nil, true},
		{"TIMESTAMP from STRING", map[string]any{"$s": "", "$ts": "2024-01-01T00:00:00Z"}, nil, true},
		{"JSON from BINARY", map[string]any{"$s": "", "$j": []any{[]byte{1}}}, nil, true},
		{"used variable unbound", map[string]any{"$i": int32(1)}, nil, true},
		{"bound twice", map[string]any{"$s": "a", "S": "b"}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := q.CheckBindings(tc.binds)
			if tc.wantErr {
				if !errors.Is(err, ErrVariable) {
					t.Errorf("CheckBindings = %v, %v; want an ErrVariable error", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckBindings: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CheckBindings = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestRowGet(t *testing.T) {
	t.Parallel()
	row := Row{Names: []string{"Id", "n"}, Values: []any{"x", int64(1)}}
	tests := []struct {
		name   string
		field  string
		want   any
		wantOK bool
	}{
		{"exact", "Id", "x", true},
		{"other case", "N", int64(1), true},
		{"missing", "z", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := row.Get(tc.field)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("Get(%q) = %v, %v; want %v, %v", tc.field, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestRunConcurrently(t *testing.T) {
	t.Parallel()
	table := mustTable(t, imagesDDL)
	q, err := ParseQuery("DECLARE $o STRING; $l LONG; SELECT id FROM Images WHERE owner = $o ORDER BY owner DESC LIMIT $l")
	if err != nil {
		t.Fatalf("ParseQuery: %v", err)
	}
	owners := map[string]string{"ann": "a,b", "bob": "d,c", "cat": "e"}
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(owners))
	for range 3 {
		for owner, want := range owners {
			wg.Go(func() {
				rows, err := q.Run(table, imageRows(), map[string]any{"$o": owner, "$l": int64(5)})
				if err != nil {
					errs <- err
					return
				}
				if got := ids(rows); got != want {
					errs <- errors.New("owner " + owner + ": got " + got + ", want " + want)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

package ocifake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/fotogal/fotogal/pkg/ocifake/internal/statement"
)

// Query limits of the service that the fake applies.
const (
	defaultMaxReadKB = 2048 // what one query request may read
	cursorIdle       = 10 * time.Minute
	maxCursors       = 10000
	maxCachedQueries = 1000
)

// Magic prefixes of the fake's opaque bytes.
var (
	preparedMagic = []byte("fgq1")
	cursorMagic   = []byte("fgc1")
)

// queryCache keeps parsed queries by their text.
type queryCache map[string]*statement.Query

// parse returns the parsed query of text.
func (c queryCache) parse(text string) (*statement.Query, error) {
	if q, ok := c[text]; ok {
		return q, nil
	}
	q, err := statement.ParseQuery(text)
	if err != nil {
		return nil, err
	}
	if len(c) >= maxCachedQueries {
		clear(c)
	}
	c[text] = q
	return q, nil
}

// preparedText is the statement a prepared query carries.
func preparedText(b []byte) (string, error) {
	if !bytes.HasPrefix(b, preparedMagic) {
		return "", fmt.Errorf("the prepared query was not made by this fake")
	}
	return string(b[len(preparedMagic):]), nil
}

// prepareQuery parses and checks a query against its table.
func (f *NoSQL) prepareQuery(text string) (*statement.Query, *table, *protoError) {
	if strings.TrimSpace(text) == "" {
		return nil, nil, illegal("the query has no statement")
	}
	q, err := f.queries.parse(text)
	if err != nil {
		return nil, nil, illegal("query not supported by the fake: %v", err)
	}
	t, perr := f.lookupTable(q.TableName())
	if perr != nil {
		return nil, nil, perr
	}
	if err := q.Validate(t.def, t.indexes); err != nil {
		return nil, nil, illegal("%v", err)
	}
	return q, t, nil
}

// prepare answers a Prepare. The prepared query is the statement's text
// behind a marker: the fake parses it again (from its cache) when it runs,
// and sends no driver plan, so that the SDK leaves every query to it.
func (f *NoSQL) prepare(req *request) (object, *protoError) {
	p := req.payload
	text := p.str(fStatement)
	wantPlan := p.bool(fGetQueryPlan)
	if p.err != nil {
		return nil, p.err
	}
	_, t, err := f.prepareQuery(text)
	if err != nil {
		return nil, err
	}
	ans := answerOK(
		consumed(1, 0),
		field{fPreparedQuery, append(bytes.Clone(preparedMagic), text...)},
		field{fTableName, t.def.Name},
	)
	if wantPlan {
		ans = append(ans, field{fQueryPlan, "the fake evaluates the whole query on its server: " + text})
	}
	return ans, nil
}

// query answers a Query: the first request runs it on the table as it is
// then, and the continuation keys serve the rest of that result in
// batches, so that no batch repeats or skips a row whatever is written
// meanwhile.
func (f *NoSQL) query(req *request) (object, *protoError) {
	p := req.payload
	cont := p.bytes(fContinuationKey)
	limit := int(p.int(fNumberLimit))
	maxReadKB := int(p.int(fMaxReadKB))
	isPrepared := p.bool(fIsPrepared)
	prepared := p.bytes(fPreparedQuery)
	text := p.str(fStatement)
	bindList := p.array(fBindVariables)
	if p.err != nil {
		return nil, p.err
	}
	if maxReadKB <= 0 || maxReadKB > defaultMaxReadKB {
		maxReadKB = defaultMaxReadKB
	}
	if cont != nil {
		c, offset, err := f.cursors.resume(cont)
		if err != nil {
			return nil, err
		}
		return f.cursors.batch(c, offset, limit, maxReadKB), nil
	}
	if isPrepared {
		var err error
		if text, err = preparedText(prepared); err != nil {
			return nil, illegal("%v", err)
		}
	}
	q, t, perr := f.prepareQuery(text)
	if perr != nil {
		return nil, perr
	}
	binds, perr := readBinds(bindList)
	if perr != nil {
		return nil, perr
	}
	binds, err := q.CheckBindings(binds)
	if err != nil {
		return nil, illegal("%v", err)
	}
	now := f.now()
	rows := make([]map[string]any, 0, len(t.keys))
	for _, k := range t.keys {
		if r := t.rows[k]; r.live(now) {
			rows = append(rows, r.values)
		}
	}
	result, err := q.Run(t.def, rows, binds)
	if err != nil {
		return nil, illegal("%v", err)
	}
	c := &cursor{rows: make([]object, len(result)), sizes: make([]int, len(result))}
	for i, r := range result {
		c.rows[i], c.sizes[i] = resultObject(t, r)
	}
	ans := f.cursors.batch(c, 0, limit, maxReadKB)
	if !isPrepared {
		// An unprepared query is prepared by its first answer.
		ans = append(ans,
			field{fPreparedQuery, append(bytes.Clone(preparedMagic), text...)},
			field{fTableName, t.def.Name})
	}
	return ans, nil
}

// readBinds reads the BIND_VARIABLES of a query.
func readBinds(list []any) (map[string]any, *protoError) {
	binds := make(map[string]any, len(list))
	for i, e := range list {
		o, ok := e.(object)
		if !ok {
			return nil, badRequest("bind variable %d is a %T, not a map", i, e)
		}
		p := &fields{obj: o}
		name := p.str(fName)
		wire, _ := p.get(fValue)
		if p.err != nil {
			return nil, p.err
		}
		v, err := fromWire(wire)
		if err != nil {
			return nil, illegal("bind variable %s: %v", name, err)
		}
		binds[name] = v
	}
	return binds, nil
}

// resultObject is a result row on the wire, and its size.
func resultObject(t *table, r statement.Row) (object, int) {
	o := make(object, len(r.Names))
	size := 0
	for i, name := range r.Names {
		v := r.Values[i]
		if c, ok := t.def.Column(name); ok {
			v = columnWire(c, v)
		}
		o[i] = field{name, v}
		size += valueSize(r.Values[i])
	}
	return o, size
}

// cursor is the rest of a query's result, for its continuation keys.
type cursor struct {
	id       uint64
	rows     []object
	sizes    []int
	lastUsed time.Time
}

// cursors are the results being read in batches.
type cursors struct {
	next uint64
	open map[uint64]*cursor
}

// resume finds the cursor and position of a continuation key.
func (cs *cursors) resume(key []byte) (*cursor, int, *protoError) {
	if len(key) != len(cursorMagic)+16 || !bytes.HasPrefix(key, cursorMagic) {
		return nil, 0, illegal("the continuation key was not made by this fake")
	}
	id := binary.BigEndian.Uint64(key[len(cursorMagic):])
	offset := binary.BigEndian.Uint64(key[len(cursorMagic)+8:])
	c := cs.open[id]
	if c == nil || offset > uint64(len(c.rows)) {
		return nil, 0, illegal("the continuation key has expired: the query's result is kept for %v after its last batch", cursorIdle)
	}
	return c, int(offset), nil
}

// batch answers with the rows of c from offset, as many as limit (0: no
// limit) and maxReadKB allow and at least one, with the continuation key
// of the rest. A cursor is kept only while it has rows left to serve.
func (cs *cursors) batch(c *cursor, offset, limit, maxReadKB int) object {
	end, readKB := offset, 0
	for end < len(c.rows) {
		cost := kb(c.sizes[end])
		if end > offset && (readKB+cost > maxReadKB || (limit > 0 && end-offset >= limit)) {
			break
		}
		readKB += cost
		end++
	}
	results := make([]any, 0, end-offset)
	for _, r := range c.rows[offset:end] {
		results = append(results, r)
	}
	ans := answerOK(consumed(max(readKB, 1), 0), field{fQueryResults, results})
	if end == len(c.rows) {
		if c.id != 0 {
			delete(cs.open, c.id)
		}
		return append(ans, field{fReachedLimit, false})
	}
	cs.keep(c)
	key := binary.BigEndian.AppendUint64(bytes.Clone(cursorMagic), c.id)
	key = binary.BigEndian.AppendUint64(key, uint64(end))
	return append(ans, field{fContinuationKey, key}, field{fReachedLimit, true})
}

// keep registers c, if it is new, and drops the cursors idle too long.
func (cs *cursors) keep(c *cursor) {
	now := time.Now()
	c.lastUsed = now
	if c.id != 0 {
		return
	}
	for id, old := range cs.open {
		if now.Sub(old.lastUsed) > cursorIdle {
			delete(cs.open, id)
		}
	}
	if len(cs.open) >= maxCursors {
		var oldest *cursor
		for _, old := range cs.open {
			if oldest == nil || old.lastUsed.Before(oldest.lastUsed) {
				oldest = old
			}
		}
		delete(cs.open, oldest.id)
	}
	cs.next++
	c.id = cs.next
	cs.open[c.id] = c
}

package ocifake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"

	"github.com/fotogal/fotogal/pkg/ocifake/internal/statement"
)

// maxBatchOps is the most operations one WriteMultiple may hold.
const maxBatchOps = 50

// lookupTable returns the table called name.
func (f *NoSQL) lookupTable(name string) (*table, *protoError) {
	if name == "" {
		return nil, illegal("the request names no table")
	}
	t := f.tables[strings.ToLower(name)]
	if t == nil {
		return nil, failf(nosqlerr.TableNotFound, "table %s does not exist", name)
	}
	return t, nil
}

// columnValue converts a wire value for column c.
func columnValue(t *table, c statement.Column, wire any) (any, *protoError) {
	v, err := fromWire(wire)
	if err != nil {
		return nil, illegal("column %s: %v", c.Name, err)
	}
	if v == nil {
		return nil, nil
	}
	v, err = statement.Coerce(c, v)
	if err != nil {
		return nil, illegal("table %s: %v", t.def.Name, err)
	}
	return v, nil
}

// rowValues checks the VALUE of a put against t and returns it keyed by the
// declared column names, with the defaults of missing columns filled in.
func (t *table) rowValues(o object) (map[string]any, *protoError) {
	if o == nil {
		return nil, illegal("the put has no row value")
	}
	values := make(map[string]any, len(t.def.Columns))
	for _, fl := range o {
		c, ok := t.def.Column(fl.name)
		if !ok {
			return nil, illegal("table %s has no column %s", t.def.Name, fl.name)
		}
		if _, dup := values[c.Name]; dup {
			return nil, illegal("column %s appears twice in the row", c.Name)
		}
		v, err := columnValue(t, c, fl.value)
		if err != nil {
			return nil, err
		}
		values[c.Name] = v
	}
	for _, c := range t.def.Columns {
		v, given := values[c.Name]
		if !given && c.Default != nil {
			values[c.Name], v = c.Default, c.Default
		}
		if v != nil {
			continue
		}
		switch {
		case t.def.IsPrimaryKey(c.Name):
			return nil, illegal("the row has no value for primary-key column %s of table %s", c.Name, t.def.Name)
		case c.NotNull:
			return nil, illegal("the row has no value for column %s of table %s, which is NOT NULL", c.Name, t.def.Name)
		}
		delete(values, c.Name)
	}
	return values, nil
}

// keyValues checks the KEY of a request against t. With partial, the key
// may be any prefix of the primary key that holds the whole shard key; it
// returns the key's values in key order.
func (t *table) keyValues(o object, partial bool) ([]any, *protoError) {
	if o == nil {
		return nil, illegal("the request has no key")
	}
	given := make(map[string]any, len(o))
	for _, fl := range o {
		c, ok := t.def.Column(fl.name)
		if !ok {
			return nil, illegal("table %s has no column %s", t.def.Name, fl.name)
		}
		if !t.def.IsPrimaryKey(c.Name) {
			return nil, illegal("column %s of table %s is not part of its primary key", c.Name, t.def.Name)
		}
		v, err := columnValue(t, c, fl.value)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, illegal("primary-key column %s is NULL", c.Name)
		}
		given[c.Name] = v
	}
	var key []any
	for _, name := range t.def.PrimaryKey {
		v, ok := given[name]
		if !ok {
			break
		}
		key = append(key, v)
	}
	if len(key) != len(given) {
		return nil, illegal("the key of table %s must give a prefix of its primary key (%s)", t.def.Name, strings.Join(t.def.PrimaryKey, ", "))
	}
	need := len(t.def.PrimaryKey)
	if partial {
		need = shardKeyLen(t.def)
	}
	if len(key) < need {
		return nil, illegal("the key of table %s lacks column %s", t.def.Name, t.def.PrimaryKey[len(key)])
	}
	return key, nil
}

// encodeKey is the stored form of key values: byte order is key order, and
// the encoding of a prefix of the key is a prefix of the key's.
func (t *table) encodeKey(key []any) string {
	var buf []byte
	for i, v := range key {
		c, _ := t.def.Column(t.def.PrimaryKey[i])
		var err error
		if buf, err = appendKeyPart(buf, c.Type, v); err != nil {
			// Coerce gave the column's type, which is a key type.
			panic(err)
		}
	}
	return string(buf)
}

// rowKey is the values of the primary key of a row, in key order.
func (t *table) rowKey(values map[string]any) []any {
	key := make([]any, len(t.def.PrimaryKey))
	for i, name := range t.def.PrimaryKey {
		key[i] = values[name]
	}
	return key
}

// checkLimits refuses a row whose primary key, an index key or whole size
// is over the service's limits.
func (t *table) checkLimits(values map[string]any) *protoError {
	n := 0
	for _, name := range t.def.PrimaryKey {
		c, _ := t.def.Column(name)
		n += keyPartSize(c, values[name])
	}
	if n > maxKeyBytes {
		return failf(nosqlerr.KeySizeLimitExceeded, "the primary key of table %s is %d bytes, over the limit of %d", t.def.Name, n, maxKeyBytes)
	}
	for _, ix := range t.indexes {
		n := 0
		for _, name := range ix.Columns {
			c, _ := t.def.Column(name)
			n += keyPartSize(c, values[c.Name])
		}
		if n > maxKeyBytes {
			return failf(nosqlerr.KeySizeLimitExceeded, "the key of index %s on table %s is %d bytes, over the limit of %d", ix.Name, t.def.Name, n, maxKeyBytes)
		}
	}
	if n := rowSize(values); n > maxRowBytes {
		return failf(nosqlerr.RowSizeLimitExceeded, "the row of table %s is %d bytes, over the limit of %d", t.def.Name, n, maxRowBytes)
	}
	return nil
}

// ttlSpec is a TTL a put asks for: n units of an hour or a day.
type ttlSpec struct {
	n    int64
	unit time.Duration
}

// parseTTL reads a TTL in the wire's "N DAYS" or "N HOURS" form.
func parseTTL(s string) (*ttlSpec, *protoError) {
	parts := strings.Fields(s)
	if len(parts) != 2 {
		return nil, illegal("TTL %q is not of the form \"N DAYS\" or \"N HOURS\"", s)
	}
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || n < 0 {
		return nil, illegal("TTL %q: the count must be a whole number of at least 0", s)
	}
	switch strings.ToUpper(parts[1]) {
	case "DAYS", "DAY":
		return &ttlSpec{n, 24 * time.Hour}, nil
	case "HOURS", "HOUR":
		return &ttlSpec{n, time.Hour}, nil
	}
	return nil, illegal("TTL %q: the unit must be DAYS or HOURS", s)
}

// expiresAt is when a row written at now with ttl expires: as on the
// service, rounded up to the next boundary of the TTL's unit (UTC). Zero
// TTL never expires.
func (s ttlSpec) expiresAt(now time.Time) time.Time {
	if s.n == 0 {
		return time.Time{}
	}
	t := now.UTC().Add(time.Duration(s.n) * s.unit)
	if r := t.Truncate(s.unit); r.Before(t) {
		return r.Add(s.unit)
	}
	return t
}

// writeOp is one parsed put or delete, alone or in a WriteMultiple.
type writeOp struct {
	t            *table
	code         int
	key          string
	shard        string         // the encoded shard key
	values       map[string]any // a put's row
	matchVersion []byte
	ttl          *ttlSpec
	updateTTL    bool
	returnRow    bool
	abortOnFail  bool
}

func (op *writeOp) isPut() bool {
	return op.code >= opPut && op.code <= opPutIfVersion
}

// parseWriteOp reads a put or a delete (code) on the table called name.
func (f *NoSQL) parseWriteOp(p *fields, code int, name string) (*writeOp, *protoError) {
	t, err := f.lookupTable(name)
	if err != nil {
		return nil, err
	}
	op := &writeOp{
		t:            t,
		code:         code,
		matchVersion: p.bytes(fRowVersion),
		updateTTL:    p.bool(fUpdateTTL),
		returnRow:    p.bool(fReturnRow),
		abortOnFail:  p.bool(fAbortOnFail),
	}
	ttl := p.str(fTTL)
	value := p.object(fValue)
	key := p.object(fKey)
	if p.err != nil {
		return nil, p.err
	}
	if (code == opPutIfVersion || code == opDeleteIfVersion) && op.matchVersion == nil {
		return nil, illegal("a conditional write on the version needs the version to match")
	}
	if op.isPut() {
		if op.values, err = t.rowValues(value); err != nil {
			return nil, err
		}
		if err := t.checkLimits(op.values); err != nil {
			return nil, err
		}
		kv := t.rowKey(op.values)
		op.key, op.shard = t.encodeKey(kv), t.encodeKey(kv[:shardKeyLen(t.def)])
		if ttl != "" {
			if op.ttl, err = parseTTL(ttl); err != nil {
				return nil, err
			}
		}
		return op, nil
	}
	kv, err := t.keyValues(key, false)
	if err != nil {
		return nil, err
	}
	op.key, op.shard = t.encodeKey(kv), t.encodeKey(kv[:shardKeyLen(t.def)])
	return op, nil
}

// check evaluates op's condition against the stored rows and returns the
// live row it would replace or delete.
func (op *writeOp) check(now time.Time) (ok bool, existing *row) {
	existing = op.t.lookup(op.key, now)
	switch op.code {
	case opPutIfAbsent:
		return existing == nil, existing
	case opPutIfPresent:
		return existing != nil, existing
	case opPutIfVersion, opDeleteIfVersion:
		return existing != nil && bytes.Equal(existing.version, op.matchVersion), existing
	case opDelete:
		return existing != nil, existing
	}
	return true, existing
}

// returnsExisting reports whether the answer to op carries the existing
// row, when the request asked for it: a put or delete that failed its
// version or absence condition, or a write that replaced or removed a row.
func (op *writeOp) returnsExisting(ok bool) bool {
	if !op.returnRow {
		return false
	}
	switch op.code {
	case opPutIfAbsent, opPutIfVersion, opDeleteIfVersion:
		return !ok
	default:
		return ok
	}
}

// apply performs op, whose condition held, and returns the change to log.
func (f *NoSQL) apply(op *writeOp, existing *row, now time.Time) change {
	if !op.isPut() {
		op.t.remove(op.key)
		return change{table: op.t.def.Name, key: op.key}
	}
	r := &row{key: op.key, values: op.values, version: f.nextVersion(), modTime: now}
	switch {
	case existing != nil && !op.updateTTL:
		r.expires = existing.expires
	case op.ttl != nil:
		r.expires = op.ttl.expiresAt(now)
	case op.t.def.TTL > 0:
		n, unit := ttlUnits(op.t.def.TTL)
		spec := ttlSpec{n, time.Hour}
		if unit == "DAYS" {
			spec.unit = 24 * time.Hour
		}
		r.expires = spec.expiresAt(now)
	}
	op.t.set(r)
	return change{table: op.t.def.Name, key: op.key, row: r}
}

// nextVersion returns a version no row has had.
func (f *NoSQL) nextVersion() []byte {
	f.version++
	return binary.BigEndian.AppendUint64([]byte("fgv"), f.version)
}

// existingInfo is the RETURN_INFO of an answer: the existing row, its
// version and modification time.
func existingInfo(t *table, r *row) field {
	return field{fReturnInfo, object{
		{fExistingValue, rowObject(t, r.values)},
		{fExistingVersion, r.version},
		{fExistingModTime, r.modTime.UnixMilli()},
	}}
}

// rowObject is a row on the wire: every column in declaration order.
func rowObject(t *table, values map[string]any) object {
	o := make(object, 0, len(t.def.Columns))
	for _, c := range t.def.Columns {
		o = append(o, field{c.Name, columnWire(c, values[c.Name])})
	}
	return o
}

// get answers a Get.
func (f *NoSQL) get(req *request) (object, *protoError) {
	t, err := f.lookupTable(req.table)
	if err != nil {
		return nil, err
	}
	key := req.payload.object(fKey)
	if req.payload.err != nil {
		return nil, req.payload.err
	}
	kv, err := t.keyValues(key, false)
	if err != nil {
		return nil, err
	}
	r := t.lookup(t.encodeKey(kv), f.now())
	if r == nil {
		return answerOK(consumed(1, 0)), nil
	}
	var expires int64
	if !r.expires.IsZero() {
		expires = r.expires.UnixMilli()
	}
	return answerOK(
		consumed(kb(rowSize(r.values)), 0),
		field{fRow, object{
			{fModified, r.modTime.UnixMilli()},
			{fExpiration, expires},
			{fRowVersion, r.version},
			{fValue, rowObject(t, r.values)},
		}},
	), nil
}

// put answers a Put of any kind.
func (f *NoSQL) put(req *request) (object, *protoError) {
	op, err := f.parseWriteOp(req.payload, req.code, req.table)
	if err != nil {
		return nil, err
	}
	now := f.now()
	ok, existing := op.check(now)
	ans := answerOK(consumed(0, kb(rowSize(op.values))))
	if ok {
		c := f.apply(op, existing, now)
		if err := f.logChanges(c); err != nil {
			return nil, err
		}
		ans = append(ans, field{fRowVersion, c.row.version})
	}
	if existing != nil && op.returnsExisting(ok) {
		ans = append(ans, existingInfo(op.t, existing))
	}
	return ans, nil
}

// delete answers a Delete of either kind.
func (f *NoSQL) delete(req *request) (object, *protoError) {
	op, err := f.parseWriteOp(req.payload, req.code, req.table)
	if err != nil {
		return nil, err
	}
	now := f.now()
	ok, existing := op.check(now)
	ans := answerOK(consumed(0, 1), field{fSuccess, ok})
	if ok {
		if err := f.logChanges(f.apply(op, existing, now)); err != nil {
			return nil, err
		}
	}
	if existing != nil && op.returnsExisting(ok) {
		ans = append(ans, existingInfo(op.t, existing))
	}
	return ans, nil
}

// writeMultiple answers a WriteMultiple: its operations, on one shard key,
// are applied all together or not at all.
func (f *NoSQL) writeMultiple(req *request) (object, *protoError) {
	p := req.payload
	ops := p.array(fOperations)
	declared := p.int(fNumOperations)
	if p.err != nil {
		return nil, p.err
	}
	if p.has(fNumOperations) && declared != int64(len(ops)) {
		return nil, badRequest("the request declares %d operations and holds %d", declared, len(ops))
	}
	if len(ops) == 0 {
		return nil, illegal("a write-multiple request needs at least one operation")
	}
	if len(ops) > maxBatchOps {
		return nil, failf(nosqlerr.BatchOpNumberLimitExceeded, "a write-multiple request holds %d operations, over the limit of %d", len(ops), maxBatchOps)
	}
	parsed := make([]*writeOp, len(ops))
	keys := make(map[string]bool, len(ops))
	for i, o := range ops {
		obj, ok := o.(object)
		if !ok {
			return nil, badRequest("operation %d is a %T, not a map", i, o)
		}
		sub := &fields{obj: obj}
		name := sub.str(fTableName)
		if name == "" {
			name = req.table
		}
		code := int(sub.int(fOpCode))
		if sub.err != nil {
			return nil, sub.err
		}
		switch code {
		case opDelete, opDeleteIfVersion, opPut, opPutIfAbsent, opPutIfPresent, opPutIfVersion:
		default:
			return nil, illegal("operation %d: code %d is not a put or a delete", i, code)
		}
		op, err := f.parseWriteOp(sub, code, name)
		if err != nil {
			err.msg = fmt.Sprintf("operation %d: %s", i, err.msg)
			return nil, err
		}
		if i > 0 && op.t != parsed[0].t {
			return nil, illegal("operation %d is on table %s, the others on %s", i, op.t.def.Name, parsed[0].t.def.Name)
		}
		if i > 0 && op.shard != parsed[0].shard {
			return nil, illegal("operation %d has another shard key than operation 0: a write-multiple request must write one shard key", i)
		}
		if keys[op.key] {
			return nil, illegal("operation %d writes the same primary key as an earlier operation", i)
		}
		keys[op.key] = true
		parsed[i] = op
	}

	now := f.now()
	oks := make([]bool, len(parsed))
	existing := make([]*row, len(parsed))
	for i, op := range parsed {
		oks[i], existing[i] = op.check(now)
		if !oks[i] && op.abortOnFail {
			return answerOK(consumed(0, 0), field{fWMFailure, object{
				{fWMFailIndex, int32(i)},
				{fWMFailResult, opResult(op, false, existing[i], nil)},
			}}), nil
		}
	}
	var changes []change
	results := make([]any, len(parsed))
	writeKB := 0
	for i, op := range parsed {
		var version []byte
		if oks[i] {
			c := f.apply(op, existing[i], now)
			changes = append(changes, c)
			if c.row != nil {
				version = c.row.version
			}
			writeKB += kb(rowSize(op.values))
		}
		results[i] = opResult(op, oks[i], existing[i], version)
	}
	if err := f.logChanges(changes...); err != nil {
		return nil, err
	}
	return answerOK(consumed(0, writeKB), field{fWMSuccess, results}), nil
}

// opResult is the answer for one operation of a WriteMultiple.
func opResult(op *writeOp, ok bool, existing *row, version []byte) object {
	res := object{{fSuccess, ok}}
	if version != nil {
		res = append(res, field{fRowVersion, version})
	}
	if existing != nil && op.returnsExisting(ok) {
		res = append(res, existingInfo(op.t, existing))
	}
	return res
}

// multiDelete answers a MultiDelete: the rows of one shard key, or of a
// longer key prefix, optionally within a range of the next key column.
func (f *NoSQL) multiDelete(req *request) (object, *protoError) {
	t, err := f.lookupTable(req.table)
	if err != nil {
		return nil, err
	}
	p := req.payload
	keyObj := p.object(fKey)
	rangeObj := p.object(fRange)
	cont := p.bytes(fContinuationKey)
	maxWriteKB := int(p.int(fMaxWriteKB))
	if p.err != nil {
		return nil, p.err
	}
	kv, err := t.keyValues(keyObj, true)
	if err != nil {
		return nil, err
	}
	var rng *keyRange
	if rangeObj != nil {
		if rng, err = t.parseRange(rangeObj, len(kv)); err != nil {
			return nil, err
		}
	}
	prefix := t.encodeKey(kv)
	start := prefix
	if cont != nil {
		if !strings.HasPrefix(string(cont), prefix) {
			return nil, illegal("the continuation key is not one of this key's")
		}
		start = string(cont) + "\x00"
	}
	now := f.now()
	var changes []change
	deleted, writeKB := 0, 0
	var next []byte
	i, _ := slices.BinarySearch(t.keys, start)
	for ; i < len(t.keys) && strings.HasPrefix(t.keys[i], prefix); i++ {
		r := t.rows[t.keys[i]]
		if rng != nil && !rng.holds(r.values) {
			continue
		}
		if !r.live(now) {
			continue
		}
		if maxWriteKB > 0 && writeKB >= maxWriteKB {
			next = []byte(changes[len(changes)-1].key)
			break
		}
		writeKB += kb(rowSize(r.values))
		deleted++
		changes = append(changes, change{table: t.def.Name, key: r.key})
	}
	for _, c := range changes {
		t.remove(c.key)
	}
	if err := f.logChanges(changes...); err != nil {
		return nil, err
	}
	ans := answerOK(consumed(writeKB, writeKB), field{fNumDeletions, int32(deleted)})
	if next != nil {
		ans = append(ans, field{fContinuationKey, next})
	}
	return ans, nil
}

// keyRange is a MultiDelete's range over one primary-key column.
type keyRange struct {
	column         string
	start, end     any // nil: unbounded
	startInclusive bool
	endInclusive   bool
}

// parseRange reads a FieldRange, which must be on the primary-key column
// after the n given in the key.
func (t *table) parseRange(o object, n int) (*keyRange, *protoError) {
	p := &fields{obj: o}
	path := p.str(fRangePath)
	start := p.object(fStart)
	end := p.object(fEnd)
	if p.err != nil {
		return nil, p.err
	}
	if n >= len(t.def.PrimaryKey) || !strings.EqualFold(path, t.def.PrimaryKey[n]) {
		next := "none: the key is complete"
		if n < len(t.def.PrimaryKey) {
			next = t.def.PrimaryKey[n]
		}
		return nil, illegal("the range is on %q; it must be on the next primary-key column (%s)", path, next)
	}
	c, _ := t.def.Column(t.def.PrimaryKey[n])
	rng := &keyRange{column: c.Name}
	bound := func(o object) (any, bool, *protoError) {
		bp := &fields{obj: o}
		wire, _ := bp.get(fValue)
		inclusive := bp.bool(fInclusive)
		if bp.err != nil {
			return nil, false, bp.err
		}
		v, err := columnValue(t, c, wire)
		if err == nil && v == nil {
			err = illegal("a range bound of %s is NULL", c.Name)
		}
		return v, inclusive, err
	}
	var err *protoError
	if start != nil {
		if rng.start, rng.startInclusive, err = bound(start); err != nil {
			return nil, err
		}
	}
	if end != nil {
		if rng.end, rng.endInclusive, err = bound(end); err != nil {
			return nil, err
		}
	}
	return rng, nil
}

// holds reports whether a row's value of the range's column is within it.
func (r *keyRange) holds(values map[string]any) bool {
	v := values[r.column]
	if r.start != nil {
		c, ok := statement.Compare(v, r.start)
		if !ok || c < 0 || (c == 0 && !r.startInclusive) {
			return false
		}
	}
	if r.end != nil {
		c, ok := statement.Compare(v, r.end)
		if !ok || c > 0 || (c == 0 && !r.endInclusive) {
			return false
		}
	}
	return true
}

package ocifake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"

	"github.com/fotogal/fotogal/pkg/ocifake/internal/statement"
)

// The table states of the protocol.
const (
	stateActive   = 0
	stateCreating = 1
	stateDropped  = 2
	stateDropping = 3
	stateUpdating = 4
)

// modeProvisioned is the capacity mode of table limits that gives read and
// write units; on demand is 2.
const modeProvisioned = 1

// tableLimits are the limits a CREATE TABLE asked for. The fake records
// and reports them; it throttles only through injected faults.
type tableLimits struct {
	readUnits, writeUnits, storageGB, mode int
}

// table is one table: its schema, indexes, state and rows.
type table struct {
	def     *statement.Table
	ddl     string
	indexes []*statement.Index
	limits  tableLimits
	state   int
	polls   int // GetTable polls left before state becomes active
	opID    string
	rows    map[string]*row
	keys    []string // the keys of rows, sorted
}

// row is a stored row. Its values map declared column names to values; a
// NULL column may be missing.
type row struct {
	key     string
	values  map[string]any
	version []byte
	modTime time.Time
	expires time.Time // zero: never
}

// live reports whether r has not expired at now.
func (r *row) live(now time.Time) bool {
	return r.expires.IsZero() || now.Before(r.expires)
}

// lookup returns the live row with key, or nil.
func (t *table) lookup(key string, now time.Time) *row {
	r := t.rows[key]
	if r == nil || !r.live(now) {
		return nil
	}
	return r
}

// set stores r, replacing the row of the same key.
func (t *table) set(r *row) {
	if _, ok := t.rows[r.key]; !ok {
		i, _ := slices.BinarySearch(t.keys, r.key)
		t.keys = slices.Insert(t.keys, i, r.key)
	}
	t.rows[r.key] = r
}

// remove deletes the row with key, if any.
func (t *table) remove(key string) {
	if _, ok := t.rows[key]; !ok {
		return
	}
	delete(t.rows, key)
	if i, found := slices.BinarySearch(t.keys, key); found {
		t.keys = slices.Delete(t.keys, i, i+1)
	}
}

// ddlTable is the table a parsed DDL statement is about.
func ddlTable(d any) string {
	switch d := d.(type) {
	case *statement.Table:
		return d.Name
	case *statement.Index:
		return d.Table
	case *statement.DropTable:
		return d.Name
	}
	return ""
}

// tableRequest runs a DDL statement, or changes a table's limits when the
// request has no statement.
func (f *NoSQL) tableRequest(req *request) (object, *protoError) {
	p := req.payload
	stmt := p.str(fStatement)
	limits := readLimits(p.object(fLimits))
	if p.err != nil {
		return nil, p.err
	}
	if stmt == "" {
		t := f.tables[strings.ToLower(req.table)]
		if t == nil {
			return nil, failf(nosqlerr.TableNotFound, "table %s does not exist", req.table)
		}
		if limits == nil {
			return nil, illegal("a table request needs a statement or table limits")
		}
		t.limits = *limits
		return f.tableInfo(t, t.state), nil
	}
	f.statements = append(f.statements, stmt)
	d, err := statement.ParseDDL(stmt)
	if err != nil {
		return nil, illegal("statement not supported by the fake: %v", err)
	}
	existed := f.tables[strings.ToLower(ddlTable(d))] != nil
	t, perr := f.applyDDL(stmt, d, limits, false)
	if perr != nil {
		return nil, perr
	}
	if t == nil {
		// A drop: in progress until polled, unless there was nothing to drop.
		state := stateDropped
		if existed {
			state = stateDropping
		}
		return answerOK(
			field{fTableName, ddlTable(d)},
			field{fTableState, int32(state)},
			field{fOperationID, f.nextOperation()},
		), nil
	}
	return f.tableInfo(t, t.state), nil
}

// applyDDL applies a parsed statement, logs it, and returns the table it
// created or changed (nil for a drop). When replaying, the table is active
// at once and nothing is logged.
func (f *NoSQL) applyDDL(stmt string, d any, limits *tableLimits, replay bool) (*table, *protoError) {
	switch d := d.(type) {
	case *statement.Table:
		name := strings.ToLower(d.Name)
		if t := f.tables[name]; t != nil {
			if d.IfNotExists {
				return t, nil
			}
			return nil, failf(nosqlerr.TableExists, "table %s exists", t.def.Name)
		}
		t := &table{def: d, ddl: stmt, rows: make(map[string]*row)}
		if limits != nil {
			t.limits = *limits
		}
		if err := f.logDDL(stmt, t.limits, replay); err != nil {
			return nil, err
		}
		f.tables[name] = t
		delete(f.dropped, name)
		f.startOperation(t, stateCreating, replay)
		return t, nil
	case *statement.Index:
		t := f.tables[strings.ToLower(d.Table)]
		if t == nil {
			return nil, failf(nosqlerr.TableNotFound, "table %s does not exist", d.Table)
		}
		for _, ix := range t.indexes {
			if strings.EqualFold(ix.Name, d.Name) {
				if d.IfNotExists {
					return t, nil
				}
				return nil, failf(nosqlerr.IndexExists, "index %s exists on table %s", ix.Name, t.def.Name)
			}
		}
		if err := d.Validate(t.def); err != nil {
			return nil, illegal("%v", err)
		}
		if err := f.logDDL(stmt, tableLimits{}, replay); err != nil {
			return nil, err
		}
		t.indexes = append(t.indexes, d)
		f.startOperation(t, stateUpdating, replay)
		return t, nil
	case *statement.DropTable:
		name := strings.ToLower(d.Name)
		if f.tables[name] == nil {
			if d.IfExists {
				return nil, nil
			}
			return nil, failf(nosqlerr.TableNotFound, "table %s does not exist", d.Name)
		}
		if err := f.logDDL(stmt, tableLimits{}, replay); err != nil {
			return nil, err
		}
		delete(f.tables, name)
		if !replay {
			f.dropped[name] = 1
		}
		return nil, nil
	}
	return nil, illegal("statement not supported by the fake: %T", d)
}

// startOperation puts t in state until the next GetTable poll has seen it.
func (f *NoSQL) startOperation(t *table, state int, replay bool) {
	if replay {
		t.state = stateActive
		return
	}
	t.state, t.polls, t.opID = state, 1, f.nextOperation()
}

func (f *NoSQL) nextOperation() string {
	f.operations++
	return fmt.Sprintf("ocid1.nosqlworkrequest.fake.%d", f.operations)
}

// getTable answers a GetTable poll: a table being created or changed
// becomes active once one poll has seen its transient state.
func (f *NoSQL) getTable(req *request) (object, *protoError) {
	name := strings.ToLower(req.table)
	t := f.tables[name]
	if t == nil {
		polls, ok := f.dropped[name]
		if !ok {
			return nil, failf(nosqlerr.TableNotFound, "table %s does not exist", req.table)
		}
		state := stateDropped
		if polls > 0 {
			f.dropped[name] = polls - 1
			state = stateDropping
		}
		return answerOK(field{fTableName, req.table}, field{fTableState, int32(state)}), nil
	}
	state := t.state
	if t.polls > 0 {
		t.polls--
	} else {
		t.state, state = stateActive, stateActive
	}
	return f.tableInfo(t, state), nil
}

// tableInfo is the answer about t in state.
func (f *NoSQL) tableInfo(t *table, state int) object {
	ans := answerOK(
		field{fTableName, t.def.Name},
		field{fTableOCID, "ocid1.nosqltable.fake." + strings.ToLower(t.def.Name)},
		field{fTableState, int32(state)},
		field{fTableSchema, tableSchema(t)},
		field{fTableDDL, t.ddl},
		field{fLimits, object{
			{fReadUnits, int32(t.limits.readUnits)},
			{fWriteUnits, int32(t.limits.writeUnits)},
			{fStorageGB, int32(t.limits.storageGB)},
			{fLimitsMode, int32(max(t.limits.mode, modeProvisioned))},
		}},
	)
	if t.opID != "" {
		ans = append(ans, field{fOperationID, t.opID})
	}
	return ans
}

// readLimits reads the LIMITS entry of a table request; nil when absent.
func readLimits(o object) *tableLimits {
	if o == nil {
		return nil
	}
	p := &fields{obj: o}
	l := &tableLimits{
		readUnits:  int(p.int(fReadUnits)),
		writeUnits: int(p.int(fWriteUnits)),
		storageGB:  int(p.int(fStorageGB)),
		mode:       int(p.int(fLimitsMode)),
	}
	return l
}

// tableSchema is the JSON description of t that GetTable returns, in the
// shape of the service's.
func tableSchema(t *table) string {
	type jsonField struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Nullable bool   `json:"nullable"`
		Default  any    `json:"default,omitempty"`
	}
	type jsonIndex struct {
		Name   string   `json:"name"`
		Fields []string `json:"fields"`
	}
	s := struct {
		Version    int         `json:"json_version"`
		Type       string      `json:"type"`
		Name       string      `json:"name"`
		TTL        string      `json:"ttl,omitempty"`
		ShardKey   []string    `json:"shardKey"`
		PrimaryKey []string    `json:"primaryKey"`
		Fields     []jsonField `json:"fields"`
		Indexes    []jsonIndex `json:"indexes,omitempty"`
	}{
		Version:    1,
		Type:       "table",
		Name:       t.def.Name,
		ShardKey:   t.def.PrimaryKey[:shardKeyLen(t.def)],
		PrimaryKey: t.def.PrimaryKey,
	}
	if t.def.TTL > 0 {
		n, unit := ttlUnits(t.def.TTL)
		s.TTL = fmt.Sprintf("%d %s", n, unit)
	}
	for _, c := range t.def.Columns {
		typ := strings.ToUpper(c.Type.String())
		if c.Type == statement.Timestamp {
			typ = fmt.Sprintf("TIMESTAMP(%d)", c.Precision)
		}
		s.Fields = append(s.Fields, jsonField{Name: c.Name, Type: typ, Nullable: !c.NotNull, Default: jsonable(c.Default)})
	}
	for _, ix := range t.indexes {
		s.Indexes = append(s.Indexes, jsonIndex{Name: ix.Name, Fields: ix.Columns})
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// shardKeyLen is the number of primary-key columns in the shard key.
func shardKeyLen(t *statement.Table) int {
	if t.ShardKeyLen <= 0 || t.ShardKeyLen > len(t.PrimaryKey) {
		return len(t.PrimaryKey)
	}
	return t.ShardKeyLen
}

// ttlUnits expresses a TTL in the unit the service would: days when it is
// a whole number of days, hours otherwise.
func ttlUnits(d time.Duration) (int64, string) {
	if d%(24*time.Hour) == 0 {
		return int64(d / (24 * time.Hour)), "DAYS"
	}
	return int64((d + time.Hour - 1) / time.Hour), "HOURS"
}

package ocifake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"

	"github.com/fotogal/fotogal/pkg/ocifake/internal/statement"
)

// logName is the file of the log under NoSQLOptions.Dir.
const logName = "nosql.log"

// Field names of the log's records.
const (
	recDDL     = "ddl"
	recWrites  = "w"
	recTable   = "t"
	recKey     = "k"
	recValues  = "v"
	recVersion = "rv"
	recModTime = "md"
	recExpires = "xp"
)

// change is one row written or deleted, as the log keeps it.
type change struct {
	table string
	key   string
	row   *row // nil: deleted
}

// rowLog is the append-only log of a fake with a Dir: every DDL statement
// and every write, each record framed by its length and CRC-32 and written
// with one write call before the request is answered. A record torn by a
// crash is at the end of the log; it is dropped when the log is opened.
type rowLog struct {
	file *os.File
}

// openRowLog opens the log in dir, creating it if needed, and passes every
// record in it to replay, in order.
func openRowLog(dir string, replay func(object) error) (*rowLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fake nosql data directory: %w", err)
	}
	path := filepath.Join(dir, logName)
	file, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open fake nosql log: %w", err)
	}
	data, err := io.ReadAll(file)
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("read fake nosql log %s: %w", path, err)
	}
	good, err := readRecords(data, replay)
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("replay fake nosql log %s: %w", path, err)
	}
	if good < len(data) {
		if err := file.Truncate(int64(good)); err != nil {
			file.Close()
			return nil, fmt.Errorf("drop the torn end of fake nosql log %s: %w", path, err)
		}
	}
	if _, err := file.Seek(int64(good), io.SeekStart); err != nil {
		file.Close()
		return nil, fmt.Errorf("seek fake nosql log %s: %w", path, err)
	}
	return &rowLog{file: file}, nil
}

// readRecords replays the records of data and returns the length of its
// whole records. A last record cut short is left out; a damaged record
// before the end is an error.
func readRecords(data []byte, replay func(object) error) (int, error) {
	off := 0
	for off < len(data) {
		if len(data)-off < 8 {
			return off, nil
		}
		n := int(binary.BigEndian.Uint32(data[off:]))
		sum := binary.BigEndian.Uint32(data[off+4:])
		if len(data)-off-8 < n {
			return off, nil
		}
		payload := data[off+8 : off+8+n]
		if crc32.ChecksumIEEE(payload) != sum {
			if off+8+n == len(data) {
				return off, nil
			}
			return off, fmt.Errorf("record at byte %d is damaged", off)
		}
		rec, err := decodeObject(payload)
		if err != nil {
			return off, fmt.Errorf("record at byte %d: %w", off, err)
		}
		if err := replay(rec); err != nil {
			return off, fmt.Errorf("record at byte %d: %w", off, err)
		}
		off += 8 + n
	}
	return off, nil
}

// append writes one record.
func (l *rowLog) append(rec object) error {
	payload, err := encode(rec)
	if err != nil {
		return err
	}
	frame := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint32(frame, uint32(len(payload)))
	binary.BigEndian.PutUint32(frame[4:], crc32.ChecksumIEEE(payload))
	_, err = l.file.Write(append(frame, payload...))
	return err
}

// close flushes the log to disk and closes it.
func (l *rowLog) close() error {
	err := l.file.Sync()
	return errors.Join(err, l.file.Close())
}

// logDDL logs a DDL statement before it is applied.
func (f *NoSQL) logDDL(stmt string, limits tableLimits, replay bool) *protoError {
	if replay || f.log == nil {
		return nil
	}
	return f.logRecord(object{{recDDL, stmt}, {fLimits, object{
		{fReadUnits, int32(limits.readUnits)},
		{fWriteUnits, int32(limits.writeUnits)},
		{fStorageGB, int32(limits.storageGB)},
		{fLimitsMode, int32(limits.mode)},
	}}})
}

// logChanges logs the changes of one request as one record, so that they
// are replayed all together or not at all.
func (f *NoSQL) logChanges(changes ...change) *protoError {
	if f.log == nil || len(changes) == 0 {
		return nil
	}
	recs := make([]any, len(changes))
	for i, c := range changes {
		rec := object{{recTable, c.table}, {recKey, []byte(c.key)}}
		if c.row != nil {
			var expires int64
			if !c.row.expires.IsZero() {
				expires = c.row.expires.UnixNano()
			}
			rec = append(rec,
				field{recValues, c.row.values},
				field{recVersion, c.row.version},
				field{recModTime, c.row.modTime.UnixNano()},
				field{recExpires, expires})
		}
		recs[i] = rec
	}
	return f.logRecord(object{{recWrites, recs}})
}

// logRecord appends rec. The fake stops serving when its log fails: what
// it holds in memory could no longer be restored.
func (f *NoSQL) logRecord(rec object) *protoError {
	if err := f.log.append(rec); err != nil {
		f.closed = true
		return failf(nosqlerr.ServerError, "write the fake's log: %v", err)
	}
	return nil
}

// replay applies one record of the log at start.
func (f *NoSQL) replay(rec object) error {
	p := &fields{obj: rec}
	if p.has(recDDL) {
		stmt := p.str(recDDL)
		limits := readLimits(p.object(fLimits))
		if p.err != nil {
			return p.err
		}
		d, err := statement.ParseDDL(stmt)
		if err != nil {
			return err
		}
		if _, perr := f.applyDDL(stmt, d, limits, true); perr != nil {
			return perr
		}
		return nil
	}
	writes := p.array(recWrites)
	if p.err != nil {
		return p.err
	}
	for _, w := range writes {
		o, ok := w.(object)
		if !ok {
			return fmt.Errorf("a write is a %T", w)
		}
		if err := f.replayWrite(&fields{obj: o}); err != nil {
			return err
		}
	}
	return nil
}

// replayWrite applies one logged change.
func (f *NoSQL) replayWrite(p *fields) error {
	name := p.str(recTable)
	key := string(p.bytes(recKey))
	valuesObj := p.object(recValues)
	version := p.bytes(recVersion)
	modTime := p.int(recModTime)
	expires := p.int(recExpires)
	if p.err != nil {
		return p.err
	}
	t := f.tables[strings.ToLower(name)]
	if t == nil {
		return fmt.Errorf("a write to table %s, which does not exist", name)
	}
	if valuesObj == nil {
		t.remove(key)
		return nil
	}
	v, err := fromWire(valuesObj)
	if err != nil {
		return err
	}
	r := &row{key: key, values: v.(map[string]any), version: version, modTime: time.Unix(0, modTime).UTC()}
	if expires != 0 {
		r.expires = time.Unix(0, expires).UTC()
	}
	t.set(r)
	if n := len(version); n >= 8 {
		f.version = max(f.version, binary.BigEndian.Uint64(version[n-8:]))
	}
	return nil
}

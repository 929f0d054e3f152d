package ocifake

import (
	"fmt"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
)

// The protocol's short field names that the fake reads or writes.
const (
	fAbortOnFail     = "a"
	fBindVariables   = "bv"
	fConsumed        = "c"
	fContinuationKey = "ck"
	fEnd             = "en"
	fErrorCode       = "e"
	fException       = "x"
	fExistingModTime = "em"
	fExistingValue   = "el"
	fExistingVersion = "ev"
	fExpiration      = "xp"
	fGetQueryPlan    = "gq"
	fHeader          = "h"
	fInclusive       = "in"
	fIsPrepared      = "is"
	fKey             = "k"
	fLimits          = "lm"
	fLimitsMode      = "mo"
	fMaxReadKB       = "mr"
	fMaxWriteKB      = "mw"
	fModified        = "md"
	fName            = "m"
	fNumDeletions    = "nd"
	fNumberLimit     = "nl"
	fNumOperations   = "no"
	fOpCode          = "o"
	fOperations      = "os"
	fOperationID     = "od"
	fPayload         = "p"
	fPreparedQuery   = "pq"
	fQueryPlan       = "qs"
	fQueryResults    = "qr"
	fRange           = "rg"
	fRangePath       = "rp"
	fReachedLimit    = "re"
	fReadKB          = "rk"
	fReadUnits       = "ru"
	fReturnInfo      = "ri"
	fReturnRow       = "rr"
	fRow             = "r"
	fRowVersion      = "rv"
	fStart           = "sr"
	fStatement       = "st"
	fStorageGB       = "sg"
	fSuccess         = "ss"
	fTableDDL        = "td"
	fTableName       = "n"
	fTableOCID       = "to"
	fTableSchema     = "ac"
	fTableState      = "as"
	fTTL             = "tt"
	fUpdateTTL       = "ut"
	fValue           = "l"
	fVersion         = "v"
	fWMFailure       = "wf"
	fWMFailIndex     = "wi"
	fWMFailResult    = "wr"
	fWMSuccess       = "ws"
	fWriteKB         = "wk"
	fWriteUnits      = "wu"
)

// The operation codes of the requests, as numbered on the wire.
const (
	opDelete          = 0
	opDeleteIfVersion = 1
	opGet             = 2
	opPut             = 3
	opPutIfAbsent     = 4
	opPutIfPresent    = 5
	opPutIfVersion    = 6
	opQuery           = 7
	opPrepare         = 8
	opWriteMultiple   = 9
	opMultiDelete     = 10
	opGetTable        = 11
	opTableRequest    = 15
)

// opNames maps the wire codes the fake serves to the operations of the
// inspection and fault API.
var opNames = map[int]Op{
	opDelete:          OpDelete,
	opDeleteIfVersion: OpDelete,
	opGet:             OpGet,
	opPut:             OpPut,
	opPutIfAbsent:     OpPut,
	opPutIfPresent:    OpPut,
	opPutIfVersion:    OpPut,
	opQuery:           OpQuery,
	opPrepare:         OpPrepare,
	opWriteMultiple:   OpWriteMultiple,
	opMultiDelete:     OpMultiDelete,
	opGetTable:        OpGetTable,
	opTableRequest:    OpTable,
}

// serialVersion is the only protocol version the fake speaks.
const serialVersion = 4

// protoError is an error the fake answers in-band, with the service's code.
type protoError struct {
	code nosqlerr.ErrorCode
	msg  string
}

func (e *protoError) Error() string { return fmt.Sprintf("%v: %s", e.code, e.msg) }

func failf(code nosqlerr.ErrorCode, format string, args ...any) *protoError {
	return &protoError{code: code, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *protoError {
	return failf(nosqlerr.BadProtocolMessage, format, args...)
}

func illegal(format string, args ...any) *protoError {
	return failf(nosqlerr.IllegalArgument, format, args...)
}

// fields reads typed entries of a request map and remembers the first
// entry of the wrong type, so that a handler checks for it once.
type fields struct {
	obj object
	err *protoError
}

func (f *fields) get(name string) (any, bool) { return f.obj.get(name) }

func (f *fields) has(name string) bool {
	_, ok := f.obj.get(name)
	return ok
}

func (f *fields) wrongType(name string, v any, want string) {
	if f.err == nil {
		f.err = badRequest("field %q is a %T, want %s", name, v, want)
	}
}

func (f *fields) str(name string) string {
	v, ok := f.obj.get(name)
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f.wrongType(name, v, "a string")
	}
	return s
}

func (f *fields) int(name string) int64 {
	v, ok := f.obj.get(name)
	if !ok {
		return 0
	}
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	}
	f.wrongType(name, v, "an integer")
	return 0
}

func (f *fields) bool(name string) bool {
	v, ok := f.obj.get(name)
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		f.wrongType(name, v, "a boolean")
	}
	return b
}

func (f *fields) bytes(name string) []byte {
	v, ok := f.obj.get(name)
	if !ok || v == nil {
		return nil
	}
	b, ok := v.([]byte)
	if !ok {
		f.wrongType(name, v, "a binary")
	}
	return b
}

func (f *fields) object(name string) object {
	v, ok := f.obj.get(name)
	if !ok {
		return nil
	}
	o, ok := v.(object)
	if !ok {
		f.wrongType(name, v, "a map")
	}
	return o
}

func (f *fields) array(name string) []any {
	v, ok := f.obj.get(name)
	if !ok {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		f.wrongType(name, v, "an array")
	}
	return a
}

// consumed is the CONSUMED entry of an answer.
func consumed(readKB, writeKB int) field {
	return field{fConsumed, object{
		{fReadUnits, int32(readKB)},
		{fReadKB, int32(readKB)},
		{fWriteKB, int32(writeKB)},
	}}
}

// answerOK starts a successful answer.
func answerOK(entries ...field) object {
	return append(object{{fErrorCode, int32(0)}}, entries...)
}

// answerError is the in-band answer for err.
func answerError(err *protoError) object {
	return object{{fErrorCode, int32(err.code)}, {fException, err.msg}}
}

package gateway

import (
	"strconv"
	"strings"
)

// byteRange is the one range of a Range header: first-last, first- (last
// is -1) or -suffix, the last suffix bytes (first is -1, last holds suffix).
type byteRange struct {
	first, last int64
}

// parseRange parses a Range header holding one byte range. It reports false
// for anything else (no header, several ranges, another unit, bad syntax):
// such a header is ignored and the whole object sent.
func parseRange(header string) (byteRange, bool) {
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return byteRange{}, false
	}
	firstText, lastText, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return byteRange{}, false
	}
	firstText, lastText = strings.TrimSpace(firstText), strings.TrimSpace(lastText)
	if firstText == "" {
		suffix, ok := parseOffset(lastText)
		return byteRange{first: -1, last: suffix}, ok
	}
	first, ok := parseOffset(firstText)
	if !ok {
		return byteRange{}, false
	}
	if lastText == "" {
		return byteRange{first: first, last: -1}, true
	}
	last, ok := parseOffset(lastText)
	if !ok || last < first {
		return byteRange{}, false
	}
	return byteRange{first: first, last: last}, true
}

// parseOffset parses a non-empty run of decimal digits.
func parseOffset(s string) (int64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// request returns the span to ask the image service for, which resolves it
// against the object's size (a negative offset counts from the end, a
// length past the end stops there), and false when br can select nothing
// whatever the size (the suffix "-0").
func (br byteRange) request() (byteSpan, bool) {
	switch {
	case br.first < 0:
		return byteSpan{offset: -br.last}, br.last > 0
	case br.last < 0:
		return byteSpan{offset: br.first}, true
	}
	return byteSpan{offset: br.first, length: br.last - br.first + 1}, true
}

package ocilog

import (
	"strings"

	"go.uber.org/zap/zapcore"
)

// core is the zapcore.Core of a Shipper: it encodes each entry as a JSON
// line, exactly as stdout does, and queues it without waiting.
type core struct {
	zapcore.LevelEnabler
	enc zapcore.Encoder // carries "service" and the fields added by With
	s   *Shipper
}

var _ zapcore.Core = (*core)(nil)

// With returns a core that adds fields to every entry.
func (c *core) With(fields []zapcore.Field) zapcore.Core {
	enc := c.enc.Clone()
	for _, f := range fields {
		f.AddTo(enc)
	}
	return &core{LevelEnabler: c.LevelEnabler, enc: enc, s: c.s}
}

// Check adds c to ce when the entry's level is enabled.
func (c *core) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

// Write encodes the entry and queues it; when the queue is full the entry
// is dropped and counted. It never waits for the network.
func (c *core) Write(e zapcore.Entry, fields []zapcore.Field) error {
	buf, err := c.enc.EncodeEntry(e, fields)
	if err != nil {
		return err
	}
	line := strings.TrimSuffix(buf.String(), "\n")
	buf.Free()
	c.s.enqueue(record{time: e.Time, data: line})
	return nil
}

// Sync returns at once: entries are shipped in the background, and Close
// is what flushes them.
func (c *core) Sync() error { return nil }

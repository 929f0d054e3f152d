package gateway

import "testing"

func TestByteRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header        string
		wantParsed    bool
		wantSatisfied bool
		want          byteSpan
	}{
		{header: "bytes=0-9", wantParsed: true, wantSatisfied: true, want: byteSpan{offset: 0, length: 10}},
		{header: "bytes=90-200", wantParsed: true, wantSatisfied: true, want: byteSpan{offset: 90, length: 111}},
		{header: "bytes=50-", wantParsed: true, wantSatisfied: true, want: byteSpan{offset: 50}},
		{header: "bytes=-10", wantParsed: true, wantSatisfied: true, want: byteSpan{offset: -10}},
		{header: "bytes= 5 - 6 ", wantParsed: true, wantSatisfied: true, want: byteSpan{offset: 5, length: 2}},
		{header: "bytes=99-99", wantParsed: true, wantSatisfied: true, want: byteSpan{offset: 99, length: 1}},
		{header: "bytes=-0", wantParsed: true, wantSatisfied: false},
		{header: ""},
		{header: "bytes=0-1,4-5"},
		{header: "items=0-1"},
		{header: "bytes=5-4"},
		{header: "bytes=-"},
		{header: "bytes=a-b"},
		{header: "bytes=+1-2"},
		{header: "bytes=1"},
		{header: "bytes=99999999999999999999-"},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			br, ok := parseRange(tc.header)
			if ok != tc.wantParsed {
				t.Fatalf("parseRange(%q) ok = %v, want %v", tc.header, ok, tc.wantParsed)
			}
			if !ok {
				return
			}
			got, satisfiable := br.request()
			if satisfiable != tc.wantSatisfied || (satisfiable && got != tc.want) {
				t.Errorf("request() = %+v, %v; want %+v, %v", got, satisfiable, tc.want, tc.wantSatisfied)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{16 << 20, "16 MiB"},
		{2 << 30, "2 GiB"},
		{100 << 10, "100 KiB"},
		{1000, "1000 bytes"},
	}
	for _, tc := range tests {
		if got := formatBytes(tc.n); got != tc.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

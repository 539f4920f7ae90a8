package evidence

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestHashGzip(t *testing.T) {
	content := `{"Records":[]}`
	one := gz(content)
	tests := []struct {
		name  string
		in    []byte
		limit int64
		err   string
	}{
		{"one member", one, 1 << 20, ""},
		{"second member", append(bytes.Clone(one), gz("{}")...), 1 << 20, "data after the first gzip member"},
		{"trailing garbage", append(bytes.Clone(one), 0), 1 << 20, "data after the first gzip member"},
		{"not gzip", []byte(content), 1 << 20, "not gzip"},
		{"empty", nil, 1 << 20, "not gzip"},
		{"truncated", one[:len(one)-4], 1 << 20, "damaged gzip"},
		{"over the limit", one, 5, "decompresses to more than 5 bytes"},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		h, err := hashGzip(bytes.NewReader(tc.in), &out, tc.limit)
		stored := sha256.Sum256(tc.in)
		if h.Stored != hex.EncodeToString(stored[:]) || h.Size != int64(len(tc.in)) {
			t.Errorf("%s: stored hash/size %s %d, want the whole input's", tc.name, h.Stored, h.Size)
		}
		if tc.err == "" {
			un := sha256.Sum256([]byte(content))
			if err != nil || h.Uncompressed != hex.EncodeToString(un[:]) || out.String() != content {
				t.Errorf("%s: %v %+v %q", tc.name, err, h, out.String())
			}
			continue
		}
		if err == nil || !errors.Is(err, errFormat) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want invalid format %q", tc.name, err, tc.err)
		}
	}
	// gzip's own error stays in the chain beside errFormat.
	if _, err := hashGzip(strings.NewReader(content), nil, 1<<20); !errors.Is(err, gzip.ErrHeader) {
		t.Errorf("not gzip: error %v lost gzip.ErrHeader", err)
	}
}

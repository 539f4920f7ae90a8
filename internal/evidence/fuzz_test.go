package evidence_test

import (
	"encoding/json"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/evidence"
)

// FuzzDigest feeds arbitrary bytes to the digest parser: it must never
// panic, and a digest it accepts must survive re-encoding unchanged in
// what validation uses (the signed string and the listed files). Seeds are
// in testdata/fuzz/FuzzDigest; run with
// go test -fuzz FuzzDigest -fuzztime 30s ./internal/evidence/
func FuzzDigest(f *testing.F) {
	f.Add([]byte(sampleDigest))
	f.Add([]byte(startingDigest))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := evidence.ParseDigest(data)
		if err != nil {
			return
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("re-encoding an accepted digest: %v", err)
		}
		d2, err := evidence.ParseDigest(b)
		if err != nil {
			t.Fatalf("re-encoded digest rejected: %v\n%s", err, b)
		}
		if evidence.StringToSign(d, "h") != evidence.StringToSign(d2, "h") || len(d.LogFiles) != len(d2.LogFiles) || d.Starting() != d2.Starting() {
			t.Fatalf("re-encoded digest differs:\n%+v\n%+v", d, d2)
		}
		for i := range d.LogFiles {
			if d.LogFiles[i] != d2.LogFiles[i] {
				t.Fatalf("log file %d differs: %+v %+v", i, d.LogFiles[i], d2.LogFiles[i])
			}
		}
	})
}

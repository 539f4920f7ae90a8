package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/evidence"
	"github.com/trailsleuth/trailsleuth/internal/evidence/evidencetest"
)

// chainA is the trail the tamper cases change; chainB (an organization
// trail of another account and region) must stay valid throughout.
var (
	chainA = evidencetest.ChainOptions{Account: "111122223333", Region: "us-east-1", Trail: "mgmt_events-1"}
	chainB = evidencetest.ChainOptions{Org: "o-abc123def4", Account: "444455556666", Region: "eu-west-1",
		HomeRegion: "us-east-1", Trail: "org-trail", Digests: 3, Start: time.Date(2026, 3, 10, 15, 2, 7, 0, time.UTC)}
)

func build(t *testing.T) (*evidencetest.Tree, *evidencetest.Chain) {
	tr := evidencetest.New(t, t.TempDir())
	a := tr.AddChain(chainA)
	tr.AddChain(chainB)
	return tr, a
}

func verifyDir(t *testing.T, dir string) *evidence.Report {
	t.Helper()
	src, err := evidence.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := evidence.LoadPublicKeys(filepath.Join(dir, "public-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := evidence.Verify(context.Background(), src, evidence.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// problems renders problems as "severity kind path", sorted.
func problems(r *evidence.Report) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Severity+" "+p.Kind+" "+p.Path)
	}
	slices.Sort(out)
	return out
}

func flipContent(t *testing.T, gz []byte) []byte {
	b := evidencetest.Gunzip(t, gz)
	i := bytes.Index(b, []byte("ListBuckets"))
	b[i] = 'M' // ListBuckets → MistBuckets
	return evidencetest.Gzip(b)
}

func rewriteDigest(t *testing.T, gz []byte, edit func(*evidence.Digest)) []byte {
	d, err := evidence.ParseDigest(evidencetest.Gunzip(t, gz))
	if err != nil {
		t.Fatal(err)
	}
	edit(d)
	return evidencetest.Gzip(mustJSON(t, d))
}

func TestVerifyTamper(t *testing.T) {
	const scopeA = "AWSLogs/111122223333 us-east-1"
	tests := []struct {
		name   string
		tamper func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain)
		want   []string // "severity kind path"
		valid  bool
	}{
		{name: "clean", valid: true},
		{name: "flip a byte of a log's content", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Replace(a.Logs[1][0], flipContent(t, tr.Body(a.Logs[1][0])))
		}, want: []string{"error hash_mismatch {L1.0}"}},
		{name: "flip a byte of a log's gzip checksum", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			b := bytes.Clone(tr.Body(a.Logs[2][1]))
			b[len(b)-6] ^= 0xff
			tr.Replace(a.Logs[2][1], b)
		}, want: []string{"error invalid_format {L2.1}"}},
		{name: "delete a log", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Remove(a.Logs[0][1])
		}, want: []string{"error log_missing {L0.1}"}},
		{name: "delete one digest", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Remove(a.Digests[2])
		}, want: []string{"error digest_missing {D2}", "info not_covered "}},
		{name: "delete two consecutive digests", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Remove(a.Digests[1])
			tr.Remove(a.Digests[2])
		}, want: []string{"error digest_missing ", "error digest_missing {D2}", "info not_covered "}},
		{name: "delete the oldest digest", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Remove(a.Digests[0])
		}, want: []string{"info not_covered ", "warning digest_missing {D0}"}, valid: true},
		{name: "move a digest", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Move(a.Digests[1], strings.Replace(a.Digests[1], "T160131Z", "T160231Z", 1))
		}, want: []string{"error digest_moved {D1 moved}"}},
		{name: "strip the newest digest's signature", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.SetMeta(a.Digests[3], nil)
		}, want: []string{"error signature_missing {D3}"}},
		{name: "strip a middle digest's signature", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.SetMeta(a.Digests[1], map[string]string{"signature-algorithm": "SHA256withRSA"})
		}, want: []string{"error signature_missing {D1}"}},
		{name: "forge a signature", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.SetMeta(a.Digests[3], map[string]string{"signature": evidencetest.Sign(t, evidencetest.OtherKey(t), "x"), "signature-algorithm": "SHA256withRSA"})
		}, want: []string{"error signature_invalid {D3}"}},
		{name: "no manifest: newest digests unverifiable", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			os.Remove(filepath.Join(tr.Dir, "manifest.jsonl"))
		}, want: []string{"warning signature_missing {D3}", "warning signature_missing {B2}"}, valid: true},
		{name: "change the key", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.WritePublicKeys(&evidencetest.OtherKey(t).PublicKey, tr.Fingerprint, false)
		}, want: []string{"error signature_invalid {D0}", "error signature_invalid {D1}", "error signature_invalid {D2}", "error signature_invalid {D3}",
			"error signature_invalid {B0}", "error signature_invalid {B1}", "error signature_invalid {B2}"}},
		{name: "unknown fingerprint", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.WritePublicKeys(&tr.Key.PublicKey, "00112233445566778899aabbccddeeff", false)
		}, want: []string{"error public_key_not_found {D0}", "error public_key_not_found {D1}", "error public_key_not_found {D2}", "error public_key_not_found {D3}",
			"error public_key_not_found {B0}", "error public_key_not_found {B1}", "error public_key_not_found {B2}"}},
		{name: "key as SubjectPublicKeyInfo", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.WritePublicKeys(&tr.Key.PublicKey, tr.Fingerprint, true)
		}, valid: true},
		{name: "append a gzip member", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Replace(a.Logs[3][0], append(bytes.Clone(tr.Body(a.Logs[3][0])), evidencetest.Gzip([]byte(`{"Records":[]}`))...))
		}, want: []string{"error invalid_format {L3.0}"}},
		{name: "add an unlisted log", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			k := a.Opts.LogKey(a.Opts.Start.Add(time.Hour+37*time.Minute), "INJECTEDxxxxxxxx")
			tr.Add(evidencetest.Object{Bucket: "trail-bucket", Key: k, Body: tr.Body(a.Logs[1][0])})
		}, want: []string{"error unlisted_log AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/10/111122223333_CloudTrail_us-east-1_20260310T1538Z_INJECTEDxxxxxxxx.json.gz"}},
		{name: "add an oddly named file to a log folder", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Add(evidencetest.Object{Bucket: "trail-bucket", Key: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/10/events.json", Body: []byte(`{"Records":[]}`)})
		}, want: []string{"error unlisted_log AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/10/events.json"}},
		{name: "collected from a replica bucket", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Relocate("replica-bucket")
		}, want: []string{"error digest_moved {D0}", "error digest_moved {D1}", "error digest_moved {D2}", "error digest_moved {D3}",
			"error digest_moved {B0}", "error digest_moved {B1}", "error digest_moved {B2}"}},
		{name: "drop a log from a digest", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Replace(a.Digests[1], rewriteDigest(t, tr.Body(a.Digests[1]), func(d *evidence.Digest) { d.LogFiles = d.LogFiles[1:] }))
		}, want: []string{"error hash_mismatch {D1}", "error signature_invalid {D1}", "error unlisted_log {L1.0}"}},
		{name: "damaged digest", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			tr.Replace(a.Digests[1], evidencetest.Gzip([]byte(`{"awsAccountId":`)))
		}, want: []string{"error invalid_format {D1}", "info not_covered "}},
		{name: "copy changed after collection", tamper: func(t *testing.T, tr *evidencetest.Tree, a *evidencetest.Chain) {
			b := bytes.Clone(tr.Body(a.Logs[0][0]))
			b[4] ^= 1 // gzip header MTIME: same content, other bytes
			if err := os.WriteFile(filepath.Join(tr.Dir, a.Logs[0][0]), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"error hash_mismatch {L0.0}"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, a := build(t)
			names := map[string]string{"{D1 moved}": strings.Replace(a.Digests[1], "T160131Z", "T160231Z", 1)}
			for i, d := range a.Digests {
				names["{D"+string(rune('0'+i))+"}"] = d
				for j, l := range a.Logs[i] {
					names["{L"+string(rune('0'+i))+"."+string(rune('0'+j))+"}"] = l
				}
			}
			for i, d := range tr.Chains[1].Digests {
				names["{B"+string(rune('0'+i))+"}"] = d
			}
			if tc.tamper != nil {
				tc.tamper(t, tr, a)
			}
			r := verifyDir(t, tr.Dir)
			var want []string
			for _, w := range tc.want {
				for k, v := range names {
					w = strings.ReplaceAll(w, k, v)
				}
				want = append(want, w)
			}
			slices.Sort(want)
			if got := problems(r); !slices.Equal(got, want) {
				t.Errorf("problems:\n got  %q\n want %q", got, want)
				for _, p := range r.Problems {
					t.Logf("%+v", p)
				}
			}
			if r.Valid != tc.valid {
				t.Errorf("valid = %v, want %v", r.Valid, tc.valid)
			}
			for _, p := range r.Problems {
				if p.Kind == "not_covered" && p.Chain != scopeA {
					t.Errorf("not_covered for %s, want %s", p.Chain, scopeA)
				}
			}
		})
	}
}

func TestVerifyCleanFiles(t *testing.T) {
	tr := evidencetest.New(t, t.TempDir())
	a := tr.AddChain(evidencetest.ChainOptions{Backfill: true, Digests: 3})
	r := verifyDir(t, tr.Dir)
	if len(r.Problems) != 0 || !r.Valid {
		t.Fatalf("problems: %+v", r.Problems)
	}
	want := 3*2 + 1
	if len(r.Files) != want || r.Totals.Logs != want || r.Totals.LogsValid != want || r.Totals.Digests != 4 || r.Totals.DigestsValid != 4 {
		t.Errorf("files %d, totals %+v, want %d valid logs and 4 valid digests", len(r.Files), r.Totals, want)
	}
	for _, f := range r.Files {
		sum := sha256.Sum256(tr.Body(f.Path))
		if f.Status != evidence.StatusValid || f.SHA256 != hex.EncodeToString(sum[:]) || f.Digest == "" {
			t.Errorf("file %+v: want valid with the stored bytes' SHA-256 %x", f, sum)
		}
	}
	if f, ok := r.File(a.BackfillLogs[0]); !ok || f.Digest != a.Backfill {
		t.Errorf("backfill log: %+v", f)
	}
	if len(r.Chains) != 1 || r.Chains[0].Trail != "management-events" || r.Chains[0].Digests != 4 {
		t.Errorf("chains: %+v", r.Chains)
	}
}

func TestVerifyChainRestart(t *testing.T) {
	tr := evidencetest.New(t, t.TempDir())
	tr.AddChain(evidencetest.ChainOptions{Digests: 2})
	later := tr.AddChain(evidencetest.ChainOptions{Digests: 2, Start: time.Date(2026, 3, 10, 19, 3, 0, 0, time.UTC)})
	r := verifyDir(t, tr.Dir)
	if got := problems(r); !slices.Equal(got, []string{"info gap " + later.Digests[0]}) || !r.Valid {
		t.Errorf("problems %q, valid %v", got, r.Valid)
	}
}

func TestVerifyNoDigests(t *testing.T) {
	tr := evidencetest.New(t, t.TempDir())
	c := tr.AddChain(evidencetest.ChainOptions{Digests: 2})
	for _, d := range c.Digests {
		tr.Remove(d)
	}
	r := verifyDir(t, tr.Dir)
	want := []string{"info not_covered ", "warning digest_missing "}
	if got := problems(r); !slices.Equal(got, want) || !r.Valid || len(r.Files) != 4 {
		t.Errorf("problems %q (want %q), valid %v, %d files", got, want, r.Valid, len(r.Files))
	}
	for _, f := range r.Files {
		if f.Status != evidence.StatusNotCovered || f.SHA256 == "" {
			t.Errorf("file %+v: want not_covered with its hash", f)
		}
	}
}

// recordSource is a Source that is not a Dir but keeps a record of its
// collection: Verify must use what it reports through the optional
// interfaces (damaged record, hashes at collection, failed fetches).
type recordSource struct {
	evidence.Source // only Source's methods are promoted
	manifestErr     error
	sums            map[string]string
	failures        map[string]string
}

func (s recordSource) ManifestErr() error                   { return s.manifestErr }
func (s recordSource) ManifestSHA256(path string) string    { return s.sums[path] }
func (s recordSource) ManifestFailure(_, key string) string { return s.failures[key] }

func TestVerifyAsksTheSourceForItsRecord(t *testing.T) {
	tr := evidencetest.New(t, t.TempDir())
	a := tr.AddChain(evidencetest.ChainOptions{Digests: 2})
	tr.Remove(a.Logs[1][0])
	dir, err := evidence.OpenDir(tr.Dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := evidence.LoadPublicKeys(filepath.Join(tr.Dir, "public-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	verify := func(src evidence.Source) *evidence.Report {
		r, err := evidence.Verify(context.Background(), src, evidence.Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	plain := recordSource{Source: dir}
	rec := recordSource{Source: dir, manifestErr: errors.New("line 3 damaged"),
		sums:     map[string]string{a.Logs[0][0]: strings.Repeat("0", 64)},
		failures: map[string]string{a.Logs[1][0]: "AccessDenied: no"}}
	if got, want := problems(verify(plain)), []string{"error log_missing " + a.Logs[1][0]}; !slices.Equal(got, want) {
		t.Errorf("source without a record: problems %q, want %q", got, want)
	}
	r := verify(rec)
	want := []string{"error hash_mismatch " + a.Logs[0][0], "error invalid_format manifest.jsonl", "error log_missing " + a.Logs[1][0]}
	slices.Sort(want)
	if got := problems(r); !slices.Equal(got, want) {
		t.Errorf("source with a record: problems %q, want %q", got, want)
	}
	for _, p := range r.Problems {
		if p.Kind == evidence.KindLogMissing && !strings.HasSuffix(p.Detail, "; collect failed to fetch it: AccessDenied: no") {
			t.Errorf("missing log's detail %q does not carry the failed fetch", p.Detail)
		}
	}
}

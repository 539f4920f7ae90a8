package acquire

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestLayout(t *testing.T) {
	tests := []struct {
		path            string
		account, region string
		digest          bool
	}{
		{"x/AWSLogs/123456789012/CloudTrail/us-east-1/2024/03/01/f.json.gz", "123456789012", "us-east-1", false},
		{"AWSLogs/o-abc123def4/123456789012/CloudTrail/eu-west-1/2024/03/01/f.json.gz", "123456789012", "eu-west-1", false},
		{"b/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/03/01/d.json.gz", "123456789012", "us-east-1", true},
		{"AWSLogs/123456789012/CloudTrail-Insight/us-east-1/2024/03/01/i.json.gz", "123456789012", "us-east-1", false},
		{"exports/lake.jsonl", "", "", false},
		{"copy/CloudTrail-Digest/d.json.gz", "", "", true},
	}
	for _, tt := range tests {
		a, r, d := layout(tt.path)
		if a != tt.account || r != tt.region || d != tt.digest {
			t.Errorf("layout(%s) = %q %q %v, want %q %q %v", tt.path, a, r, d, tt.account, tt.region, tt.digest)
		}
	}
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2024", "03", "01")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(deep, "b.json.gz"), filepath.Join(deep, "a.json.gz"), filepath.Join(dir, "top.jsonl")} {
		os.WriteFile(p, []byte("{}"), 0o644)
	}
	os.Symlink(filepath.Join(dir, "top.jsonl"), filepath.Join(dir, "link.jsonl"))
	files, problems, err := Walk(context.Background(), []string{dir, filepath.Join(dir, "top.jsonl"), filepath.Join(dir, "missing")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Path))
	}
	want := []string{"a.json.gz", "b.json.gz", "link.jsonl", "top.jsonl"}
	if len(names) != len(want) {
		t.Fatalf("files = %v, want %v (each once, sorted)", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("files = %v, want %v", names, want)
		}
	}
	if files[0].Account != "123456789012" || files[0].Region != "us-east-1" {
		t.Errorf("layout not read: %+v", files[0])
	}
	if len(problems) != 1 || filepath.Base(problems[0].Path) != "missing" {
		t.Errorf("problems = %v", problems)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Walk(ctx, []string{dir}); err == nil {
		t.Error("cancelled walk returned no error")
	}
}

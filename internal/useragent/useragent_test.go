package useragent

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestClassify reads testdata/useragents.tsv: user agent, kind, name,
// language, OS — real strings from the shared datasets and AWS documentation.
func TestClassify(t *testing.T) {
	f, err := os.Open("testdata/useragents.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := New()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		col := strings.Split(line, "\t")
		for len(col) < 5 {
			col = append(col, "")
		}
		want := Class{Kind: Kind(col[1]), Name: col[2], Language: col[3], OS: col[4]}
		got := c.Classify(col[0])
		if got != want {
			t.Errorf("Classify(%q)\n got %+v\nwant %+v", col[0], got, want)
		}
		if (got.Kind == Offensive) != c.IsOffensive(col[0]) {
			t.Errorf("IsOffensive(%q) disagrees with Classify", col[0])
		}
		n++
	}
	if n < 40 {
		t.Fatalf("only %d cases read", n)
	}
}

func TestFamilyIgnoresVersions(t *testing.T) {
	c := New()
	a := c.Classify("aws-cli/2.13.5 Python/3.11.4 Linux/4.14.255 exe/x86_64.amzn.2")
	b := c.Classify("aws-cli/2.15.0 Python/3.11.6 Linux/5.10.0 exe/x86_64.amzn.2")
	if a.Family() != b.Family() {
		t.Errorf("families differ: %s vs %s", a.Family(), b.Family())
	}
	k := c.Classify("aws-cli/2.2.5 Python/3.8.8 Linux/5.10.0-kali7-amd64")
	if k.Family() == a.Family() {
		t.Errorf("kali family %s equals plain CLI's", k.Family())
	}
}

func TestOffensivePattern(t *testing.T) {
	c := New()
	pat := c.OffensivePattern()
	if !strings.HasPrefix(pat, "(?i)(") || !strings.Contains(pat, "kali") {
		t.Fatalf("pattern %q", pat)
	}
}

package gen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
)

// Every generated line parses, the scenario's numbers come out, and the
// same seed gives the same files.
func TestScenarioParses(t *testing.T) {
	s := Default()
	counts := map[string]int{}
	for name, b := range s.S3AccessLogs() {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var r accesslog.S3Access
			if err := accesslog.ParseS3Access(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v: %s", name, err, sc.Text())
			}
			if r.RemoteIP == s.AttackerIP {
				counts[accesslog.ObjectAction(r.Operation)+" "+r.Requester]++
			}
		}
	}
	want := map[string]int{"read " + s.AttackerARN: 36, "delete " + s.AttackerARN: 35, "write " + s.AttackerARN: 1, " " + s.AttackerARN: 1}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("attacker requests %v, want %v", counts, want)
	}
	flows := 0
	for name, b := range s.FlowLogs() {
		if !strings.HasPrefix(name, "AWSLogs/"+s.Account+"/vpcflowlogs/"+s.Region+"/") {
			t.Errorf("flow log at %s", name)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		lines := strings.Split(strings.TrimSpace(string(plain)), "\n")
		f, header := accesslog.LooksLikeFlowLog([]byte(lines[0]))
		if f == nil || !header {
			t.Fatalf("%s: no header", name)
		}
		for _, l := range lines[1:] {
			var r accesslog.Flow
			if err := f.Parse([]byte(l), &r); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			flows++
		}
	}
	if flows != 18+5 {
		t.Errorf("%d flow records", flows)
	}
	if !reflect.DeepEqual(s.All(), Default().All()) {
		t.Error("the same seed gave other files")
	}
}

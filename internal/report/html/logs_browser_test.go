package html_test

import (
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// Object accesses from an S3 server access log say their source and
// statuses, and the network flows have a section of their own.
func TestBrowserAccessLogs(t *testing.T) {
	chromium(t)
	c := bigCase(20)
	at := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	c.DataAccessed = append(c.DataAccessed, event.DataAccess{Resource: "s3://acme-finance/report.xlsx", Kind: "S3 object",
		EventName: "GetObject", Count: 1, Bytes: 4096, FirstSeen: at, LastSeen: at, Source: "S3 server access log",
		Bucket: "acme-finance", Key: "report.xlsx", ObjectSize: 4096, HTTPStatus: []int{200}})
	c.NetworkFlows = []event.NetworkFlow{{SrcAddr: "203.0.113.66", DstAddr: "10.0.1.15", DstPort: 22, Protocol: 6, Action: "ACCEPT",
		Records: 1, Packets: 1200, Bytes: 310000, First: at, Last: at.Add(time.Minute), Interfaces: []string{"eni-0a1b2c3d4e5f60718"}, Direction: "inbound"}}
	p := openReport(t, writePage(t, c))
	if n := eval[int](t, p, `document.querySelectorAll('#network-flows + p + div tbody tr').length`); n != 1 {
		t.Errorf("network flows shows %d rows, want 1", n)
	}
	body := eval[string](t, p, `document.body.innerText`)
	for _, want := range []string{"S3 server access log, HTTP 200", "Network flows (VPC flow logs)", "ACCEPT (inbound)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	p.checkClean(t)
}

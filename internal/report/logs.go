package report

import (
	"strconv"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// dataKind is the KIND cell of a data access: its kind, and for an access
// seen outside CloudTrail the log and the HTTP statuses returned.
func dataKind(d event.DataAccess) string {
	if d.Source == "" {
		return d.Kind
	}
	s := d.Kind + " (" + d.Source
	if len(d.HTTPStatus) > 0 {
		st := make([]string, len(d.HTTPStatus))
		for i, v := range d.HTTPStatus {
			st[i] = strconv.Itoa(v)
		}
		s += ", HTTP " + strings.Join(st, ",")
	}
	return s + ")"
}

// flowRows are the rows of the network flows table.
func flowRows(fs []event.NetworkFlow, code func(string) string) [][]string {
	var rows [][]string
	for _, f := range fs {
		rows = append(rows, []string{code(f.SrcAddr), code(f.DstAddr), strconv.Itoa(f.DstPort), protocolName(f.Protocol), f.Action,
			f.Direction, strconv.FormatInt(f.Records, 10), strconv.FormatInt(f.Packets, 10), bytesCell(f.Bytes),
			fmtTime(f.First), fmtTime(f.Last)})
	}
	return rows
}

var flowHead = []string{"SOURCE", "DESTINATION", "PORT", "PROTOCOL", "ACTION", "DIRECTION", "RECORDS", "PACKETS", "BYTES", "FIRST", "LAST"}

func protocolName(p int) string {
	switch p {
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 1:
		return "ICMP"
	case 58:
		return "ICMPv6"
	}
	return strconv.Itoa(p)
}

// networkFlows is the text report's section for VPC flow logs, written
// only when the case has flows to or from the attacker's addresses.
func (t *text) networkFlows(c *event.Case) {
	if len(c.NetworkFlows) == 0 {
		return
	}
	t.section("Network Flows (VPC flow logs)")
	t.table("", flowHead, flowRows(c.NetworkFlows, func(s string) string { return s }))
}

func (m *md) networkFlows(c *event.Case) {
	if len(c.NetworkFlows) == 0 {
		return
	}
	m.heading(2, "Network Flows (VPC flow logs)")
	head := make([]string, len(flowHead))
	for i, h := range flowHead {
		head[i] = strings.ToUpper(h[:1]) + strings.ToLower(h[1:])
	}
	m.table(head, flowRows(c.NetworkFlows, mdCode))
}

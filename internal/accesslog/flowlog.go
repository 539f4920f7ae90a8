package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Flow is one VPC flow log record. Fields a format does not carry are ""
// (or an Int that is not OK); "-" (no value) is the same.
type Flow struct {
	Version          Int
	AccountID        string
	InterfaceID      string
	SrcAddr          string
	DstAddr          string
	SrcPort          Int
	DstPort          Int
	Protocol         Int // IANA number: 6 TCP, 17 UDP, 1 ICMP
	Packets          Int
	Bytes            Int
	Start            Int    // Unix seconds
	End              Int    // Unix seconds
	Action           string // ACCEPT, REJECT
	LogStatus        string // OK, NODATA, SKIPDATA
	VPCID            string
	SubnetID         string
	InstanceID       string
	TCPFlags         Int
	Type             string // IPv4, IPv6, EFA
	PktSrcAddr       string
	PktDstAddr       string
	Region           string
	AZID             string
	SublocationType  string
	SublocationID    string
	PktSrcAWSService string
	PktDstAWSService string
	FlowDirection    string // ingress, egress
	TrafficPath      Int
	// Extra holds fields of a custom format that have no column (ECS
	// fields, reject reasons, newer additions), name=value, space-separated.
	Extra string
	Raw   string
	Provenance
}

// StartTime and EndTime are the capture window; zero when not logged.
func (f *Flow) StartTime() time.Time { return unixTime(f.Start) }

// EndTime is the end of the capture window.
func (f *Flow) EndTime() time.Time { return unixTime(f.End) }

func unixTime(i Int) time.Time {
	if !i.OK {
		return time.Time{}
	}
	return time.Unix(i.V, 0).UTC()
}

// flowField is a field of Flow that a format can place at a position.
type flowField int

const (
	ffUnknown flowField = iota
	ffVersion
	ffAccountID
	ffInterfaceID
	ffSrcAddr
	ffDstAddr
	ffSrcPort
	ffDstPort
	ffProtocol
	ffPackets
	ffBytes
	ffStart
	ffEnd
	ffAction
	ffLogStatus
	ffVPCID
	ffSubnetID
	ffInstanceID
	ffTCPFlags
	ffType
	ffPktSrcAddr
	ffPktDstAddr
	ffRegion
	ffAZID
	ffSublocationType
	ffSublocationID
	ffPktSrcAWSService
	ffPktDstAWSService
	ffFlowDirection
	ffTrafficPath
)

// flowFieldNames are AWS's field names (the ${…} of a custom format, and
// the header line of an S3 delivery).
var flowFieldNames = map[string]flowField{
	"version": ffVersion, "account-id": ffAccountID, "interface-id": ffInterfaceID,
	"srcaddr": ffSrcAddr, "dstaddr": ffDstAddr, "srcport": ffSrcPort, "dstport": ffDstPort,
	"protocol": ffProtocol, "packets": ffPackets, "bytes": ffBytes, "start": ffStart, "end": ffEnd,
	"action": ffAction, "log-status": ffLogStatus, "vpc-id": ffVPCID, "subnet-id": ffSubnetID,
	"instance-id": ffInstanceID, "tcp-flags": ffTCPFlags, "type": ffType, "pkt-srcaddr": ffPktSrcAddr,
	"pkt-dstaddr": ffPktDstAddr, "region": ffRegion, "az-id": ffAZID, "sublocation-type": ffSublocationType,
	"sublocation-id": ffSublocationID, "pkt-src-aws-service": ffPktSrcAWSService,
	"pkt-dst-aws-service": ffPktDstAWSService, "flow-direction": ffFlowDirection, "traffic-path": ffTrafficPath,
}

// otherFlowFields are documented fields without a column: a header line
// naming them is still a flow log header.
var otherFlowFields = map[string]bool{
	"ecs-cluster-arn": true, "ecs-cluster-name": true, "ecs-container-instance-arn": true,
	"ecs-container-instance-id": true, "ecs-container-id": true, "ecs-second-container-id": true,
	"ecs-service-name": true, "ecs-task-definition-arn": true, "ecs-task-arn": true, "ecs-task-id": true,
	"reject-reason": true, "resource-id": true, "encryption-status": true,
}

// FlowFormat is the order of fields in a flow log's records.
type FlowFormat struct {
	fields []flowField
	names  []string
}

// DefaultFlowFormat is the version-2 default format.
var DefaultFlowFormat = mustFlowFormat("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")

func mustFlowFormat(h string) *FlowFormat {
	f, err := ParseFlowHeader([]byte(h))
	if err != nil {
		panic(err)
	}
	return f
}

// ErrNotFlowLog is wrapped by the flow log parsers' errors.
var ErrNotFlowLog = errors.New("not a VPC flow log record")

// ParseFlowHeader reads a header line (the field names, space-separated,
// hyphenated as AWS names them, or with underscores as Athena's columns
// are). Every name must be a flow log field; at least three are needed.
func ParseFlowHeader(line []byte) (*FlowFormat, error) {
	names := strings.Fields(string(line))
	if len(names) < 3 {
		return nil, fmt.Errorf("a header of %d names: %w", len(names), ErrNotFlowLog)
	}
	f := &FlowFormat{fields: make([]flowField, len(names)), names: names}
	known := 0
	for i, n := range names {
		n = strings.ReplaceAll(strings.Trim(strings.ToLower(n), "${}"), "_", "-")
		f.names[i] = n
		if ff, ok := flowFieldNames[n]; ok {
			f.fields[i] = ff
			known++
		} else if !otherFlowFields[n] {
			return nil, fmt.Errorf("%q is not a flow log field: %w", truncate(n, 40), ErrNotFlowLog)
		}
	}
	if known == 0 {
		return nil, fmt.Errorf("a header without address or traffic fields: %w", ErrNotFlowLog)
	}
	return f, nil
}

// Fields is how many fields a record of this format has.
func (f *FlowFormat) Fields() int { return len(f.fields) }

// defaultFlowLine: a version-2 default record (no header, as CloudWatch
// Logs exports deliver them).
var defaultFlowLine = regexp.MustCompile(`^\d+ (\d{12}|unknown|-) (eni-[0-9a-f]+|-) \S+ \S+ \S+ \S+ \S+ \S+ \S+ \d+ \d+ \S+ (OK|NODATA|SKIPDATA)\s*$`)

// LooksLikeFlowLog says whether the first line of a file is a flow log's
// header (then its format) or a default-format record (DefaultFlowFormat,
// and header false), or neither (nil).
func LooksLikeFlowLog(first []byte) (f *FlowFormat, header bool) {
	first = bytes.TrimRight(first, "\r\n")
	if hf, err := ParseFlowHeader(first); err == nil {
		return hf, true
	}
	if defaultFlowLine.Match(first) {
		return DefaultFlowFormat, false
	}
	return nil, false
}

// Parse reads one record (without its line break) in format f.
func (f *FlowFormat) Parse(line []byte, r *Flow) error {
	*r = Flow{Provenance: r.Provenance}
	var extra []string
	rest := bytes.TrimRight(line, "\r")
	i := 0
	for len(rest) > 0 {
		var tok []byte
		if j := bytes.IndexByte(rest, ' '); j >= 0 {
			tok, rest = rest[:j], rest[j+1:]
		} else {
			tok, rest = rest, nil
		}
		if i >= len(f.fields) {
			return fmt.Errorf("more than the %d fields of the format: %w", len(f.fields), ErrNotFlowLog)
		}
		if err := r.set(f.fields[i], tok); err != nil {
			return fmt.Errorf("%s: %w", f.names[i], err)
		}
		if f.fields[i] == ffUnknown && !(len(tok) == 1 && tok[0] == '-') {
			extra = append(extra, f.names[i]+"="+string(tok))
		}
		i++
	}
	if i != len(f.fields) {
		return fmt.Errorf("%d fields, the format has %d: %w", i, len(f.fields), ErrNotFlowLog)
	}
	if r.Action != "" && r.Action != "ACCEPT" && r.Action != "REJECT" {
		return fmt.Errorf("action %q: %w", truncate(r.Action, 20), ErrNotFlowLog)
	}
	switch r.LogStatus {
	case "", "OK", "NODATA", "SKIPDATA":
	default:
		return fmt.Errorf("log-status %q: %w", truncate(r.LogStatus, 20), ErrNotFlowLog)
	}
	r.Extra = strings.Join(extra, " ")
	r.Raw = string(line)
	return nil
}

// set stores one field's token ("-" for none) in r.
func (r *Flow) set(ff flowField, tok []byte) error {
	if len(tok) == 0 {
		return fmt.Errorf("empty field: %w", ErrNotFlowLog)
	}
	s := ""
	if !(len(tok) == 1 && tok[0] == '-') {
		s = string(tok)
	}
	if dst := r.numField(ff); dst != nil {
		return parseCount(s, dst)
	}
	if dst := r.textField(ff); dst != nil {
		*dst = s
	}
	return nil
}

// parseCount stores a non-negative number in dst; "" leaves it unset.
func parseCount(s string, dst *Int) error {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a number: %w", truncate(s, 40), ErrNotFlowLog)
	}
	*dst = Int{V: v, OK: true}
	return nil
}

// numField is the numeric field of r that ff names, nil for a text field.
func (r *Flow) numField(ff flowField) *Int {
	switch ff {
	case ffVersion:
		return &r.Version
	case ffSrcPort:
		return &r.SrcPort
	case ffDstPort:
		return &r.DstPort
	case ffProtocol:
		return &r.Protocol
	case ffPackets:
		return &r.Packets
	case ffBytes:
		return &r.Bytes
	case ffStart:
		return &r.Start
	case ffEnd:
		return &r.End
	case ffTCPFlags:
		return &r.TCPFlags
	case ffTrafficPath:
		return &r.TrafficPath
	}
	return nil
}

// textField is the text field of r that ff names, nil for a numeric or
// unknown field.
func (r *Flow) textField(ff flowField) *string {
	switch ff {
	case ffAccountID:
		return &r.AccountID
	case ffInterfaceID:
		return &r.InterfaceID
	case ffSrcAddr:
		return &r.SrcAddr
	case ffDstAddr:
		return &r.DstAddr
	case ffAction:
		return &r.Action
	case ffLogStatus:
		return &r.LogStatus
	case ffVPCID:
		return &r.VPCID
	case ffSubnetID:
		return &r.SubnetID
	case ffInstanceID:
		return &r.InstanceID
	case ffType:
		return &r.Type
	case ffPktSrcAddr:
		return &r.PktSrcAddr
	case ffPktDstAddr:
		return &r.PktDstAddr
	case ffRegion:
		return &r.Region
	case ffAZID:
		return &r.AZID
	case ffSublocationType:
		return &r.SublocationType
	case ffSublocationID:
		return &r.SublocationID
	case ffPktSrcAWSService:
		return &r.PktSrcAWSService
	case ffPktDstAWSService:
		return &r.PktDstAWSService
	case ffFlowDirection:
		return &r.FlowDirection
	}
	return nil
}

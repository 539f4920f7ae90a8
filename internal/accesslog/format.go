package accesslog

import (
	"strconv"
	"strings"
)

// Format writes r as a line of an S3 server access log with all 27 fields
// (ParseS3Access reads it back); empty values are "-".
func (r *S3Access) Format() string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	num := func(i Int) string {
		if !i.OK {
			return "-"
		}
		return strconv.FormatInt(i.V, 10)
	}
	quote := func(s string) string { return `"` + strings.ReplaceAll(dash(s), `"`, `\"`) + `"` }
	return strings.Join([]string{
		dash(r.BucketOwner), dash(r.Bucket), "[" + r.Time.UTC().Format(s3TimeLayout) + "]", dash(r.RemoteIP),
		dash(r.Requester), dash(r.RequestID), dash(r.Operation), dash(r.Key), quote(r.RequestURI), num(r.HTTPStatus),
		dash(r.ErrorCode), num(r.BytesSent), num(r.ObjectSize), num(r.TotalTime), num(r.TurnAroundTime),
		quote(r.Referer), quote(r.UserAgent), dash(r.VersionID), dash(r.HostID), dash(r.SignatureVersion),
		dash(r.CipherSuite), dash(r.AuthType), dash(r.HostHeader), dash(r.TLSVersion), dash(r.AccessPointARN),
		dash(r.ACLRequired), dash(r.SourceRegion),
	}, " ")
}

// FormatDefault writes r as a record of the default (version 2) flow log
// format.
func (r *Flow) FormatDefault() string {
	num := func(i Int) string {
		if !i.OK {
			return "-"
		}
		return strconv.FormatInt(i.V, 10)
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return strings.Join([]string{num(r.Version), dash(r.AccountID), dash(r.InterfaceID), dash(r.SrcAddr), dash(r.DstAddr),
		num(r.SrcPort), num(r.DstPort), num(r.Protocol), num(r.Packets), num(r.Bytes), num(r.Start), num(r.End),
		dash(r.Action), dash(r.LogStatus)}, " ")
}

// DefaultFlowHeader is the header line AWS writes above default records
// delivered to S3.
const DefaultFlowHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

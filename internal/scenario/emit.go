package scenario

import (
	"net/netip"
	"strings"
	"time"
)

// Source is where a call came from: address, client and the region the
// client talks to by default. Attacker sources mark their records as the
// attacker's.
type Source struct {
	IP     string
	Tool   Tool
	UA     string // a fixed user agent, instead of Tool's
	Region string
	VPCE   string
	side   string
}

func (s Source) attacker() Source { s.side = sideAttacker; return s }

func (s Source) ua(source, name string) string {
	if s.UA != "" || s.Tool.ua == nil {
		return s.UA
	}
	return s.Tool.UA(servicePrefix(source), name)
}

// Call is one API call before it is placed in time and attributed.
type Call struct {
	Source, Name string
	RO           bool
	Data         bool // a data event
	Global       bool // recorded in us-east-1 whatever the client's region
	Region       string
	Req, Resp    any
	Add          any
	Res          []Resource
	Host         string
	Err, Msg     string
	Type         string // eventType; AwsApiCall by default
	Shared       string // sharedEventID
	Recipient    *Account
	Details      any // serviceEventDetails
}

func call(source, name string, ro bool, req any) Call {
	return Call{Source: source, Name: name, RO: ro, Req: req}
}

func (c Call) resp(v any) Call        { c.Resp = v; return c }
func (c Call) add(v any) Call         { c.Add = v; return c }
func (c Call) res(r ...Resource) Call { c.Res = append(c.Res, r...); return c }
func (c Call) in(region string) Call  { c.Region = region; return c }
func (c Call) global() Call           { c.Global = true; return c }
func (c Call) fail(code, msg string) Call {
	c.Err, c.Msg = code, msg
	return c
}

// emit places call at t, made with cred from src, and keeps the record.
func (w *World) emit(t time.Time, cred *Cred, src Source, c Call) *Record {
	keep := !c.Data || w.logsDataOf(c)
	acct := cred.acct
	if c.Recipient != nil {
		acct = c.Recipient
	}
	region := callRegion(c, src, acct)
	rec := w.newRecord(t, cred, src, c, acct, region)
	w.setKindFields(rec, c)
	w.setClientFields(rec, cred, src, c, region)
	if keep { // the trail does not select this bucket's data events: nothing is written
		w.records = append(w.records, rec)
	}
	return rec
}

// callRegion is the region a call is recorded in: the call's own, us-east-1
// for global services, else the client's, else the account's.
func callRegion(c Call, src Source, acct *Account) string {
	switch {
	case c.Region != "":
		return c.Region
	case c.Global:
		return "us-east-1"
	case src.Region != "":
		return src.Region
	}
	return acct.Region
}

// newRecord is the record of c with the fields every call has; its event
// id is drawn here.
func (w *World) newRecord(t time.Time, cred *Cred, src Source, c Call, acct *Account, region string) *Record {
	rec := &Record{
		EventVersion:        w.eventVersion(c),
		UserIdentity:        w.identity(cred),
		EventTime:           ctTime(t),
		EventSource:         c.Source,
		EventName:           c.Name,
		AWSRegion:           region,
		SourceIPAddress:     src.IP,
		UserAgent:           src.ua(c.Source, c.Name),
		ErrorCode:           c.Err,
		ErrorMessage:        c.Msg,
		RequestParameters:   c.Req,
		EventID:             w.r.uuid(),
		Resources:           c.Res,
		EventType:           c.Type,
		RecipientAccountID:  acct.ID,
		SharedEventID:       c.Shared,
		VPCEndpointID:       src.VPCE,
		AdditionalEventData: c.Add,
		ServiceEventDetails: c.Details,
		time:                t.UTC().Truncate(time.Second),
		side:                src.side,
	}
	if rec.side == "" {
		rec.side = sideOwner
	}
	// A failed sign-in has a message and a response but no error code.
	if c.Err == "" {
		rec.ResponseElements = c.Resp
		rec.issued = issuedKey(c.Resp)
	}
	if rec.EventType == "" {
		rec.EventType = "AwsApiCall"
	}
	return rec
}

// setKindFields sets what depends on the kind of event and the log
// format's age: request id, readOnly, managementEvent and eventCategory.
func (w *World) setKindFields(rec *Record, c Call) {
	if c.Source == "s3.amazonaws.com" {
		rec.RequestID = w.r.s3RequestID()
	} else if rec.EventType != "AwsConsoleSignIn" {
		rec.RequestID = w.r.uuid()
	}
	if rec.EventType != "AwsConsoleSignIn" || !w.opts.Legacy {
		rec.ReadOnly = ptr(c.RO)
	}
	rec.data = c.Data
	if !w.opts.Legacy || w.Start.Year() >= 2019 { // neither field existed in 2018's logs
		rec.ManagementEvent = ptr(!c.Data)
		rec.EventCategory = "Management"
		if c.Data {
			rec.EventCategory = "Data"
		}
	}
}

// setClientFields sets what depends on how the client connected: S3's
// bracketed user agent, TLS details and the console flag.
func (w *World) setClientFields(rec *Record, cred *Cred, src Source, c Call, region string) {
	// S3 writes the client's user agent in brackets.
	if c.Source == "s3.amazonaws.com" && rec.UserAgent != "" && !strings.HasPrefix(rec.UserAgent, "[") && networkClient(src.IP) {
		rec.UserAgent = "[" + rec.UserAgent + "]"
	}
	if networkClient(src.IP) && rec.EventType != "AwsServiceEvent" && !w.opts.Legacy {
		rec.TLSDetails = &TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: host(c, region)}
		if w.r.IntN(5) == 0 {
			rec.TLSDetails.TLSVersion, rec.TLSDetails.CipherSuite = "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"
		}
	}
	if cred.console && !w.opts.Legacy {
		rec.SessionCredentialFromConsole = "true"
	}
}

// logsDataOf says whether the trail records data event c.
func (w *World) logsDataOf(c Call) bool {
	m, _ := c.Req.(M)
	name, _ := m["bucketName"].(string)
	for _, a := range w.Accounts {
		for _, b := range a.Buckets {
			if b.Name == name {
				return b.DataEvents
			}
		}
	}
	return w.opts.DataEvents == "all"
}

func (w *World) eventVersion(c Call) string {
	switch {
	case w.opts.Legacy && w.Start.Year() < 2019:
		return "1.05"
	case w.opts.Legacy && w.Start.Year() < 2021:
		return "1.07"
	case w.opts.Legacy:
		return "1.08"
	case c.Type == "AwsConsoleSignIn":
		return "1.08"
	}
	return "1.09"
}

// networkClient is a call from an address (not a service acting for itself).
func networkClient(ip string) bool {
	_, err := netip.ParseAddr(ip)
	return err == nil
}

func host(c Call, region string) string {
	if c.Host != "" {
		return c.Host
	}
	p := strings.TrimSuffix(c.Source, ".amazonaws.com")
	switch p {
	case "iam", "organizations", "route53", "cloudfront":
		return p + ".amazonaws.com"
	case "signin":
		return "signin.aws.amazon.com"
	case "s3":
		if m, ok := c.Req.(M); ok {
			if b, ok := m["bucketName"].(string); ok {
				return b + ".s3." + region + ".amazonaws.com"
			}
		}
		return "s3." + region + ".amazonaws.com"
	}
	return p + "." + region + ".amazonaws.com"
}

// M is a JSON object of request or response elements.
type M = map[string]any

// deny turns c into the refusal CloudTrail records when cred may not make it.
func deny(c Call, cred *Cred, resource string) Call {
	svc := servicePrefix(c.Source)
	action := svc + ":" + iamAction(c.Name)
	who := cred.ARN()
	if resource == "" {
		resource = "*"
	}
	msg := "User: " + who + " is not authorized to perform: " + action + " on resource: " + resource + " because no identity-based policy allows the " + action + " action"
	switch svc {
	case "ec2":
		return c.fail("Client.UnauthorizedOperation", "You are not authorized to perform this operation. User: "+who+" is not authorized to perform: "+action+" because no identity-based policy allows the "+action+" action")
	case "s3":
		return c.fail("AccessDenied", "Access Denied")
	case "iam", "sts", "cloudformation", "rds", "cloudtrail", "elasticloadbalancing", "autoscaling":
		return c.fail("AccessDenied", msg)
	case "sns":
		return c.fail("AuthorizationError", msg)
	}
	return c.fail("AccessDeniedException", msg)
}

// iamAction is the IAM action of an event name: Lambda's versioned names
// (ListFunctions20150331) and S3's legacy names map to their actions.
func iamAction(name string) string {
	for _, v := range []string{"20150331v2", "20150331", "20170331"} {
		name = strings.TrimSuffix(name, v)
	}
	switch name {
	case "ListObjects", "ListObjectsV2":
		return "ListBucket"
	case "GetBucketLifecycle":
		return "GetLifecycleConfiguration"
	}
	return name
}

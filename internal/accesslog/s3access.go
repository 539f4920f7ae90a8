// Package accesslog parses the AWS logs that responders hold beside
// CloudTrail: S3 server access logs and VPC flow logs. It is pure (no I/O
// beyond the bytes it is given) and standard library only; internal/ingest
// streams files through it and internal/store keeps the records.
package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Int is a number that a log may leave out ("-").
type Int struct {
	V  int64
	OK bool
}

// Provenance locates a record in its source file.
type Provenance struct {
	SourceID int64
	Line     int64 // 1-based line number
	Offset   int64 // byte offset of the line in the decompressed stream
}

// S3Access is one record of an S3 server access log, field by field as AWS
// documents the format ("Amazon S3 server access log format"). "-" becomes
// "" (or an Int that is not OK).
type S3Access struct {
	BucketOwner      string
	Bucket           string
	Time             time.Time // UTC
	TimeText         string    // the bracketed text, as logged
	RemoteIP         string
	Requester        string // canonical user id, or an IAM ARN
	RequestID        string
	Operation        string // REST.GET.OBJECT, BATCH.DELETE.OBJECT, …
	Key              string // URL-encoded, as logged
	RequestURI       string // "GET /bucket/key HTTP/1.1", without the quotes
	HTTPStatus       Int
	ErrorCode        string
	BytesSent        Int
	ObjectSize       Int
	TotalTime        Int // milliseconds
	TurnAroundTime   Int // milliseconds
	Referer          string
	UserAgent        string
	VersionID        string
	HostID           string
	SignatureVersion string // SigV2, SigV4
	CipherSuite      string
	AuthType         string // AuthHeader, QueryString
	HostHeader       string
	TLSVersion       string
	AccessPointARN   string
	ACLRequired      string // "Yes" when an ACL was needed to authorise the request
	SourceRegion     string // the newest field; absent from older lines
	// Fields is how many fields the line had: older lines stop earlier,
	// and AWS may append fields (parsers are to ignore what they do not
	// know).
	Fields int
	Raw    string
	Provenance
}

// s3MinFields: the original format ends with the user agent (field 17);
// every field after it was added later and may be missing.
const s3MinFields = 17

// s3TimeLayout is the bracketed time: [06/Feb/2019:00:00:38 +0000].
const s3TimeLayout = "02/Jan/2006:15:04:05 -0700"

// ErrNotS3Access is wrapped by ParseS3Access's errors.
var ErrNotS3Access = errors.New("not an S3 server access log record")

// s3Line matches the start of a record: the bucket owner (a canonical
// user id), the bucket, the bracketed time.
var s3Line = regexp.MustCompile(`^([0-9a-f]{64}|-) \S+ \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] `)

// LooksLikeS3Access reports whether line starts like an S3 server access
// log record; ParseS3Access decides whether it is one.
func LooksLikeS3Access(line []byte) bool { return s3Line.Match(line) }

// ParseS3Access parses one line (without its line break) into r, reusing
// r's memory for nothing: every string is copied, so line may be reused.
func ParseS3Access(line []byte, r *S3Access) error {
	*r = S3Access{Provenance: r.Provenance}
	var f [32][]byte // the known fields and a few AWS may add
	n := 0
	rest := line
	for len(rest) > 0 {
		if n >= len(f) {
			n++ // counted, not kept: fields nobody documents yet
			if i := bytes.IndexByte(rest, ' '); i >= 0 {
				rest = rest[i+1:]
				continue
			}
			break
		}
		tok, next, err := s3Token(rest)
		if err != nil {
			return fmt.Errorf("field %d: %w: %w", n+1, err, ErrNotS3Access)
		}
		f[n] = tok
		n++
		rest = next
	}
	if n < s3MinFields {
		return fmt.Errorf("%d fields, at least %d expected: %w", n, s3MinFields, ErrNotS3Access)
	}
	r.Fields = n
	str := func(i int) string {
		if i >= n || len(f[i]) == 0 || (len(f[i]) == 1 && f[i][0] == '-') {
			return ""
		}
		return string(f[i])
	}
	num := func(i int, name string) (Int, error) {
		s := str(i)
		if s == "" {
			return Int{}, nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return Int{}, fmt.Errorf("%s %q is not a count: %w", name, truncate(s, 40), ErrNotS3Access)
		}
		return Int{V: v, OK: true}, nil
	}
	r.BucketOwner, r.Bucket = str(0), str(1)
	r.TimeText = string(f[2])
	t, err := time.Parse(s3TimeLayout, r.TimeText)
	if err != nil {
		return fmt.Errorf("time [%s]: %w", truncate(r.TimeText, 40), ErrNotS3Access)
	}
	r.Time = t.UTC()
	r.RemoteIP, r.Requester, r.RequestID, r.Operation, r.Key = str(3), str(4), str(5), str(6), str(7)
	r.RequestURI = str(8)
	if r.HTTPStatus, err = num(9, "HTTP status"); err != nil {
		return err
	}
	if r.HTTPStatus.OK && (r.HTTPStatus.V < 100 || r.HTTPStatus.V > 999) {
		return fmt.Errorf("HTTP status %d: %w", r.HTTPStatus.V, ErrNotS3Access)
	}
	r.ErrorCode = str(10)
	if r.BytesSent, err = num(11, "bytes sent"); err != nil {
		return err
	}
	if r.ObjectSize, err = num(12, "object size"); err != nil {
		return err
	}
	if r.TotalTime, err = num(13, "total time"); err != nil {
		return err
	}
	if r.TurnAroundTime, err = num(14, "turn-around time"); err != nil {
		return err
	}
	r.Referer, r.UserAgent = str(15), str(16)
	r.VersionID, r.HostID, r.SignatureVersion, r.CipherSuite = str(17), str(18), str(19), str(20)
	r.AuthType, r.HostHeader, r.TLSVersion, r.AccessPointARN = str(21), str(22), str(23), str(24)
	r.ACLRequired, r.SourceRegion = str(25), str(26)
	r.Raw = string(line)
	return nil
}

// s3Token splits the next field off b: a bracketed time, a quoted string
// (which may hold spaces; a quote inside is escaped with a backslash), or
// text up to the next space.
func s3Token(b []byte) (tok, rest []byte, err error) {
	switch b[0] {
	case '[':
		i := bytes.IndexByte(b, ']')
		if i < 0 {
			return nil, nil, errors.New("unclosed [")
		}
		rest, err := after(b, i+1)
		return b[1:i], rest, err
	case '"':
		for i := 1; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				if i+1 == len(b) || b[i+1] == ' ' {
					rest, err := after(b, i+1)
					return b[1:i], rest, err
				}
			}
		}
		return nil, nil, errors.New("unclosed quote")
	case ' ':
		return nil, nil, errors.New("two spaces in a row")
	}
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return b, nil, nil
	}
	return b[:i], b[i+1:], nil
}

// after returns what follows a closed token at b[i:], which must be a
// space or the end.
func after(b []byte, i int) ([]byte, error) {
	if i == len(b) {
		return nil, nil
	}
	if b[i] != ' ' {
		return nil, fmt.Errorf("%q after a closed field", b[i])
	}
	return b[i+1:], nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// What an S3 operation did to an object, for the investigation.
const (
	ObjectRead   = "read"
	ObjectWrite  = "write"
	ObjectDelete = "delete"
)

// ObjectAction classifies an operation by what it did to the object named
// by the key, or "" for operations on the bucket or on no object's content
// (HEAD, ACLs, tagging, multipart parts).
func ObjectAction(op string) string {
	switch op {
	case "REST.GET.OBJECT", "REST.COPY.OBJECT_GET", "REST.POST.SELECT", "REST.GET.OBJECT_TORRENT", "WEBSITE.GET.OBJECT":
		return ObjectRead
	case "REST.PUT.OBJECT", "REST.POST.OBJECT", "REST.COPY.OBJECT", "REST.POST.UPLOAD":
		// REST.POST.UPLOAD completes a multipart upload: the object appears.
		return ObjectWrite
	case "REST.DELETE.OBJECT", "BATCH.DELETE.OBJECT":
		// Lifecycle expiry (S3.EXPIRE.OBJECT) is S3's own doing, not a request.
		return ObjectDelete
	}
	return ""
}

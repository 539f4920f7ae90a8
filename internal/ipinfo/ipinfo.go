// Package ipinfo describes the sourceIPAddress values CloudTrail records:
// address family, AWS service name or AWS-internal, and — offline, from
// MaxMind-format databases — country and autonomous system, plus AWS's own
// published ranges. It never makes a network call.
package ipinfo

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

//go:embed data/iptoasn-country.mmdb.gz
var defaultCountryGz []byte

// DefaultCountrySource names the bundled country database (see data/README.md).
const DefaultCountrySource = "bundled iptoasn-country 2026-06-17 (PDDL-1.0; publisher notes data errors — a hint, not evidence)"

// Kinds of sourceIPAddress.
const (
	KindIPv4        = "ipv4"
	KindIPv6        = "ipv6"
	KindAWSService  = "aws-service"  // a service's DNS name: lambda.amazonaws.com
	KindAWSInternal = "aws-internal" // the literal "AWS Internal"
	KindOther       = "other"        // anything else CloudTrail put there
)

// Info is what is known about one sourceIPAddress value.
type Info struct {
	Kind    string `json:"kind"`
	Country string `json:"country,omitempty"`
	ASN     uint   `json:"asn,omitempty"`
	ASOrg   string `json:"as_org,omitempty"`
	// AWS says whether the address is AWS's: the service name, "AWS Internal",
	// or "AWS range <service> <region>" from ip-ranges.json; empty otherwise.
	AWS string `json:"aws,omitempty"`
}

// Options name the databases to use. Empty GeoIP means the bundled country
// database unless NoDefault is set.
type Options struct {
	GeoIP     string // MaxMind-format country or city database
	ASN       string // MaxMind-format ASN database
	AWSRanges string // AWS ip-ranges.json
	NoDefault bool
}

// Enricher answers lookups; it is safe for concurrent use.
type Enricher struct {
	country, asn *maxminddb.Reader
	ranges       []awsRange
	sources      []string
}

type awsRange struct {
	prefix          netip.Prefix
	service, region string
}

// Open loads the databases opts name.
func Open(opts Options) (*Enricher, error) {
	e := &Enricher{}
	switch {
	case opts.GeoIP != "":
		r, err := maxminddb.Open(opts.GeoIP)
		if err != nil {
			return nil, fmt.Errorf("opening --geoip %s: %w", opts.GeoIP, err)
		}
		e.country = r
		e.sources = append(e.sources, "country: "+describe(opts.GeoIP, r))
	case !opts.NoDefault:
		zr, err := gzip.NewReader(bytes.NewReader(defaultCountryGz))
		if err != nil {
			return nil, fmt.Errorf("bundled country database: %w", err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("bundled country database: %w", err)
		}
		r, err := maxminddb.OpenBytes(b)
		if err != nil {
			return nil, fmt.Errorf("bundled country database: %w", err)
		}
		e.country = r
		e.sources = append(e.sources, "country: "+DefaultCountrySource)
	}
	if opts.ASN != "" {
		r, err := maxminddb.Open(opts.ASN)
		if err != nil {
			return nil, fmt.Errorf("opening --asn %s: %w", opts.ASN, err)
		}
		e.asn = r
		e.sources = append(e.sources, "ASN: "+describe(opts.ASN, r))
	}
	if opts.AWSRanges != "" {
		rs, created, err := loadRanges(opts.AWSRanges)
		if err != nil {
			return nil, err
		}
		e.ranges = rs
		e.sources = append(e.sources, fmt.Sprintf("AWS ranges: %s (createDate %s, %d prefixes)", opts.AWSRanges, created, len(rs)))
	}
	return e, nil
}

func describe(path string, r *maxminddb.Reader) string {
	return fmt.Sprintf("%s (%s, built %d)", path, r.Metadata.DatabaseType, r.Metadata.BuildEpoch)
}

// Sources says which databases answered, for the report.
func (e *Enricher) Sources() []string { return slices.Clone(e.sources) }

// Close releases the databases.
func (e *Enricher) Close() error {
	for _, r := range []*maxminddb.Reader{e.country, e.asn} {
		if r != nil {
			r.Close()
		}
	}
	return nil
}

// HasASN reports whether lookups can name autonomous systems.
func (e *Enricher) HasASN() bool { return e != nil && e.asn != nil }

// Lookup describes one sourceIPAddress value.
func (e *Enricher) Lookup(s string) Info {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "AWS Internal") {
		return Info{Kind: KindAWSInternal, AWS: "AWS Internal"}
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		if strings.HasSuffix(strings.ToLower(s), ".amazonaws.com") {
			return Info{Kind: KindAWSService, AWS: s}
		}
		return Info{Kind: KindOther}
	}
	addr = addr.Unmap()
	in := Info{Kind: KindIPv4}
	if addr.Is6() {
		in.Kind = KindIPv6
	}
	if e == nil {
		return in
	}
	if e.country != nil {
		var rec struct {
			CountryCode string `maxminddb:"country_code"`
			Country     struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"country"`
			Registered struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"registered_country"`
		}
		if err := e.country.Lookup(addr).Decode(&rec); err == nil {
			in.Country = firstNonEmpty(rec.Country.ISOCode, rec.CountryCode, rec.Registered.ISOCode)
		}
	}
	if e.asn != nil {
		var rec struct {
			Number uint   `maxminddb:"autonomous_system_number"`
			Org    string `maxminddb:"autonomous_system_organization"`
		}
		if err := e.asn.Lookup(addr).Decode(&rec); err == nil {
			in.ASN, in.ASOrg = rec.Number, rec.Org
		}
	}
	if r, ok := e.awsRange(addr); ok {
		in.AWS = strings.TrimSpace("AWS range " + r.service + " " + r.region)
	}
	return in
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// awsRange returns the most specific AWS prefix holding addr, preferring a
// named service over the catch-all AMAZON at the same length.
func (e *Enricher) awsRange(addr netip.Addr) (awsRange, bool) {
	for _, r := range e.ranges { // sorted most specific first
		if r.prefix.Contains(addr) {
			return r, true
		}
	}
	return awsRange{}, false
}

func loadRanges(path string) ([]awsRange, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("reading --aws-ip-ranges %s: %w", path, err)
	}
	var doc struct {
		CreateDate string `json:"createDate"`
		Prefixes   []struct {
			IPPrefix string `json:"ip_prefix"`
			Region   string `json:"region"`
			Service  string `json:"service"`
		} `json:"prefixes"`
		IPv6Prefixes []struct {
			IPv6Prefix string `json:"ipv6_prefix"`
			Region     string `json:"region"`
			Service    string `json:"service"`
		} `json:"ipv6_prefixes"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, "", fmt.Errorf("parsing --aws-ip-ranges %s: %w", path, err)
	}
	var out []awsRange
	add := func(p, service, region string) error {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("parsing --aws-ip-ranges %s: prefix %q: %w", path, p, err)
		}
		out = append(out, awsRange{pfx.Masked(), service, region})
		return nil
	}
	for _, p := range doc.Prefixes {
		if err := add(p.IPPrefix, p.Service, p.Region); err != nil {
			return nil, "", err
		}
	}
	for _, p := range doc.IPv6Prefixes {
		if err := add(p.IPv6Prefix, p.Service, p.Region); err != nil {
			return nil, "", err
		}
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("--aws-ip-ranges %s: no prefixes (is it AWS's ip-ranges.json?)", path)
	}
	slices.SortStableFunc(out, func(a, b awsRange) int {
		if a.prefix.Bits() != b.prefix.Bits() {
			return b.prefix.Bits() - a.prefix.Bits()
		}
		return boolInt(a.service == "AMAZON") - boolInt(b.service == "AMAZON")
	})
	return out, doc.CreateDate, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package ipinfo

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeMMDB builds a MaxMind-format database in the test with the given
// record per network, as GeoLite2 and ip-location-db files are laid out.
func writeMMDB(t *testing.T, dbType string, recs map[string]mmdbtype.Map) string {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 28, IPVersion: 6, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range recs {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), dbType+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLookup(t *testing.T) {
	geo := writeMMDB(t, "GeoLite2-Country", map[string]mmdbtype.Map{
		"198.51.100.0/24": {"country": mmdbtype.Map{"iso_code": mmdbtype.String("NL")}},
		"2001:db8::/32":   {"country": mmdbtype.Map{"iso_code": mmdbtype.String("DE")}},
	})
	asn := writeMMDB(t, "GeoLite2-ASN", map[string]mmdbtype.Map{
		"198.51.100.0/24": {"autonomous_system_number": mmdbtype.Uint32(64500), "autonomous_system_organization": mmdbtype.String("Example Hosting")},
	})
	e, err := Open(Options{GeoIP: geo, ASN: asn, AWSRanges: "testdata/ip-ranges.json"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tests := []struct {
		in   string
		want Info
	}{
		{"198.51.100.7", Info{Kind: KindIPv4, Country: "NL", ASN: 64500, ASOrg: "Example Hosting"}},
		{"2001:db8::1", Info{Kind: KindIPv6, Country: "DE"}},
		{"::ffff:198.51.100.9", Info{Kind: KindIPv4, Country: "NL", ASN: 64500, ASOrg: "Example Hosting"}},
		{"203.0.113.5", Info{Kind: KindIPv4}},
		{"AWS Internal", Info{Kind: KindAWSInternal, AWS: "AWS Internal"}},
		{"lambda.amazonaws.com", Info{Kind: KindAWSService, AWS: "lambda.amazonaws.com"}},
		{"HIDDEN_DUE_TO_SECURITY_REASONS", Info{Kind: KindOther}},
		{"", Info{Kind: KindOther}},
		{"3.5.141.10", Info{Kind: KindIPv4, AWS: "AWS range S3 ap-northeast-2"}}, // S3 preferred over AMAZON at the same length
		{"52.94.77.1", Info{Kind: KindIPv4, AWS: "AWS range EC2 us-west-2"}},     // most specific prefix wins
		{"52.94.1.1", Info{Kind: KindIPv4, AWS: "AWS range AMAZON us-east-1"}},   // only the catch-all
		{"2600:1f18:1234::5", Info{Kind: KindIPv6, AWS: "AWS range EC2 us-east-1"}},
	}
	for _, tt := range tests {
		if got := e.Lookup(tt.in); got != tt.want {
			t.Errorf("Lookup(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if n := len(e.Sources()); n != 3 {
		t.Errorf("Sources() has %d entries, want 3: %v", n, e.Sources())
	}
}

// TestDefaultCountry checks the bundled database loads and answers with a
// country code; which country is the data's business, so only the shape is
// asserted, on addresses that are allocated and stable (public DNS resolvers).
func TestDefaultCountry(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, ip := range []string{"8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"} {
		got := e.Lookup(ip)
		if len(got.Country) != 2 {
			t.Errorf("Lookup(%s).Country = %q, want a two-letter code", ip, got.Country)
		}
	}
	if got := e.Lookup("10.0.0.1"); got.Country != "" {
		t.Errorf("private address got country %q", got.Country)
	}
	none, err := Open(Options{NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := none.Lookup("8.8.8.8"); got.Country != "" {
		t.Errorf("NoDefault still answered %q", got.Country)
	}
}

func TestOpenErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"prefixes":[]}`), 0o644)
	for _, o := range []Options{{GeoIP: "testdata/missing.mmdb"}, {ASN: "testdata/ip-ranges.json"}, {AWSRanges: bad}, {AWSRanges: "testdata/missing.json"}} {
		if _, err := Open(o); err == nil {
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

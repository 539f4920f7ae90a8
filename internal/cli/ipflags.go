package cli

import (
	"github.com/spf13/pflag"

	"github.com/trailsleuth/trailsleuth/internal/ipinfo"
)

// IPInfoOptions are the offline IP-enrichment flags.
type IPInfoOptions struct {
	GeoIP, ASN, AWSRanges string
	NoGeoIP               bool
}

func (o *IPInfoOptions) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&o.GeoIP, "geoip", "", "MaxMind-format country or city database `file` (.mmdb) for source-IP countries (default: the bundled iptoasn country data)")
	fl.StringVar(&o.ASN, "asn", "", "MaxMind-format ASN database `file` (.mmdb) for source-IP networks")
	fl.StringVar(&o.AWSRanges, "aws-ip-ranges", "", "AWS ip-ranges.json `file` to mark AWS-owned source addresses")
	fl.BoolVar(&o.NoGeoIP, "no-geoip", false, "do not use the bundled country database")
}

// open loads the databases; never a network call.
func (o *IPInfoOptions) open() (*ipinfo.Enricher, error) {
	return ipinfo.Open(ipinfo.Options{GeoIP: o.GeoIP, ASN: o.ASN, AWSRanges: o.AWSRanges, NoDefault: o.NoGeoIP})
}

package scenario

import (
	"fmt"
	"net/netip"
)

// Network kinds: what a responder's enrichment (ASN database, AWS ranges)
// would say about an address.
const (
	NetResidential = "residential" // a home broadband ISP
	NetMobile      = "mobile"      // a mobile carrier (CGNAT)
	NetBusiness    = "business"    // an office's fixed line
	NetHosting     = "hosting"     // a VPS / dedicated-server provider
	NetVPN         = "vpn"         // a commercial VPN provider's exits
	NetTor         = "tor"         // Tor exit relays
	NetAWS         = "aws"         // Amazon EC2 (AWS's published ranges)
	NetCloud       = "cloud"       // another cloud (e.g. GitHub-hosted runners on Azure)
)

// Network is one autonomous system's slice of addresses, as an ASN
// database describes it.
type Network struct {
	Name     string // short handle used by the scenarios
	Kind     string
	ASN      int
	Org      string
	Country  string
	Prefixes []string
	// AWS ranges: service and region as AWS's ip-ranges.json lists them.
	AWSService, AWSRegion string
}

// Networks is the address plan of the scenarios: real operators' public
// prefixes, so that country databases agree with the kind of network.
// The harness writes an ASN database and an ip-ranges.json from it, as a
// responder would have GeoLite2-ASN and AWS's published ranges.
func Networks() []Network { return networks }

var networks = []Network{
	// Homes and offices of the owners.
	{Name: "telekom-de", Kind: NetResidential, ASN: 3320, Org: "Deutsche Telekom AG", Country: "DE", Prefixes: []string{"79.192.0.0/12", "91.32.0.0/12"}},
	{Name: "vodafone-de", Kind: NetResidential, ASN: 3209, Org: "Vodafone GmbH", Country: "DE", Prefixes: []string{"88.64.0.0/14"}},
	{Name: "comcast-us", Kind: NetResidential, ASN: 7922, Org: "Comcast Cable Communications, LLC", Country: "US", Prefixes: []string{"73.160.0.0/12"}},
	{Name: "meo-pt", Kind: NetResidential, ASN: 3243, Org: "MEO - SERVICOS DE COMUNICACOES E MULTIMEDIA S.A.", Country: "PT", Prefixes: []string{"85.240.0.0/14"}},
	{Name: "bt-uk", Kind: NetResidential, ASN: 2856, Org: "British Telecommunications PLC", Country: "GB", Prefixes: []string{"86.128.0.0/12"}},
	{Name: "o2-mobile-de", Kind: NetMobile, ASN: 6805, Org: "Telefonica Germany GmbH & Co.OHG", Country: "DE", Prefixes: []string{"176.0.0.0/14"}},
	{Name: "office-fibre", Kind: NetBusiness, ASN: 8767, Org: "M-net Telekommunikations GmbH", Country: "DE", Prefixes: []string{"188.174.0.0/16"}},
	{Name: "office-colt", Kind: NetBusiness, ASN: 8220, Org: "COLT Technology Services Group Limited", Country: "GB", Prefixes: []string{"212.36.160.0/19"}},
	// The company VPN's exits sit at a hosting provider, like many attackers'.
	{Name: "corp-vpn", Kind: NetHosting, ASN: 24940, Org: "Hetzner Online GmbH", Country: "DE", Prefixes: []string{"116.202.0.0/16"}},
	// AWS: the owners' runners and NAT gateways, a vendor's scanner, and an attacker's instance.
	{Name: "aws-eu-central-1", Kind: NetAWS, ASN: 16509, Org: "AMAZON-02", Country: "DE", Prefixes: []string{"18.192.0.0/15", "3.120.0.0/14"}, AWSService: "EC2", AWSRegion: "eu-central-1"},
	{Name: "aws-eu-west-1", Kind: NetAWS, ASN: 16509, Org: "AMAZON-02", Country: "IE", Prefixes: []string{"34.240.0.0/13"}, AWSService: "EC2", AWSRegion: "eu-west-1"},
	{Name: "aws-us-east-1", Kind: NetAWS, ASN: 14618, Org: "AMAZON-AES", Country: "US", Prefixes: []string{"3.80.0.0/12", "54.144.0.0/14"}, AWSService: "EC2", AWSRegion: "us-east-1"},
	{Name: "aws-us-east-2", Kind: NetAWS, ASN: 16509, Org: "AMAZON-02", Country: "US", Prefixes: []string{"3.128.0.0/14"}, AWSService: "EC2", AWSRegion: "us-east-2"},
	{Name: "aws-ap-southeast-1", Kind: NetAWS, ASN: 16509, Org: "AMAZON-02", Country: "SG", Prefixes: []string{"13.228.0.0/15"}, AWSService: "EC2", AWSRegion: "ap-southeast-1"},
	{Name: "azure-github", Kind: NetCloud, ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK", Country: "US", Prefixes: []string{"20.42.0.0/16", "52.176.0.0/14", "4.148.0.0/16"}},
	// Where attackers come from.
	{Name: "tor-exit", Kind: NetTor, ASN: 208294, Org: "Stiftung Erneuerbare Freiheit", Country: "DE", Prefixes: []string{"185.220.101.0/24", "185.220.100.0/24"}},
	{Name: "tor-exit-2", Kind: NetTor, ASN: 208323, Org: "Foundation for Applied Privacy", Country: "AT", Prefixes: []string{"109.70.100.0/24"}},
	{Name: "m247-vpn", Kind: NetVPN, ASN: 9009, Org: "M247 Europe SRL", Country: "RO", Prefixes: []string{"89.46.100.0/22", "37.120.192.0/19"}},
	{Name: "mullvad-vpn", Kind: NetVPN, ASN: 39351, Org: "31173 Services AB", Country: "SE", Prefixes: []string{"193.138.218.0/24", "141.98.252.0/22"}},
	{Name: "digitalocean", Kind: NetHosting, ASN: 14061, Org: "DIGITALOCEAN-ASN", Country: "US", Prefixes: []string{"159.65.0.0/16", "167.99.0.0/16"}},
	{Name: "ovh", Kind: NetHosting, ASN: 16276, Org: "OVH SAS", Country: "FR", Prefixes: []string{"51.75.0.0/16", "54.36.0.0/16"}},
	{Name: "vultr", Kind: NetHosting, ASN: 20473, Org: "AS-CHOOPA", Country: "US", Prefixes: []string{"45.32.0.0/16", "149.28.0.0/16"}},
	{Name: "hetzner-fi", Kind: NetHosting, ASN: 24940, Org: "Hetzner Online GmbH", Country: "FI", Prefixes: []string{"65.21.0.0/16"}},
	{Name: "contabo", Kind: NetHosting, ASN: 51167, Org: "Contabo GmbH", Country: "DE", Prefixes: []string{"161.97.64.0/18"}},
	// Residential proxies: home connections rented out, in many ISPs.
	{Name: "claro-br", Kind: NetResidential, ASN: 28573, Org: "Claro NXT Telecomunicacoes Ltda", Country: "BR", Prefixes: []string{"177.32.0.0/14"}},
	{Name: "vodafone-de-proxy", Kind: NetResidential, ASN: 3209, Org: "Vodafone GmbH", Country: "DE", Prefixes: []string{"94.134.0.0/15"}},
	{Name: "telefonica-es", Kind: NetResidential, ASN: 3352, Org: "TELEFONICA DE ESPANA S.A.U.", Country: "ES", Prefixes: []string{"83.32.0.0/13"}},
	{Name: "charter-us", Kind: NetResidential, ASN: 20115, Org: "Charter Communications LLC", Country: "US", Prefixes: []string{"71.80.0.0/13"}},
	{Name: "orange-fr", Kind: NetResidential, ASN: 3215, Org: "Orange S.A.", Country: "FR", Prefixes: []string{"90.16.0.0/12"}},
	{Name: "kpn-nl", Kind: NetResidential, ASN: 1136, Org: "KPN B.V.", Country: "NL", Prefixes: []string{"77.160.0.0/12"}},
}

func network(name string) *Network {
	for i := range networks {
		if networks[i].Name == name {
			return &networks[i]
		}
	}
	panic(fmt.Sprintf("scenario: no network %q", name)) // a typo in the scenario tables
}

// NetworkOf says which network of the plan holds ip; nil when none.
func NetworkOf(ip string) *Network {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	for i := range networks {
		for _, p := range networks[i].Prefixes {
			if netip.MustParsePrefix(p).Contains(a) {
				return &networks[i]
			}
		}
	}
	return nil
}

// addrIn returns a host address of n not handed out before in this world.
func (w *World) addrIn(netName string) string {
	n := network(netName)
	for {
		p := netip.MustParsePrefix(n.Prefixes[w.r.IntN(len(n.Prefixes))])
		a := p.Addr().As4()
		hostBits := 32 - p.Bits()
		v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		v += uint32(w.r.Int64N(int64(1)<<hostBits-2)) + 1
		if v&0xff == 0 || v&0xff == 255 {
			continue
		}
		ip := fmt.Sprintf("%d.%d.%d.%d", v>>24, (v>>16)&0xff, (v>>8)&0xff, v&0xff)
		if !w.usedIPs[ip] {
			w.usedIPs[ip] = true
			return ip
		}
	}
}

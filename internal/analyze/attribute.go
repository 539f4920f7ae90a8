package analyze

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// Attribution decides, for every use of a credential, whether it was its
// owner's or an attacker's. The unit is a use: one identity (an IAM user,
// root, a role's sessions — see identitySQL) acting from one source
// address. A use is judged on evidence, never on who the identity is:
//
//   - how: offensive tooling; a console sign-in without MFA by an identity
//     that always used MFA; tools (user-agent families) new to the identity;
//   - what: detections on its events (distinct rules, by level), logging or
//     monitoring weakened or an attempt to, bursts of denied calls;
//   - where: the address first seen in the account (and the case) at this
//     use, or new to the identity;
//   - lineage: credentials derived from an attacker's (expand.go);
//
// and against the identity's own history: an address and tools it had used
// for a day or more before are its routine, and routine is never counted as
// the attacker's unless lineage links it.

// verdict is what the evidence supports about a use.
type verdict int

const (
	verdictOwner    verdict = iota // routine, or nothing unusual
	verdictUnsure                  // unusual, but not enough to name an attacker
	verdictAttacker                // evidence of an attacker
)

func (v verdict) String() string {
	return [...]string{"owner", "unsure", "attacker"}[v]
}

// Weights of the evidence. A use is the attacker's with one strong clue
// (offensive tooling; a high or critical detection, logging weakened or a
// sign-in without MFA by an identity that always used it, on a use that is
// not the identity's routine) or with clues adding up to attackerAt; a use
// with some points but fewer is unsure. Triage adds the points of an
// identity's uses, and of its kill chain. One table, so that the balance
// can be read and changed in one place.
type weights struct {
	offensive float64 // calls with offensive tooling (strong)
	critical  float64 // a critical detection (strong, unless on sign-ins only)
	high      float64 // a high detection (strong, unless on sign-ins only)
	medium    float64 // a medium detection; mediums and lows add up to mediumCap
	low       float64 // a low detection
	weakens   float64 // logging or monitoring weakened, or tried (strong)
	noMFA     float64 // a console sign-in without MFA by an identity that always used it elsewhere (strong)

	newToIdentity   float64 // an address or network new to the identity, known to the account or the organisation
	newTool         float64 // tools new to the identity; a rare tool shared with the attacker's use
	newNetwork      float64 // a network the account never used (or the attacker's network for this identity)
	newAddress      float64 // an address new to the account in a network the identity uses
	placeAndTool    float64 // a new network and a new tool together
	denials         float64 // a burst of denied calls across several APIs
	sharedAddress   float64 // acting from an address the attacker used (related identities)
	hop             float64 // another network new to the account within days (hopping VPN exits)
	machine         float64 // a machine's identity, or an instance's role session, from a network not its own (strong)
	consoleNewPlace float64 // a console sign-in from a new address
	roaming         float64 // a session key used away from the workload or person it was issued to (strong)
	auditing        float64 // calls with an auditing scanner: reconnaissance as often as routine

	chainStage float64 // triage: each kill-chain stage reached in order, after the first
}

var weight = weights{
	offensive: 8, critical: 10, high: 6, medium: 2, low: 0.5,
	weakens: 6, noMFA: 6,
	newToIdentity: 1, newTool: 2,
	newNetwork: 3, newAddress: 0.5,
	placeAndTool: 2, denials: 3, sharedAddress: 3,
	hop: 3, machine: 6,
	consoleNewPlace: 1, roaming: 6, auditing: 3,
	chainStage: 1.5,
}

const (
	attackerAt = 6.0 // points that name a use the attacker's
	unsureAt   = 2.0 // points that make it worth a look
	// routineAfter is how long an identity must have used an address (and
	// its tools) before a use counts as its routine, and how much history an
	// identity or account needs before anything can be new to it.
	routineAfter = 24 * time.Hour
	// The most medium and low detections can add: volume of a medium never
	// outweighs one high.
	mediumCap = 4.0
)

// clue is one piece of evidence about a use.
type clue struct {
	kind   string // tool, detection, logging, mfa, where, denials, lineage, shared
	points float64
	strong bool
	// newPlace marks a "where" clue about a network new to the identity or
	// the account (not merely a new address in a known network).
	newPlace bool
	at       time.Time // when it was first seen
	text     string
}

// ruleHit is one detection rule's hits on a use.
type ruleHit struct {
	id, title string
	level     event.Severity
	tactics   []string
	n         int
	actions   int // of n, events that are not sign-ins
	first     time.Time
}

// use is one identity acting from one source address, in scope.
type use struct {
	identity, ip, account string
	tool                  string    // toolOf its user agents; "" for calls AWS services made
	first, last           time.Time // in scope
	histFirst             time.Time // first ever (the place scope, any time)
	events, denied        int
	deniedAPIs            int
	keys                  []string          // valid access key ids it used
	families              map[string]string // tool family → an example user agent
	offensive             int
	offensiveTool         string
	auditing              int // calls with an auditing scanner (Prowler, ScoutSuite)
	auditTool             string
	signIns               []signIn
	weakens               []string // what was weakened (or tried), with when
	weakensAt             time.Time
	hits                  map[string]*ruleHit
	benign                map[string]int // why hits were discounted → how many
	clues                 []clue
	score                 float64
	verdict               verdict
	routine               bool     // the address and every tool were the identity's for a day
	routinePlace          bool     // the address was the identity's for a day
	hopWith               []string // other new networks' addresses of the identity within days (hops)
	why                   string
}

type signIn struct {
	t       time.Time
	ip      string
	mfa     string // "Yes", "No", ""
	success bool
}

func (u *use) add(c clue) {
	u.clues = append(u.clues, c)
	u.score += c.points
}

func (u *use) strong() (bool, time.Time) {
	var at time.Time
	for _, c := range u.clues {
		if c.strong {
			at = minTime(at, c.at)
		}
	}
	return !at.IsZero(), at
}

// history is what the place scope (all time) says about identities,
// addresses and tools, for novelty and routine.
type history struct {
	identityFirst map[string]time.Time
	ipFirst       map[[2]string]time.Time // identity, ip
	famFirst      map[[2]string]time.Time // identity, tool family
	acctIPFirst   map[[2]string]time.Time // account, ip
	orgIPFirst    map[string]time.Time
	acctFirst     map[string]time.Time
	orgFirst      time.Time
	signIns       map[string][]signIn // identity → console sign-ins, in time order
	// Hourly event counts, cumulative, per identity and per account: how
	// much history lay before a moment.
	idHours, acctHours map[string]*hourly
	// network names an address's network; when each network was first
	// seen per account and per identity.
	network      func(ip string) string
	acctNetFirst map[[2]string]time.Time
	orgNetFirst  map[string]time.Time
	idNetFirst   map[[2]string]time.Time
	// byID indexes, per identity, the networks and tools it ever used.
	byID map[string]*idIndex
}

type idIndex struct{ nets, tools, ips []string }

// hourly is a running count of events by hour.
type hourly struct {
	hours []time.Time // ascending
	total []int       // events up to and including each hour
}

// before counts the events in the hours that ended by t.
func (h *hourly) before(t time.Time) int {
	if h == nil {
		return 0
	}
	i, _ := slices.BinarySearchFunc(h.hours, t.Add(-time.Hour), func(a, b time.Time) int { return a.Compare(b) })
	// hours[:i] start before t-1h, so they ended before t.
	if i == 0 {
		return 0
	}
	return h.total[i-1]
}

// Minimum history before anything can be new: an identity (or an
// account) seen for less than a day, or in a handful of events, has no
// routine to break — sparse or short logs must not make every address
// look new.
const (
	minIdentityEvents = 20
	minAccountEvents  = 200
)

// awsASNs are Amazon's autonomous systems (AWS's public ranges).
var awsASNs = map[string]bool{"AS16509": true, "AS14618": true, "AS8987": true}

// awsNetwork reports whether a network (as network names it) is AWS's: an
// AWS range from ip-ranges.json or an Amazon autonomous system.
func awsNetwork(n string) bool {
	asn, _, _ := strings.Cut(n, " ")
	return strings.HasPrefix(n, "AWS range ") || awsASNs[asn]
}

// instanceSession matches the identity of an EC2 instance's role session
// (identitySQL keeps the instance id as the session name).
var instanceSession = regexp.MustCompile(`:assumed-role/[^/]+/i-[0-9a-f]{8,17}$`)

// machineProfile is how long an identity's first activity shows whether
// it is a machine.
const machineProfile = 72 * time.Hour

// machine reports whether an identity is a machine's — a service, CI or
// vendor key — judged on its first machineProfile of activity (before an
// attacker could have changed it): at least ten events, all from at most
// two networks that are AWS's (ranges or Amazon's autonomous systems),
// with at most two programmatic tools and no console. It returns those
// networks, and whether net lies outside them.
func (h *history) machine(id, net string, t time.Time) ([]string, bool) {
	first := h.identityFirst[id]
	end := first.Add(machineProfile)
	x := h.byID[id]
	if first.IsZero() || x == nil || t.Before(end) || h.idHours[id].before(end) < 10 {
		return nil, false
	}
	var nets []string
	for _, n := range x.nets {
		if h.idNetFirst[[2]string{id, n}].Before(end) {
			if !awsNetwork(n) {
				return nil, false
			}
			nets = append(nets, n)
		}
	}
	tools := 0
	for _, tool := range x.tools {
		if h.famFirst[[2]string{id, tool}].Before(end) {
			if tool == "console" {
				return nil, false
			}
			tools++
		}
	}
	if len(nets) == 0 || len(nets) > 2 || tools == 0 || tools > 2 || slices.Contains(nets, net) {
		return nil, false
	}
	slices.Sort(nets)
	return nets, true
}

// hasHistory reports whether something seen first at first had been
// around long enough before t for anything to be new to it.
func hasHistory(first, t time.Time) bool {
	return !first.IsZero() && !first.After(t.Add(-routineAfter))
}

// identityKnown reports whether an identity had a routine before t.
func (h *history) identityKnown(id string, t time.Time) bool {
	return hasHistory(h.identityFirst[id], t) && h.idHours[id].before(t) >= minIdentityEvents
}

// accountKnown reports whether an account's addresses were known before t.
func (h *history) accountKnown(acct string, t time.Time) bool {
	return hasHistory(h.acctFirst[acct], t) && h.acctHours[acct].before(t) >= minAccountEvents
}

// judge weighs a use's evidence and decides its verdict. Clues from
// detections, tooling and logging are on u already; judge adds where and
// how, against the identity's history.
func (h *history) judge(u *use) {
	idKnown := h.identityKnown(u.identity, u.histFirst)
	h.judgePlace(u, idKnown)
	h.judgeMachine(u)
	newTools := h.judgeNewTools(u, idKnown)
	// How: console sign-ins.
	h.judgeSignIns(u, idKnown)
	h.judgeRoutine(u, len(newTools) == 0)
	u.decide()
}

// judgePlace adds the "where" clue of the use's address. The address's
// network (its AS with an ASN database, its AWS range with AWS's
// ip-ranges, else its /16) says more than the address: home and mobile
// addresses change every few days inside one network, an attacker's VPS,
// VPN or Tor exit is a network the identity and the account never used.
func (h *history) judgePlace(u *use, idKnown bool) {
	if !cloudtrail.Address(u.ip) {
		return
	}
	acctFirst := h.acctIPFirst[[2]string{u.account, u.ip}]
	net := h.network(u.ip)
	netAcct := h.acctNetFirst[[2]string{u.account, net}]
	netID := h.idNetFirst[[2]string{u.identity, net}]
	acctKnown := h.accountKnown(u.account, u.histFirst)
	switch {
	case cloudtrail.PrivateAddress(u.ip):
		// A host inside a VPC (through a VPC endpoint); workloads change
		// private addresses all day. New to the identity is all it says.
		if idKnown {
			u.add(clue{kind: "where", points: weight.newToIdentity, at: u.histFirst,
				text: fmt.Sprintf("private address %s was new to this identity at %s", u.ip, stampOf(u.histFirst))})
		}
	case acctKnown && !netAcct.IsZero() && !netAcct.Before(u.histFirst):
		if org := h.orgNetFirst[net]; org.Before(u.histFirst) {
			// The organisation's other accounts know the network (the
			// company VPN, a colleague's provider): new here only.
			u.add(clue{kind: "where", points: weight.newToIdentity + weight.newAddress, at: u.histFirst,
				text: fmt.Sprintf("%s (%s) was first seen in account %s at this use (%s), a network the case's other accounts used since %s", u.ip, net, u.account, stampOf(u.histFirst), stampOf(org))})
			break
		}
		text := fmt.Sprintf("%s (%s) was first seen in account %s at this use (%s), a network the account had never used", u.ip, net, u.account, stampOf(u.histFirst))
		if len(h.acctFirst) > 1 {
			text += ", nor any of the case's other accounts"
		}
		u.add(clue{kind: "where", points: weight.newNetwork, newPlace: true, at: u.histFirst, text: text})
	case idKnown && !netID.IsZero() && !netID.Before(u.histFirst):
		// A network colleagues use (the company VPN, the office) is the
		// organisation's: new to this identity only.
		u.add(clue{kind: "where", points: weight.newToIdentity, at: u.histFirst,
			text: fmt.Sprintf("%s (%s) was a network new to this identity at %s (the account used it since %s)", u.ip, net, stampOf(u.histFirst), stampOf(netAcct))})
	case acctKnown && !acctFirst.Before(u.histFirst):
		u.add(clue{kind: "where", points: weight.newAddress, at: u.histFirst,
			text: fmt.Sprintf("%s was first seen in the account at this use (%s), in a network this identity uses (%s)", u.ip, stampOf(u.histFirst), net)})
	}
}

// judgeMachine adds the strong clue of a machine's identity (a service or
// CI key: days of use from one or two networks with one or two
// programmatic tools), which does not roam: one used from a network the
// account never saw is someone else.
func (h *history) judgeMachine(u *use) {
	newToOrg := slices.ContainsFunc(u.clues, func(c clue) bool { return c.newPlace && c.kind == "where" })
	newToID := false
	if cloudtrail.Address(u.ip) && !cloudtrail.PrivateAddress(u.ip) {
		f := h.idNetFirst[[2]string{u.identity, h.network(u.ip)}]
		newToID = !f.Before(u.histFirst)
	}
	if instanceSession.MatchString(u.identity) && newToOrg {
		// An instance's role credentials belong on the instance: from a
		// network the account never used they were taken off it (the
		// metadata service read through SSRF, a leaked snapshot).
		u.add(clue{kind: "where", points: weight.machine, strong: true, newPlace: true, at: u.histFirst,
			text: "an EC2 instance's role session used from a network the account had never used, off the instance"})
	} else if nets, ok := h.machine(u.identity, h.network(u.ip), u.histFirst); ok && newToID && !h.orgIPFirst[u.ip].Before(u.histFirst) {
		// Even a network the organisation knows (an employee's provider)
		// is not where a machine's key belongs — unless the address itself
		// is one the organisation's people already used (an engineer
		// debugging the pipeline with its key from home).
		u.add(clue{kind: "where", points: weight.machine, strong: true, newPlace: true, at: u.histFirst,
			text: fmt.Sprintf("a machine's identity (its first days only from %s, with programmatic tools) appeared from %s", strings.Join(nets, ", "), h.network(u.ip))})
	}
}

// judgeNewTools adds the clues of tools new to a known identity (and of a
// new network with them); it returns those tools' labels.
func (h *history) judgeNewTools(u *use, idKnown bool) []string {
	if !idKnown {
		return nil
	}
	var newTools []string
	for fam, example := range u.families {
		if f := h.famFirst[[2]string{u.identity, fam}]; !f.Before(u.histFirst) {
			newTools = append(newTools, uaLabel(example))
		}
	}
	slices.Sort(newTools)
	newTools = slices.Compact(newTools)
	if len(newTools) > 0 {
		u.add(clue{kind: "tool", points: weight.newTool, at: u.histFirst, text: "tools new to this identity: " + strings.Join(newTools, ", ")})
		if slices.ContainsFunc(u.clues, func(c clue) bool { return c.newPlace }) {
			u.add(clue{kind: "place+tool", points: weight.placeAndTool, at: u.histFirst, text: "a new network and a new tool together"})
		}
	}
	return newTools
}

// judgeRoutine sets whether the use is the identity's routine: it had used
// this address, and every tool of this use (noNewTools: none new to it),
// for a day before the first strong clue — or, without one, over the use's
// own span. Novelty was judged at the use's start, so a long campaign from
// a new address stays new.
func (h *history) judgeRoutine(u *use, noNewTools bool) {
	strong, strongAt := u.strong()
	ref := u.last
	if strong {
		ref = strongAt
	}
	// The place alone: the identity used this address for a day before.
	if cloudtrail.Address(u.ip) {
		placeFirst := h.ipFirst[[2]string{u.identity, u.ip}]
		u.routinePlace = !placeFirst.IsZero() && hasHistory(placeFirst, ref) && h.idHours[u.identity].before(ref) >= minIdentityEvents
	}
	u.routine = !u.histFirst.IsZero() && hasHistory(u.histFirst, ref) && h.idHours[u.identity].before(ref) >= minIdentityEvents && noNewTools
	if u.routine {
		for fam := range u.families {
			if !hasHistory(h.famFirst[[2]string{u.identity, fam}], ref) {
				u.routine = false
			}
		}
	}
}

// judgeSignIns adds the clues of the use's console sign-ins: without MFA by
// an identity that had always used it, or from an address new to it.
func (h *history) judgeSignIns(u *use, idKnown bool) {
	for _, s := range u.signIns {
		if !s.success {
			continue
		}
		var mfaYes, mfaNo int
		for _, p := range h.signIns[u.identity] {
			if !p.t.Before(s.t) {
				break
			}
			if p.success && p.ip != u.ip {
				if p.mfa == "Yes" {
					mfaYes++
				} else {
					mfaNo++
				}
			}
		}
		if s.mfa != "Yes" && mfaYes > 0 && mfaNo == 0 {
			c := clue{kind: "mfa", points: weight.noMFA, strong: true, at: s.t,
				text: fmt.Sprintf("console sign-in without MFA at %s, while this identity's %d earlier sign-ins elsewhere all used MFA", stampOf(s.t), mfaYes)}
			// From an address the identity had already used, the lapse is
			// the owner's far more often (a remembered device, a policy
			// change): it counts, but does not name an attacker alone.
			if f := h.ipFirst[[2]string{u.identity, u.ip}]; !f.IsZero() && f.Before(s.t) {
				c.strong = false
				c.text += ", from an address this identity had used before"
			}
			u.add(c)
			return
		}
		if idKnown && cloudtrail.Address(u.ip) && slices.ContainsFunc(u.clues, func(c clue) bool { return c.newPlace }) {
			u.add(clue{kind: "mfa", points: weight.consoleNewPlace, at: s.t,
				text: fmt.Sprintf("console sign-in from this new address at %s (MFA: %s)", stampOf(s.t), orDash(s.mfa))})
			return
		}
	}
}

// decide turns the clues into a verdict and a sentence saying why.
func (u *use) decide() {
	strong, _ := u.strong()
	switch {
	case hasKind(u.clues, "lineage"):
		u.verdict = verdictAttacker
	case strong && u.routinePlace && u.offensive == 0 && !hasKind(u.clues, "roaming") && !hasKind(u.clues, "mfa"):
		// Strong detections from the identity's own address, with a tool it
		// had not used there before: an owner trying Terraform at home
		// looks like this far more often than an attacker on the owner's
		// own network. Not named; shown for review.
		u.verdict = verdictUnsure
	case strong && !u.routine:
		u.verdict = verdictAttacker
	case strong:
		// Strong clues on the identity's usual address with its usual
		// tools: an administrator's work, or a security team running its
		// scanner (Prowler, ScoutSuite) as it does every day. Not named;
		// shown for review.
		u.verdict = verdictUnsure
	case u.score >= attackerAt && u.signOfAttacker():
		u.verdict = verdictAttacker
	case u.routine:
		u.verdict = verdictOwner
	case u.score >= unsureAt:
		u.verdict = verdictUnsure
	default:
		u.verdict = verdictOwner
	}
	u.why = u.sentence()
}

// signOfAttacker reports whether clues without a strong one add up to an
// attacker: a network new to the account, with a tool new to the identity
// or a second new network within days (an attacker hopping VPNs, even one
// who copies the owner's user agent), and the use doing something that
// draws attention (a detection, denials, weakened logging). An owner
// trying a new tool from a new network, travelling, or refused a few
// calls is not an attacker on that alone.
func (u *use) signOfAttacker() bool {
	var place, tool, hop bool
	for _, c := range u.clues {
		switch {
		case c.newPlace:
			place = true
		case c.kind == "place+tool":
			tool = true
		case c.kind == "hop":
			hop = true
		}
	}
	return place && u.drawsAttention() && (tool || hop)
}

// drawsAttention reports whether a use did something a responder would
// look at: a medium or higher detection, a burst of denials, logging
// weakened.
func (u *use) drawsAttention() bool {
	return slices.ContainsFunc(u.clues, func(c clue) bool {
		return (c.kind == "detection" && c.points >= weight.medium) || c.kind == "denials" || c.kind == "logging"
	})
}

// sentence says in one line why a use is the attacker's or the owner's.
func (u *use) sentence() string {
	var parts []string
	for _, c := range u.clues {
		if c.points > 0 || c.kind == "lineage" {
			parts = append(parts, c.text)
		}
	}
	from := u.ip
	if from == "" {
		from = "no address"
	}
	switch u.verdict {
	case verdictAttacker:
		return fmt.Sprintf("the attacker's use from %s: %s", from, strings.Join(parts, "; "))
	case verdictUnsure:
		if u.routine {
			return fmt.Sprintf("not named the attacker's: %s is this identity's usual address with its usual tools, although %s", from, strings.Join(parts, "; "))
		}
		return fmt.Sprintf("not enough to name an attacker from %s: %s", from, strings.Join(parts, "; "))
	}
	if u.routine {
		return fmt.Sprintf("the owner's routine: %s and its tools were used by this identity since %s", from, stampOf(u.histFirst))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("nothing unusual from %s", from)
	}
	return fmt.Sprintf("nothing that points to an attacker from %s (%s)", from, strings.Join(parts, "; "))
}

func hasKind(cs []clue, kind string) bool {
	return slices.ContainsFunc(cs, func(c clue) bool { return c.kind == kind })
}

// addHits turns a use's detection hits into clues: each distinct rule once,
// by level, so that one high privilege escalation outweighs any volume of a
// medium; mediums and lows together add at most mediumCap.
func (u *use) addHits() {
	ids := slices.Sorted(maps.Keys(u.hits))
	sort.SliceStable(ids, func(i, j int) bool { return u.hits[ids[i]].level > u.hits[ids[j]].level })
	var minor float64
	for _, id := range ids {
		h := u.hits[id]
		c := clue{kind: "detection", at: h.first, text: fmt.Sprintf("%s detection %q (%d events)", h.level, h.title, h.n)}
		// A detection on sign-ins alone (root without MFA, failed
		// sign-ins) says how the account is kept, not who signed in:
		// it counts, but names no attacker without a sign elsewhere.
		signIns := h.actions == 0
		if signIns && h.level >= event.SeverityHigh {
			c.text += " on sign-ins only"
		}
		switch h.level {
		case event.SeverityCritical:
			c.points, c.strong = weight.critical, !signIns
		case event.SeverityHigh:
			c.points, c.strong = weight.high, !signIns
		case event.SeverityMedium, event.SeverityLow:
			p := weight.medium
			if h.level == event.SeverityLow {
				p = weight.low
			}
			c.points = min(p, mediumCap-minor)
			minor += c.points
		default:
			continue
		}
		u.add(c)
	}
}

// addTooling adds the clues of offensive tooling, logging weakened and
// denial bursts.
func (u *use) addTooling() {
	if u.offensive > 0 {
		u.add(clue{kind: "tool", points: weight.offensive, strong: true, at: u.first,
			text: fmt.Sprintf("%d calls with offensive tooling (%s)", u.offensive, u.offensiveTool)})
	}
	// A posture scanner is an attacker's reconnaissance as often as a
	// security team's routine: a clue, not proof.
	if u.auditing > 0 {
		u.add(clue{kind: "tool", points: weight.auditing, at: u.first,
			text: fmt.Sprintf("%d calls with an auditing scanner (%s)", u.auditing, u.auditTool)})
	}
	if len(u.weakens) > 0 {
		u.add(clue{kind: "logging", points: weight.weakens, strong: true, at: u.weakensAt,
			text: "logging or monitoring weakened or tried: " + strings.Join(u.weakens, "; ")})
	}
	// Denials alone are routine (about one call in a hundred fails); a
	// burst across several APIs in a use that fails often is probing —
	// unless a posture scanner made most of the calls: scanners are refused
	// by permission boundaries and SCPs as they read everything.
	if u.denied >= 5 && u.deniedAPIs >= 3 && u.denied*10 >= u.events && u.auditing*2 < u.events {
		u.add(clue{kind: "denials", points: weight.denials, at: u.first,
			text: fmt.Sprintf("%d of %d calls denied, across %d APIs", u.denied, u.events, u.deniedAPIs)})
	}
}

// uaLabel describes a user agent for sentences.
func uaLabel(ua string) string { return uaClassifier.Classify(ua).Label() }

func stampOf(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	return t.UTC().Format(time.RFC3339)
}

// toolOf is the tool a user agent stands for in attribution: its family
// (kind, name, OS: a CLI upgrade is not a new tool), except that every
// console front end (browser, sign-in, S3 or EC2 console) is one tool, and
// calls AWS services make for an identity are nobody's tool ("").
func toolOf(c useragent.Class) string {
	switch c.Kind {
	case useragent.Console:
		return "console"
	case useragent.AWSService:
		return ""
	}
	return c.Family()
}

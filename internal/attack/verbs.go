package attack

import "strings"

// NormalizeEventName strips an API-version suffix, a trailing 20YYMMDD
// optionally followed by vN, that Lambda event names carry
// (CreateFunction20150331 → CreateFunction, AddPermission20150331v2 →
// AddPermission). Other names are returned unchanged.
func NormalizeEventName(name string) string {
	end := len(name)
	// optional "v" + digits
	i := end
	for i > 0 && isDigit(name[i-1]) {
		i--
	}
	if i < end && i > 0 && name[i-1] == 'v' {
		end = i - 1
	}
	// eight digits starting with "20"
	if end < 9 {
		return name
	}
	d := name[end-8 : end]
	if d[0] != '2' || d[1] != '0' || !allDigits(d) {
		return name
	}
	base := name[:end-8]
	if base == "" || isDigit(base[len(base)-1]) {
		return name
	}
	return base
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// hasVerb tells whether name starts with the word verb: the verb is followed
// by an upper-case letter, a digit or nothing (Get matches GetObject, not
// Getaway; Add matches AddPermission, not Address).
func hasVerb(name, verb string) bool {
	if !strings.HasPrefix(name, verb) {
		return false
	}
	if len(name) == len(verb) {
		return true
	}
	b := name[len(verb)]
	return (b >= 'A' && b <= 'Z') || isDigit(b)
}

// enumerationVerbs start the names of read-only enumeration calls.
var enumerationVerbs = [...]string{"List", "Describe", "Get", "BatchGet", "Lookup", "Search"}

// IsEnumeration tells whether a call is enumeration: List*, Describe*, Get*,
// BatchGet*, Lookup*, Search*, and other calls the catalog classifies as
// Discovery only (SimulatePrincipalPolicy, GenerateCredentialReport). Reads
// of data or credentials are not enumeration, whatever their verb
// (GetObject, GetSecretValue, GetParameter, GetPasswordData, BatchGetImage,
// GetSessionToken): a name the catalog gives a tactic other than Discovery
// in any service is excluded.
func (c *Catalog) IsEnumeration(eventName string) bool {
	name := NormalizeEventName(eventName)
	enum := c.enumeration[name]
	if enum < 0 {
		return false
	}
	for _, v := range enumerationVerbs {
		if hasVerb(name, v) {
			return true
		}
	}
	return enum > 0
}

// writeVerbs start the names of calls that change state.
var writeVerbs = [...]string{
	"Create", "Put", "Update", "Delete", "Attach", "Detach", "Add", "Remove",
	"Modify", "Set", "Enable", "Disable", "Start", "Stop", "Run", "Terminate",
	"Authorize", "Revoke", "Associate", "Disassociate", "Import", "Export",
	"Tag", "Untag", "Upload", "Reset", "Change", "Replace", "Register",
	"Deregister", "Activate", "Deactivate", "Allocate", "Release", "Restore",
	"Copy", "Send", "Schedule", "Cancel", "Reboot", "Rotate", "Apply",
	"Accept", "Reject", "Leave", "Invite", "Assign", "Unassign", "Publish",
	"Purge", "Execute", "Resync", "Archive", "Provision", "Subscribe",
	"Unsubscribe", "Move", "Transfer", "Complete", "Initiate", "Confirm",
	"Retire", "Suspend", "Resume", "Upgrade", "Promote", "Failover",
	"Resize", "Share", "Unshare", "Open", "Close", "Increase", "Decrease",
}

// IsWrite tells whether a call changes state. CloudTrail's readOnly field is
// the authority when present; otherwise the verb decides (Create, Put,
// Update, Delete, Attach, …; BatchDelete and other Batch verbs by the verb
// after Batch).
func (c *Catalog) IsWrite(eventName string, readOnly *bool) bool {
	if readOnly != nil {
		return !*readOnly
	}
	name := NormalizeEventName(eventName)
	if rest, ok := strings.CutPrefix(name, "Batch"); ok && rest != "" && hasVerb(name, "Batch") {
		name = rest
	}
	for _, v := range writeVerbs {
		if hasVerb(name, v) {
			return true
		}
	}
	return false
}

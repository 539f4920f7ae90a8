package scenario

import (
	"fmt"
	"time"
)

var (
	companies  = []string{"northwind", "bluefin", "kestrel", "lumenary", "pallas", "corvid", "tidewater", "alder"}
	firstNames = []string{"anna", "jonas", "lea", "felix", "marta", "tomas", "sofia", "david", "ines", "lukas", "clara", "niklas", "rita", "oskar", "emma", "paul", "julia", "ben", "noor", "samir"}
	lastNames  = []string{"weber", "schmidt", "costa", "novak", "berger", "lindqvist", "moreau", "keller", "santos", "fischer", "horvat", "meyer", "brandt", "silva", "wagner"}
	homes      = []string{"eu-central-1", "eu-west-1", "us-east-1"}
	cet        = time.FixedZone("CET", 3600)
	wet        = time.FixedZone("WET", 0)
	est        = time.FixedZone("EST", -5*3600)
)

// NewWorld builds the organisation: an identity (management) account with
// IAM Identity Center, a production and a development account, and the
// people, machines and services that use them.
func NewWorld(o Options) *World {
	if o.Days == 0 {
		o.Days = 14
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.DataEvents == "" {
		o.DataEvents = "selected"
	}
	w := &World{opts: o, r: newRnd(o.Seed, 0x5ce7a210), usedIPs: map[string]bool{}, usedKeys: map[string]bool{}}
	w.Start = o.Start
	w.End = o.Start.AddDate(0, 0, o.Days)
	w.Company = w.r.pick(companies)
	w.Org = "o-" + w.r.str(10, lowerDigits)
	w.Home = w.r.pick(homes)
	ident := w.newAccount("identity")
	prod := w.newAccount("prod")
	dev := w.newAccount("dev")
	w.buildResources(prod)
	w.buildResources(dev)
	ident.Buckets = []*Bucket{{Name: ident.TrailBucket, Kind: "trail", Prefixes: []string{"AWSLogs/"}, Region: ident.Region},
		{Name: w.Company + "-identity-admin", Kind: "app", Prefixes: []string{"scripts/"}, Region: ident.Region}}
	w.buildPeople(prod, dev)
	w.buildServiceUsers(prod, dev)
	w.buildRoles(ident, prod, dev)
	return w
}

func (w *World) newAccount(kind string) *Account {
	a := &Account{ID: w.r.accountID(), Alias: w.Company + "-" + kind, Kind: kind, Region: w.Home}
	a.Root = &User{Account: a, Tags: map[string]bool{"root": true}}
	a.Trail = w.Company + "-org-trail"
	a.TrailBucket = "aws-cloudtrail-logs-" + a.ID + "-" + w.r.str(8, lowerDigits)
	w.Accounts = append(w.Accounts, a)
	return a
}

func (w *World) buildResources(a *Account) {
	env := a.Kind
	mk := func(kind, name string, data bool, prefixes ...string) {
		b := &Bucket{Name: name, Kind: kind, Prefixes: prefixes, Region: a.Region}
		switch w.opts.DataEvents {
		case "all":
			b.DataEvents = true
		case "selected":
			b.DataEvents = data
		}
		a.Buckets = append(a.Buckets, b)
	}
	mk("data", fmt.Sprintf("%s-%s-customer-data", w.Company, env), true, "exports/", "customers/", "invoices/")
	mk("reports", fmt.Sprintf("%s-%s-reports", w.Company, env), true, "daily/", "monthly/")
	mk("app", fmt.Sprintf("%s-%s-app-assets-%s", w.Company, env, w.r.str(6, lowerDigits)), false, "static/", "uploads/")
	mk("artifacts", fmt.Sprintf("%s-%s-build-artifacts", w.Company, env), false, "releases/", "lambda/")
	mk("state", fmt.Sprintf("%s-%s-terraform-state", w.Company, env), false, "env/")
	mk("backup", fmt.Sprintf("%s-%s-backups", w.Company, env), true, "db/", "files/")
	mk("trail", a.TrailBucket, false, "AWSLogs/")
	for _, app := range []string{"orders", "billing", "notifier", "ingest"} {
		a.Secrets = append(a.Secrets, fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s/%s/db-credentials-%s", a.Region, a.ID, env, app, w.r.str(6, alnum)))
		a.Params = append(a.Params, fmt.Sprintf("/%s/%s/config", env, app))
	}
	a.Secrets = append(a.Secrets, fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s/stripe/api-key-%s", a.Region, a.ID, env, w.r.str(6, alnum)))
	for i := 0; i < 3; i++ {
		a.KMSKeys = append(a.KMSKeys, w.r.uuid())
	}
	a.VPC = "vpc-0" + w.r.str(16, hexLower)
	for i := 0; i < 3; i++ {
		a.Subnets = append(a.Subnets, "subnet-0"+w.r.str(16, hexLower))
		a.SecurityGroups = append(a.SecurityGroups, "sg-0"+w.r.str(16, hexLower))
	}
	awsNet := "aws-" + w.Home
	a.NATIPs = []string{w.addrIn(awsNet), w.addrIn(awsNet)}
}

// buildPeople creates the engineers, each with the IAM users and
// Identity Center roles of their job.
func (w *World) buildPeople(prod, dev *Account) {
	office := w.addrIn("office-fibre")
	vpn := w.addrIn("corp-vpn")
	for i, p := range w.personas() {
		pe := w.newPerson(i, p, office, vpn)
		w.People = append(w.People, pe)
		w.giveIAMUsers(pe, i, p.job, prod, dev)
		pe.SSORoles = ssoRoles(p.job)
	}
	dropOneDeveloperMFA(prod)
}

// persona is the shape of one engineer: job, laptop, home network,
// browser, time zone, office habit and working hours.
type persona struct {
	job, os, homeNet, browser string
	tz                        *time.Location
	office                    bool
	start, end                int
}

// personas are the organisation's engineers; legacy worlds give them the
// browsers of their year.
func (w *World) personas() []persona {
	ps := []persona{
		{"platform", "mac", "telekom-de", chromeMac, cet, true, 8, 18},
		{"developer", "linux", "vodafone-de", firefoxLin, cet, true, 9, 19},
		{"developer", "windows", "meo-pt", edgeWin, wet, false, 9, 18},
		{"data", "mac", "telekom-de", safariMac, cet, true, 8, 17},
		{"security", "mac", "bt-uk", chromeMac, wet, false, 8, 17},
		{"developer", "mac", "comcast-us", chromeMac, est, false, 9, 18},
	}
	if w.opts.Legacy {
		for i := range ps {
			ps[i].browser = []string{chromeOld, firefoxOld}[i%2]
		}
	}
	return ps
}

// newPerson draws the i-th engineer's name, addresses and identity-center
// id, and gives them the tools of their laptop.
func (w *World) newPerson(i int, p persona, office, vpn string) *Person {
	first := firstNames[(w.r.IntN(len(firstNames))+i*7)%len(firstNames)]
	last := lastNames[w.r.IntN(len(lastNames))]
	pe := &Person{First: first, Last: last, Email: first + "." + last + "@" + w.Company + ".io", Job: p.job, TZ: p.tz,
		HomeNet: p.homeNet, CLI: personCLI(p.os, w.opts.Legacy), Browser: p.browser, StartHour: p.start, EndHour: p.end, VPN: vpn,
		Mobile: w.addrIn("o2-mobile-de"), OfficeDays: map[time.Weekday]bool{}, idcUserID: w.r.uuid()}
	pe.Homes = []string{w.addrIn(p.homeNet), w.addrIn(p.homeNet), w.addrIn(p.homeNet)}
	if p.job == "developer" && p.os == "windows" {
		pe.DevBox = w.addrIn("aws-" + w.Home)
	}
	if p.office {
		pe.Office = office
		pe.OfficeDays[time.Tuesday], pe.OfficeDays[time.Wednesday], pe.OfficeDays[time.Thursday] = true, true, true
	}
	pe.Terraform = personTerraform(p.os, w.opts.Legacy)
	return pe
}

// personCLI is the AWS CLI of a laptop's operating system.
func personCLI(os string, legacy bool) Tool {
	if legacy {
		switch os {
		case "mac":
			return awsCLI2Old("2.2.14", "3.8.8", "Darwin/20.5.0", "exe/x86_64")
		case "linux":
			return awsCLI2Old("2.2.10", "3.8.8", "Linux/5.8.0-55-generic", "exe/x86_64.ubuntu.20")
		}
		return awsCLI2Old("2.2.5", "3.8.8", "Windows/10", "exe/AMD64")
	}
	switch os {
	case "mac":
		return awsCLI2("2.22.35", "0.23.4", "macos", "24.2.0", "arm64", "3.12.6", "exe", "")
	case "linux":
		return awsCLI2("2.22.21", "0.23.4", "linux", "6.8.0-49-generic", "x86_64", "3.12.6", "exe", "ubuntu.24")
	}
	return awsCLI2("2.21.3", "0.22.0", "windows", "10", "x86_64", "3.12.6", "msi", "")
}

// personTerraform is Terraform as built for a laptop's operating system.
func personTerraform(os string, legacy bool) Tool {
	goos, arch := "darwin", "arm64"
	if os != "mac" {
		goos, arch = os, "amd64"
	}
	if legacy {
		return Tool{Name: "terraform/1.0.1", ua: func(service, op string) string {
			return "APN/1.0 HashiCorp/1.0 Terraform/1.0.1 (+https://www.terraform.io) terraform-provider-aws/3.47.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.38.68 (go1.16; " + goos + "; " + arch + ")"
		}}
	}
	return terraform("1.9.8", "5.78.0", "1.32.4", goos, arch)
}

// giveIAMUsers gives the i-th engineer IAM users with long-term keys in
// prod and dev: the older habit, kept by the platform, data and some
// developers; everyone signs in through Identity Center for the console.
func (w *World) giveIAMUsers(pe *Person, i int, job string, prod, dev *Account) {
	switch job {
	case "platform", "data", "developer":
	default:
		return
	}
	if job == "developer" && i == 5 {
		return
	}
	name := pe.First + "." + pe.Last
	u := w.addUser(prod, name, "human", job)
	u.Person, u.Console, u.MFA = pe, true, true
	w.newKey(u, w.Start.AddDate(0, -8-w.r.IntN(12), 0))
	pe.User = u
	du := w.addUser(dev, name, "human", job)
	du.Person, du.Console, du.MFA = pe, true, true
	w.newKey(du, w.Start.AddDate(0, -6-w.r.IntN(12), 0))
	pe.DevUser = du
}

// ssoRoles are the Identity Center permission sets of a job.
func ssoRoles(job string) []string {
	switch job {
	case "platform":
		return []string{"AdministratorAccess"}
	case "security":
		return []string{"SecurityAudit", "AdministratorAccess"}
	case "data":
		return []string{"ReadOnlyAccess"}
	}
	return []string{"PowerUserAccess", "ReadOnlyAccess"}
}

// dropOneDeveloperMFA takes MFA off one developer's console user: the
// habit phishing finds.
func dropOneDeveloperMFA(prod *Account) {
	for _, u := range prod.Users {
		if u.Tags["developer"] {
			u.MFA = false
			u.Tags["no-mfa"] = true
			break
		}
	}
}

func (w *World) buildServiceUsers(prod, dev *Account) {
	runnerNet := "aws-" + w.Home
	ci := w.addUser(prod, "ci-deploy", "ci", "service")
	w.newKey(ci, w.Start.AddDate(-1, -2, 0))
	ci.Tags["runner:"+w.addrIn(runnerNet)] = true
	ci.Tags["runner:"+w.addrIn(runnerNet)] = true
	backup := w.addUser(prod, "backup-operator", "backup", "service")
	w.newKey(backup, w.Start.AddDate(-2, 0, 0))
	bi := w.addUser(prod, "bi-reader", "bi", "service")
	w.newKey(bi, w.Start.AddDate(0, -7, 0))
	bi.Tags["saas:"+w.addrIn("aws-us-east-1")] = true
	bi.Tags["saas:"+w.addrIn("aws-us-east-1")] = true
	tf := w.addUser(prod, "terraform-admin", "terraform", "service")
	w.newKey(tf, w.Start.AddDate(0, -14, 0))
	bg := w.addUser(prod, "breakglass-admin", "breakglass")
	bg.Console, bg.MFA = true, true
	mon := w.addUser(prod, "grafana-cloudwatch", "monitoring", "service")
	w.newKey(mon, w.Start.AddDate(0, -9, 0))
	mon.Tags["saas:"+w.addrIn("aws-us-east-1")] = true
	dci := w.addUser(dev, "ci-deploy", "ci", "service")
	w.newKey(dci, w.Start.AddDate(0, -10, 0))
	dci.Tags["runner:"+w.addrIn(runnerNet)] = true
}

func (w *World) buildRoles(ident, prod, dev *Account) {
	ssoRegion := w.Home
	for _, a := range []*Account{ident, prod, dev} {
		for _, ps := range []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "SecurityAudit"} {
			w.addRole(a, "AWSReservedSSO_"+ps+"_"+w.r.str(16, hexLower), "aws-reserved/sso.amazonaws.com/"+ssoRegion+"/", "sso", "")
		}
		w.addRole(a, "OrganizationAccountAccessRole", "", "xacct", "")
		w.addRole(a, "AWSServiceRoleForConfig", "aws-service-role/config.amazonaws.com/", "service", "config.amazonaws.com")
	}
	for _, a := range []*Account{prod, dev} {
		awsNet := "aws-" + w.Home
		web := w.addRole(a, a.Kind+"-web-ec2", "", "ec2", "ec2.amazonaws.com")
		worker := w.addRole(a, a.Kind+"-worker-ec2", "", "ec2", "ec2.amazonaws.com")
		nWeb := 2
		if a.Kind == "dev" {
			nWeb = 1
		}
		for i := 0; i < nWeb; i++ {
			in := &Instance{ID: "i-0" + w.r.str(16, hexLower), Role: web, PublicIP: w.addrIn(awsNet), Tool: staticTool("aws-sdk-java/2.28.16", javaAppUA)}
			web.Instances = append(web.Instances, in)
			a.Instances = append(a.Instances, in)
		}
		in := &Instance{ID: "i-0" + w.r.str(16, hexLower), Role: worker, PublicIP: a.NATIPs[0], Tool: boto3("1.35.36", "1.35.36", "linux", "6.1.109-118.189.amzn2023.x86_64", "3.11.10", "")}
		worker.Instances = append(worker.Instances, in)
		a.Instances = append(a.Instances, in)
		for _, fn := range []string{"orders-api", "invoice-renderer", "webhook-dispatcher", "nightly-report"} {
			ro := w.addRole(a, a.Kind+"-"+fn+"-role", "service-role/", "lambda", "lambda.amazonaws.com")
			a.Functions = append(a.Functions, &Function{Name: a.Kind + "-" + fn, Role: ro, Runtime: "python3.12"})
		}
		w.addRole(a, "github-actions-deploy", "", "oidc", "")
		w.addRole(a, "cspm-vendor-readonly", "", "scanner", "")
		w.addRole(a, "AWSBackupDefaultServiceRole", "service-role/", "backup", "backup.amazonaws.com")
	}
	w.addRole(prod, "deploy-from-dev", "", "xdeploy", "")
	w.addRole(prod, "ops-automation", "", "automation", "lambda.amazonaws.com")
}

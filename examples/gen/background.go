package main

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// world holds the account's principals and resources.
type world struct {
	ciDeploy, harper, biReporting *user

	infraAdmin, ordersTask, orderProc, euExport, datadog, config, ssoAdmin, ssoRead *role

	ddPrincipal  string // Datadog's own role session principal (their account)
	ddExternalID string

	kmsKey    map[string]string // region -> key ARN
	vpc       map[string]string // region -> VPC id
	subnets   map[string][]string
	sgs       map[string][]string // region -> security groups
	sgBastion string
	instances map[string][]string
	secrets   []string // ARNs, us-east-1
	ecsTasks  []string
}

const (
	ddAccount = "464622532012" // the AWS account Datadog's integration assumes roles from

	bktCustomer  = "acme-prod-customer-data"
	bktOrders    = "acme-order-archive"
	bktAnalytics = "acme-analytics-exports"
	bktArtifacts = "acme-ci-artifacts-493812077610"
	bktEU        = "acme-eu-analytics"

	ciIP        = "44.207.93.118" // Elastic IP of the self-hosted CI runner
	officeIP    = "203.0.113.45"  // office egress (documentation range)
	remoteIP    = "198.51.100.23" // an engineer working remotely (documentation range)
	onPremIP    = "192.0.2.117"   // on-premises reporting server (documentation range)
	natUS       = "52.7.118.204"  // NAT gateway, us-east-1
	vpceS3US    = "vpce-0a7c3e51d2b9f4e86"
	vpceSecrets = "vpce-04b1d8e2f6a9c3571"

	tfUABase  = "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64"
	ciCLIBase = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/"
	ddUA      = "aws-sdk-go/1.50.8 (go1.21.6; linux; amd64)"
	ecsUA     = "aws-sdk-java/2.25.11 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS Java/21.0.2 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy"
	lambdaUA  = "Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#5.10.209-222.844.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.34"
	biUA      = "aws-sdk-java/2.20.162 Linux/4.18.0-513.11.1.el8_9.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Red_Hat__Inc. io/sync http/Apache cfg/retry-mode/legacy"
	chromeMac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	firefoxW  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0"
	edgeWin   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.80"
	s3Console = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.660 Linux/5.10.213-179.855.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard]"
)

func tfUA(api string) string { return tfUABase + " api/" + api }

func (g *gen) newWorld() world {
	w := world{
		kmsKey:    map[string]string{},
		vpc:       map[string]string{},
		subnets:   map[string][]string{},
		sgs:       map[string][]string{},
		instances: map[string][]string{},
	}
	u := func(name string, withKey bool) *user {
		x := &user{name: name, id: g.keyID("AIDA")}
		if withKey {
			x.key = g.keyID("AKIA")
		}
		return x
	}
	r := func(name, path string) *role { return &role{name: name, path: path, id: g.keyID("AROA")} }
	w.ciDeploy = u("ci-deploy", true)
	w.harper = u("j.harper", false)
	w.biReporting = u("bi-reporting", true)
	w.infraAdmin = r("infra-admin", "/")
	w.ordersTask = r("orders-api-task-role", "/")
	w.orderProc = r("order-processor-role", "/service-role/")
	w.euExport = r("eu-gdpr-export-role", "/service-role/")
	w.datadog = r("DatadogIntegrationRole", "/")
	w.config = r("AWSServiceRoleForConfig", "/aws-service-role/config.amazonaws.com/")
	w.ssoAdmin = r("AWSReservedSSO_AdministratorAccess_3f1a9c0d2b7e8f45", "/aws-reserved/sso.amazonaws.com/")
	w.ssoRead = r("AWSReservedSSO_ReadOnlyAccess_8b24e6f1c09d3a57", "/aws-reserved/sso.amazonaws.com/")
	w.ddPrincipal = g.awsID("AROA", 464622532012) + ":" + "datadog-aws-crawler"
	w.ddExternalID = g.hex(32)
	for _, region := range regions {
		w.kmsKey[region] = "arn:aws:kms:" + region + ":" + acct + ":key/" + g.uuid()
		w.vpc[region] = "vpc-0" + g.hex(16)
		for i := 0; i < 3; i++ {
			w.subnets[region] = append(w.subnets[region], "subnet-0"+g.hex(16))
			w.sgs[region] = append(w.sgs[region], "sg-0"+g.hex(16))
		}
		n := 4
		if region == euWest1 {
			n = 2
		}
		for i := 0; i < n; i++ {
			w.instances[region] = append(w.instances[region], "i-0"+g.hex(16))
		}
	}
	w.sgBastion = w.sgs[usEast1][2]
	for _, s := range []string{"prod/orders-api/db-credentials", "prod/payments/stripe-api-key", "prod/ci/github-deploy-token", "prod/datadog/api-key"} {
		w.secrets = append(w.secrets, "arn:aws:secretsmanager:us-east-1:"+acct+":secret:"+s+"-"+g.alnum(6))
	}
	w.ecsTasks = []string{g.hex(32), g.hex(32)}
	return w
}

// diurnal is the relative load at t: quiet at night, peaking in the New
// York working day (about 17:30 UTC).
func diurnal(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	d := (h - 17.5) / 4.0
	return 0.25 + 1.2*math.Exp(-d*d)
}

// poissonWindows calls fn at Poisson arrival times, rate(t) events per
// 5-minute window, in time order.
func (g *gen) poissonWindows(rate func(t time.Time) float64, fn func(t time.Time)) {
	for w := dayStart; w.Before(dayEnd); w = w.Add(5 * time.Minute) {
		n := g.poisson(rate(w))
		offs := make([]int, n)
		for i := range offs {
			offs[i] = g.r.IntN(300)
		}
		sort.Ints(offs)
		for _, s := range offs {
			fn(w.Add(time.Duration(s) * time.Second))
		}
	}
}

func (g *gen) background() {
	g.datadogCrawler()
	g.awsConfig()
	g.ordersAPI()
	g.orderProcessor()
	g.euExport()
	g.trailService()
	g.ciDeploy()
	g.ssoHumans()
	g.harperConsole()
	g.biReporting()
}

// api is a read call an actor makes, with its request parameters.
type api struct {
	src, name string
	req       func(region string) any
}

func nilReq(string) any { return nil }

// ---------------------------------------------------------------------------
// Datadog's AWS integration: a cross-account role crawled every 30 minutes.

func (g *gen) datadogCrawler() {
	w := &g.w
	ips := []string{"3.233.147.16", "3.233.151.89", "44.192.28.150", "3.233.158.72"}
	p := &pool{role: w.datadog, period: time.Hour, name: func() string { return "DatadogAWSIntegration" }}
	p.assume = func(t time.Time, s *session) {
		g.emit(call{t: t, region: usEast1, ident: o("type", "AWSAccount", "principalId", w.ddPrincipal, "accountId", ddAccount),
			ip: ips[g.r.IntN(len(ips))], ua: ddUA, src: "sts.amazonaws.com", name: "AssumeRole",
			req:  o("roleArn", s.role.arn(), "roleSessionName", s.name, "externalId", w.ddExternalID, "durationSeconds", 3600),
			resp: g.assumeResp(s), ro: true, res: roleRes(s.role), shared: true}, "")
	}
	metric := func(ns, name, dimName, dimVal string) func(string) any {
		return func(string) any {
			return o("metricDataQueries", []obj{o("id", "m0", "metricStat", o("metric", o("namespace", ns, "metricName", name,
				"dimensions", []obj{o("name", dimName, "value", dimVal)}), "period", 60, "stat", "Average"), "returnData", true)},
				"startTime", "", "endTime", "")
		}
	}
	rotating := []api{
		{"ec2.amazonaws.com", "DescribeInstances", func(string) any {
			return o("instancesSet", o(), "filterSet", o(), "maxResults", 1000)
		}},
		{"lambda.amazonaws.com", "ListFunctions20150331", nilReq},
		{"monitoring.amazonaws.com", "ListMetrics", func(string) any { return o("namespace", "AWS/EC2") }},
		{"tagging.amazonaws.com", "GetResources", func(string) any {
			return o("paginationToken", "", "resourcesPerPage", 100, "resourceTypeFilters", []string{"ec2:instance"})
		}},
		{"rds.amazonaws.com", "DescribeDBInstances", func(string) any { return o("maxRecords", 100) }},
		{"elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers", func(string) any { return o("pageSize", 400) }},
		{"monitoring.amazonaws.com", "DescribeAlarms", func(string) any { return o("maxRecords", 100) }},
		{"ec2.amazonaws.com", "DescribeVolumes", func(string) any {
			return o("volumeSet", o(), "filterSet", o(), "maxResults", 500)
		}},
		{"sqs.amazonaws.com", "ListQueues", nilReq},
		{"ec2.amazonaws.com", "DescribeSecurityGroups", func(string) any {
			return o("securityGroupSet", o(), "securityGroupIdSet", o(), "filterSet", o())
		}},
	}
	metrics := []func(string) any{
		metric("AWS/Lambda", "Invocations", "FunctionName", "order-processor"),
		metric("AWS/ECS", "CPUUtilization", "ClusterName", "prod"),
		metric("AWS/S3", "NumberOfObjects", "BucketName", bktCustomer),
		metric("AWS/Lambda", "Duration", "FunctionName", "eu-gdpr-export"),
	}
	idx := map[string]int{}
	for crawl := dayStart.Add(7 * time.Minute); crawl.Before(dayEnd); crawl = crawl.Add(30 * time.Minute) {
		for _, region := range regions {
			t := crawl.Add(g.jitter(0, 90))
			s := g.sess(p, t)
			n := 3
			if region == euWest1 {
				n = 2
			}
			do := func(a api) {
				req := a.req(region)
				if m, ok := req.(obj); ok && a.name == "GetMetricData" {
					m[1].v = javaTime(t.Add(-20 * time.Minute))
					m[2].v = javaTime(t)
				}
				g.emit(call{t: t, region: region, ident: s.ident(), ip: ips[g.r.IntN(len(ips))], ua: ddUA,
					src: a.src, name: a.name, req: req, ro: true, errProne: true}, "")
				t = t.Add(g.jitter(0, 3))
			}
			do(api{"monitoring.amazonaws.com", "GetMetricData", metrics[g.r.IntN(len(metrics))]})
			for i := 1; i < n; i++ {
				do(rotating[idx[region]%len(rotating)])
				idx[region]++
			}
		}
	}
}

// ---------------------------------------------------------------------------
// AWS Config recording resource changes through its service-linked role.

func (g *gen) awsConfig() {
	w := &g.w
	reads := []api{
		{"ec2.amazonaws.com", "DescribeInstances", func(r string) any {
			return o("instancesSet", o("items", []obj{o("instanceId", w.instances[r][g.r.IntN(len(w.instances[r]))])}), "filterSet", o())
		}},
		{"ec2.amazonaws.com", "DescribeSecurityGroups", func(r string) any {
			return o("securityGroupSet", o(), "securityGroupIdSet", o("items", []obj{o("groupId", w.sgs[r][g.r.IntN(3)])}), "filterSet", o())
		}},
		{"ec2.amazonaws.com", "DescribeVpcs", func(r string) any {
			return o("vpcSet", o("items", []obj{o("vpcId", w.vpc[r])}), "filterSet", o())
		}},
		{"ec2.amazonaws.com", "DescribeSubnets", func(r string) any {
			return o("subnetSet", o("items", []obj{o("subnetId", w.subnets[r][g.r.IntN(3)])}), "filterSet", o())
		}},
		{"ec2.amazonaws.com", "DescribeNetworkInterfaces", func(string) any { return o("networkInterfaceIdSet", o(), "filterSet", o()) }},
		{"ec2.amazonaws.com", "DescribeVolumes", func(string) any { return o("volumeSet", o(), "filterSet", o()) }},
		{"lambda.amazonaws.com", "GetFunction20150331v2", func(r string) any {
			if r == euWest1 {
				return o("functionName", "eu-gdpr-export")
			}
			return o("functionName", "order-processor")
		}},
		{"kms.amazonaws.com", "DescribeKey", func(r string) any { return o("keyId", w.kmsKey[r]) }},
	}
	global := []api{
		{"iam.amazonaws.com", "GetRole", func(string) any { return o("roleName", w.ordersTask.name) }},
		{"iam.amazonaws.com", "ListAttachedRolePolicies", func(string) any { return o("roleName", w.infraAdmin.name) }},
		{"iam.amazonaws.com", "GetUser", func(string) any { return o("userName", w.ciDeploy.name) }},
		{"iam.amazonaws.com", "ListAttachedUserPolicies", func(string) any { return o("userName", w.biReporting.name) }},
	}
	for _, region := range regions {
		p := &pool{role: w.config, period: 6 * time.Hour, name: func() string { return "AWSConfig-Describe" }, invokedBy: "config.amazonaws.com"}
		p.assume = func(t time.Time, s *session) { g.svcAssume(region, "config.amazonaws.com", t, s) }
		rate := 0.55
		if region == euWest1 {
			rate = 0.3
		}
		g.poissonWindows(func(time.Time) float64 { return rate }, func(t time.Time) {
			s := g.sess(p, t)
			a := reads[g.r.IntN(len(reads))]
			if region == usEast1 && g.r.IntN(4) == 0 {
				a = global[g.r.IntN(len(global))]
			}
			g.emit(call{t: t, region: region, ident: s.ident(), ip: "config.amazonaws.com", ua: "config.amazonaws.com",
				src: a.src, name: a.name, req: a.req(region), ro: true, noTLS: true}, "")
		})
	}
}

// ---------------------------------------------------------------------------
// The orders API on ECS Fargate: reads customer profiles, archives orders.

func (g *gen) ordersAPI() {
	w := &g.w
	ips := []string{"10.20.12.47", "10.20.14.201"}
	pools := make([]*pool, 2)
	for i := range pools {
		task := w.ecsTasks[i]
		pools[i] = &pool{role: w.ordersTask, period: 6 * time.Hour, name: func() string { return task }}
		pools[i].assume = func(t time.Time, s *session) { g.svcAssume(usEast1, "ecs-tasks.amazonaws.com", t, s) }
	}
	g.poissonWindows(func(t time.Time) float64 { return 1.5 * diurnal(t) }, func(t time.Time) {
		i := g.r.IntN(2)
		s := g.sess(pools[i], t)
		c := call{t: t, region: usEast1, ident: s.ident(), ip: ips[i], ua: ecsUA, tls12: true, vpce: vpceS3US}
		switch x := g.r.IntN(100); {
		case x < 80:
			key := fmt.Sprintf("customers/%06d/profile.json", 100000+g.r.IntN(400000))
			g.emit(g.getObject(c, bktCustomer, key, 900+g.r.IntN(5200), "Default_SSE_S3"), "")
		case x < 97:
			key := fmt.Sprintf("orders/%s/ord-%08d.json", t.Format("2006/01/02"), g.r.IntN(100000000))
			g.emit(g.putObject(c, bktOrders, key, 1200+g.r.IntN(3000), "aws:kms"), "")
			if g.r.IntN(3) == 0 {
				g.kmsVia(t, usEast1, s.ident(), "AWS Internal", "GenerateDataKey", o("aws:s3:arn", "arn:aws:s3:::"+bktOrders), "")
			}
		default:
			c.vpce = vpceSecrets
			c.src, c.name, c.ro = "secretsmanager.amazonaws.com", "GetSecretValue", true
			c.req = o("secretId", w.secrets[0])
			c.res = nil
			g.emit(c, "")
			g.kmsVia(t, usEast1, s.ident(), "secretsmanager.amazonaws.com", "Decrypt",
				o("SecretARN", w.secrets[0], "SecretVersionId", g.uuid()), "")
		}
	})
}

// ---------------------------------------------------------------------------
// The order-processor Lambda function (us-east-1, in the VPC).

func (g *gen) orderProcessor() {
	w := &g.w
	p := &pool{role: w.orderProc, period: 2 * time.Hour, name: func() string { return "order-processor" },
		ip: func() string { return fmt.Sprintf("10.20.%d.%d", 32+g.r.IntN(3), 10+g.r.IntN(240)) }}
	p.assume = func(t time.Time, s *session) { g.svcAssume(usEast1, "lambda.amazonaws.com", t, s) }
	g.poissonWindows(func(t time.Time) float64 { return 0.8 * diurnal(t) }, func(t time.Time) {
		s := g.sess(p, t)
		c := call{t: t, region: usEast1, ident: s.ident(), ip: s.ip, ua: lambdaUA, vpce: vpceS3US}
		key := fmt.Sprintf("processed/%s/ord-%08d.json", t.Format("2006/01/02"), g.r.IntN(100000000))
		g.emit(g.putObject(c, bktOrders, key, 2000+g.r.IntN(6000), "aws:kms"), "")
		if g.r.IntN(10) < 3 {
			g.kmsVia(t, usEast1, s.ident(), "AWS Internal", "GenerateDataKey", o("aws:s3:arn", "arn:aws:s3:::"+bktOrders), "")
		}
	})
}

// ---------------------------------------------------------------------------
// The eu-gdpr-export Lambda function (eu-west-1, hourly schedule, no VPC).

func (g *gen) euExport() {
	w := &g.w
	p := &pool{role: w.euExport, period: 2 * time.Hour, name: func() string { return "eu-gdpr-export" },
		ip: func() string {
			pre := []string{"34.245", "34.246", "52.16", "54.73"}
			return fmt.Sprintf("%s.%d.%d", pre[g.r.IntN(len(pre))], g.r.IntN(256), 1+g.r.IntN(254))
		}}
	p.assume = func(t time.Time, s *session) { g.svcAssume(euWest1, "lambda.amazonaws.com", t, s) }
	for h := dayStart; h.Before(dayEnd); h = h.Add(time.Hour) {
		t := h.Add(7*time.Minute + g.jitter(0, 40))
		s := g.sess(p, t)
		c := call{t: t, region: euWest1, ident: s.ident(), ip: s.ip, ua: lambdaUA}
		day := t.Add(-24 * time.Hour).Format("2006-01-02")
		g.emit(g.listObjects(c, bktEU, "requests/"+day+"/"), "")
		for i, n := 0, 1+g.r.IntN(3); i < n; i++ {
			t = t.Add(g.jitter(1, 4))
			c.t = t
			key := fmt.Sprintf("requests/%s/req-%06d.json", day, g.r.IntN(1000000))
			g.emit(g.getObject(c, bktEU, key, 400+g.r.IntN(3000), "Default_SSE_KMS"), "")
			if g.r.IntN(2) == 0 {
				g.kmsVia(t, euWest1, s.ident(), "AWS Internal", "Decrypt", o("aws:s3:arn", "arn:aws:s3:::"+bktEU), "")
			}
		}
	}
}

// ---------------------------------------------------------------------------
// CloudTrail checking its bucket's ACL before delivering.

func (g *gen) trailService() {
	for h := dayStart; h.Before(dayEnd); h = h.Add(time.Hour) {
		t := h.Add(g.jitter(60, 3500))
		host := s3Host(trailBkt, usEast1)
		g.emit(call{t: t, region: usEast1, ident: o("type", "AWSService", "invokedBy", "cloudtrail.amazonaws.com"),
			ip: "cloudtrail.amazonaws.com", ua: "cloudtrail.amazonaws.com", src: "s3.amazonaws.com", name: "GetBucketAcl",
			req: o("bucketName", trailBkt, "Host", host, "acl", ""), add: g.s3Add("ECDHE-RSA-AES128-GCM-SHA256", 0, 552, ""),
			ro: true, res: bucketRes(trailBkt), noTLS: true, shared: true}, "")
	}
}

// ---------------------------------------------------------------------------
// ci-deploy: the CI runner's IAM user. Its long-term key calls
// GetCallerIdentity, assumes infra-admin for Terraform, uploads artifacts
// and rolls the ECS service; always from the runner's Elastic IP.

type ciRun struct {
	at    time.Time
	apply bool
}

func (g *gen) ciDeploy() {
	d1, d2 := dayStart, dayStart.Add(24*time.Hour)
	runs := []ciRun{
		{d1.Add(6*time.Hour + 0*time.Minute + 12*time.Second), false},
		{d1.Add(14*time.Hour + 37*time.Minute + 3*time.Second), true},
		{d1.Add(18*time.Hour + 52*time.Minute + 41*time.Second), true},
		{d1.Add(21*time.Hour + 10*time.Minute + 27*time.Second), true},
		{d2.Add(6*time.Hour + 0*time.Minute + 9*time.Second), false},
		{d2.Add(15*time.Hour + 24*time.Minute + 50*time.Second), true},
		{d2.Add(20*time.Hour + 3*time.Minute + 16*time.Second), true},
	}
	for i, r := range runs {
		g.ciRun(r, 4810+i*7)
	}
}

// ciJob is one CI run as it happens: its clock, the user's key and the
// Terraform session it assumes.
type ciJob struct {
	g     *gen
	w     *world
	t     time.Time
	runID int
	key   obj      // ci-deploy's long-term key
	s     *session // infra-admin, assumed for Terraform
}

// ciRun plays one run: on apply runs, artifacts first; then Terraform's
// plan reads, and on apply runs the deployment.
func (g *gen) ciRun(r ciRun, runID int) {
	u := g.w.ciDeploy
	j := &ciJob{g: g, w: &g.w, t: r.at, runID: runID, key: u.identKey(u.key)}
	if r.apply {
		j.uploadArtifacts()
	}
	j.assumeInfraAdmin()
	j.terraformPlan()
	if !r.apply {
		return
	}
	rev := j.terraformApply()
	j.rollECSService(rev)
}

func (j *ciJob) next(lo, hi int) { j.t = j.t.Add(j.g.jitter(lo, hi)) }

// user emits c as ci-deploy's key from the runner (us-east-1 by default).
func (j *ciJob) user(c call) {
	c.t, c.ident, c.ip = j.t, j.key, ciIP
	if c.region == "" {
		c.region = usEast1
	}
	j.g.emit(c, "")
}

// tf emits one Terraform call of the infra-admin session.
func (j *ciJob) tf(region, src, name, apiv string, req any, ro bool, resp any) {
	j.g.emit(call{t: j.t, region: region, ident: j.s.ident(), ip: ciIP, ua: tfUA(apiv), src: src, name: name, req: req, resp: resp, ro: ro}, "")
	j.next(0, 2)
}

// bucketGet emits Terraform's read of one bucket subresource.
func (j *ciJob) bucketGet(bucket, name, sub string) {
	g := j.g
	host := s3Host(bucket, usEast1)
	g.emit(call{t: j.t, region: usEast1, ident: j.s.ident(), ip: ciIP, ua: tfUA("s3#1.51.3"), src: "s3.amazonaws.com", name: name,
		req: o("bucketName", bucket, "Host", host, sub, ""), add: g.s3Add("TLS_AES_128_GCM_SHA256", 0, 300+g.r.IntN(900), ""),
		ro: true, res: bucketRes(bucket), host: host}, "")
	j.next(0, 2)
}

func (j *ciJob) uploadArtifacts() {
	g := j.g
	for _, f := range []string{"order-processor", "orders-api"} {
		k := fmt.Sprintf("builds/%s/%d/%s.zip", f, j.runID, f)
		j.user(g.putObject(call{region: usEast1, ua: ciCLIBase + "s3.cp"}, bktArtifacts, k, 2_000_000+g.r.IntN(9_000_000), "Default_SSE_S3"))
		j.next(2, 9)
	}
}

func (j *ciJob) assumeInfraAdmin() {
	g, w := j.g, j.w
	j.user(call{ua: tfUA("sts#1.28.2"), src: "sts.amazonaws.com", name: "GetCallerIdentity", ro: true})
	j.next(1, 2)
	j.s = &session{role: w.infraAdmin, name: fmt.Sprintf("terraform-ci-%d", j.runID), key: g.keyID("ASIA"), created: j.t, exp: j.t.Add(time.Hour)}
	j.user(call{ua: tfUA("sts#1.28.2"), src: "sts.amazonaws.com", name: "AssumeRole",
		req:  o("roleArn", w.infraAdmin.arn(), "roleSessionName", j.s.name, "durationSeconds", 3600),
		resp: g.assumeResp(j.s), ro: true, res: roleRes(w.infraAdmin)})
	j.next(1, 3)
}

// terraformPlan is the refresh of the state: a read of every resource.
func (j *ciJob) terraformPlan() {
	w := j.w
	us, eu := usEast1, euWest1
	j.tf(us, "ec2.amazonaws.com", "DescribeVpcs", "ec2#1.149.1", o("vpcSet", o("items", []obj{o("vpcId", w.vpc[us])}), "filterSet", o()), true, nil)
	j.tf(us, "ec2.amazonaws.com", "DescribeVpcAttribute", "ec2#1.149.1", o("vpcId", w.vpc[us], "attribute", "enableDnsSupport"), true, nil)
	j.tf(us, "ec2.amazonaws.com", "DescribeVpcAttribute", "ec2#1.149.1", o("vpcId", w.vpc[us], "attribute", "enableDnsHostnames"), true, nil)
	for _, sn := range w.subnets[us] {
		j.tf(us, "ec2.amazonaws.com", "DescribeSubnets", "ec2#1.149.1", o("subnetSet", o("items", []obj{o("subnetId", sn)}), "filterSet", o()), true, nil)
	}
	for _, sg := range w.sgs[us] {
		j.tf(us, "ec2.amazonaws.com", "DescribeSecurityGroups", "ec2#1.149.1", o("securityGroupSet", o(), "securityGroupIdSet", o("items", []obj{o("groupId", sg)}), "filterSet", o()), true, nil)
	}
	j.tf(us, "ec2.amazonaws.com", "DescribeRouteTables", "ec2#1.149.1", o("routeTableIdSet", o(), "filterSet", o("items", []obj{o("name", "vpc-id", "valueSet", o("items", []obj{o("value", w.vpc[us])}))})), true, nil)
	for _, rn := range []*role{w.ordersTask, w.orderProc, w.euExport} {
		j.tf(us, "iam.amazonaws.com", "GetRole", "iam#1.31.1", o("roleName", rn.name), true, nil)
		j.tf(us, "iam.amazonaws.com", "ListRolePolicies", "iam#1.31.1", o("roleName", rn.name), true, nil)
		j.tf(us, "iam.amazonaws.com", "ListAttachedRolePolicies", "iam#1.31.1", o("roleName", rn.name), true, nil)
	}
	pol := "arn:aws:iam::" + acct + ":policy/orders-api-data-access"
	j.tf(us, "iam.amazonaws.com", "GetPolicy", "iam#1.31.1", o("policyArn", pol), true, nil)
	j.tf(us, "iam.amazonaws.com", "GetPolicyVersion", "iam#1.31.1", o("policyArn", pol, "versionId", "v4"), true, nil)
	j.tf(us, "lambda.amazonaws.com", "GetFunction20150331v2", "lambda#1.53.1", o("functionName", "order-processor"), true, nil)
	j.tf(us, "lambda.amazonaws.com", "ListVersionsByFunction20150331", "lambda#1.53.1", o("functionName", "arn:aws:lambda:us-east-1:"+acct+":function:order-processor"), true, nil)
	j.tf(us, "lambda.amazonaws.com", "GetFunctionCodeSigningConfig", "lambda#1.53.1", o("functionName", "order-processor"), true, nil)
	j.tf(eu, "lambda.amazonaws.com", "GetFunction20150331v2", "lambda#1.53.1", o("functionName", "eu-gdpr-export"), true, nil)
	j.tf(eu, "ec2.amazonaws.com", "DescribeVpcs", "ec2#1.149.1", o("vpcSet", o("items", []obj{o("vpcId", w.vpc[eu])}), "filterSet", o()), true, nil)
	for _, b := range []string{bktCustomer, bktOrders} {
		j.bucketGet(b, "GetBucketPolicy", "policy")
		j.bucketGet(b, "GetBucketVersioning", "versioning")
		j.bucketGet(b, "GetBucketEncryption", "encryption")
	}
	j.tf(us, "kms.amazonaws.com", "DescribeKey", "kms#1.29.1", o("keyId", w.kmsKey[us]), true, nil)
	j.tf(us, "kms.amazonaws.com", "GetKeyPolicy", "kms#1.29.1", o("keyId", w.kmsKey[us], "policyName", "default"), true, nil)
	j.tf(us, "kms.amazonaws.com", "GetKeyRotationStatus", "kms#1.29.1", o("keyId", w.kmsKey[us]), true, nil)
	j.tf(us, "secretsmanager.amazonaws.com", "DescribeSecret", "secretsmanager#1.28.1", o("secretId", w.secrets[0]), true, nil)
	j.tf(us, "secretsmanager.amazonaws.com", "GetResourcePolicy", "secretsmanager#1.28.1", o("secretId", w.secrets[0]), true, nil)
	j.tf(us, "logs.amazonaws.com", "DescribeLogGroups", "cloudwatchlogs#1.34.1", o("logGroupNamePrefix", "/aws/lambda/order-processor"), true, nil)
	j.tf(us, "ecs.amazonaws.com", "DescribeClusters", "ecs#1.41.1", o("clusters", []string{"prod"}), true, nil)
	j.tf(us, "ecs.amazonaws.com", "DescribeServices", "ecs#1.41.1", o("cluster", "prod", "services", []string{"orders-api"}), true, nil)
	j.tf(us, "ecs.amazonaws.com", "DescribeTaskDefinition", "ecs#1.41.1", o("taskDefinition", "orders-api"), true, nil)
}

// terraformApply deploys the new function code and task definition; it
// returns the task definition's revision.
func (j *ciJob) terraformApply() int {
	g, w, us := j.g, j.w, usEast1
	j.next(20, 60)
	fnArn := "arn:aws:lambda:us-east-1:" + acct + ":function:order-processor"
	j.tf(us, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "lambda#1.53.1",
		o("functionName", "order-processor", "s3Bucket", bktArtifacts, "s3Key", fmt.Sprintf("builds/order-processor/%d/order-processor.zip", j.runID), "publish", false, "dryRun", false),
		false, o("functionName", "order-processor", "functionArn", fnArn, "runtime", "python3.12", "role", w.orderProc.arn(),
			"handler", "app.handler", "codeSize", 48211+g.r.IntN(2000), "lastModified", j.t.Format("2006-01-02T15:04:05.000-0700"),
			"version", "$LATEST", "revisionId", g.uuid(), "state", "Active", "lastUpdateStatus", "InProgress", "packageType", "Zip"))
	j.next(5, 15)
	j.tf(us, "lambda.amazonaws.com", "PublishVersion20150331", "lambda#1.53.1", o("functionName", "order-processor"), false, nil)
	rev := 212 + j.runID%50
	j.tf(us, "ecs.amazonaws.com", "RegisterTaskDefinition", "ecs#1.41.1", o("family", "orders-api", "taskRoleArn", w.ordersTask.arn(),
		"networkMode", "awsvpc", "requiresCompatibilities", []string{"FARGATE"}, "cpu", "1024", "memory", "2048"),
		false, o("taskDefinition", o("taskDefinitionArn", fmt.Sprintf("arn:aws:ecs:us-east-1:%s:task-definition/orders-api:%d", acct, rev), "family", "orders-api", "revision", rev, "status", "ACTIVE")))
	j.next(2, 6)
	return rev
}

// rollECSService points the service at revision rev with the user's own
// key and waits for it, as the pipeline's last step.
func (j *ciJob) rollECSService(rev int) {
	g := j.g
	j.t = j.t.Add(g.jitter(30, 90))
	g.emit(call{t: j.t, region: usEast1, ident: j.key, ip: ciIP, ua: ciCLIBase + "ecs.update-service", src: "ecs.amazonaws.com", name: "UpdateService",
		req: o("cluster", "prod", "service", "orders-api", "taskDefinition", fmt.Sprintf("orders-api:%d", rev), "forceNewDeployment", false)}, "")
	for i := 0; i < 3; i++ {
		j.t = j.t.Add(g.jitter(14, 17))
		g.emit(call{t: j.t, region: usEast1, ident: j.key, ip: ciIP, ua: ciCLIBase + "ecs.wait", src: "ecs.amazonaws.com", name: "DescribeServices",
			req: o("cluster", "prod", "services", []string{"orders-api"}), ro: true}, "")
	}
}

// ---------------------------------------------------------------------------
// Engineers in the console through IAM Identity Center roles.

type page struct {
	region string // "" = the session's region
	ua     string // "" = the browser
	calls  []api
}

func (g *gen) consolePages() []page {
	w := &g.w
	ec2 := func(name string, req func(string) any) api { return api{"ec2.amazonaws.com", name, req} }
	return []page{
		{calls: []api{ec2("DescribeInstances", func(string) any { return o("instancesSet", o(), "filterSet", o(), "maxResults", 50) }),
			ec2("DescribeInstanceStatus", func(string) any { return o("instancesSet", o(), "filterSet", o(), "includeAllInstances", true) }),
			ec2("DescribeTags", func(string) any { return o("filterSet", o()) })}},
		{calls: []api{ec2("DescribeSecurityGroups", func(string) any { return o("securityGroupSet", o(), "securityGroupIdSet", o(), "filterSet", o()) }),
			ec2("DescribeVpcs", func(string) any { return o("vpcSet", o(), "filterSet", o()) })}},
		{calls: []api{{"lambda.amazonaws.com", "ListFunctions20150331", nilReq},
			{"lambda.amazonaws.com", "GetAccountSettings20160819", nilReq}}},
		{calls: []api{{"lambda.amazonaws.com", "GetFunction20150331v2", func(r string) any {
			if r == euWest1 {
				return o("functionName", "eu-gdpr-export")
			}
			return o("functionName", "order-processor")
		}}}},
		{calls: []api{{"logs.amazonaws.com", "DescribeLogGroups", func(string) any { return o("limit", 50) }},
			{"logs.amazonaws.com", "DescribeLogStreams", func(r string) any {
				fn := "order-processor"
				if r == euWest1 {
					fn = "eu-gdpr-export"
				}
				return o("logGroupName", "/aws/lambda/"+fn, "orderBy", "LastEventTime", "descending", true)
			}}}},
		{calls: []api{{"logs.amazonaws.com", "FilterLogEvents", func(r string) any {
			fn := "order-processor"
			if r == euWest1 {
				fn = "eu-gdpr-export"
			}
			return o("logGroupName", "/aws/lambda/"+fn, "startTime", 1741564800000, "interleaved", true)
		}}}},
		{calls: []api{{"monitoring.amazonaws.com", "DescribeAlarms", func(string) any { return o("maxRecords", 100) }},
			{"monitoring.amazonaws.com", "GetMetricData", func(string) any {
				return o("metricDataQueries", []obj{o("id", "m1", "expression", "SEARCH('{AWS/ECS,ClusterName,ServiceName} CPUUtilization', 'Average', 300)")})
			}}}},
		{calls: []api{{"ecs.amazonaws.com", "ListClusters", nilReq},
			{"ecs.amazonaws.com", "DescribeServices", func(string) any { return o("cluster", "prod", "services", []string{"orders-api"}) }},
			{"ecs.amazonaws.com", "ListTasks", func(string) any { return o("cluster", "prod", "serviceName", "orders-api") }}}},
		{region: usEast1, ua: s3Console, calls: []api{{"s3.amazonaws.com", "ListBuckets", nilReq},
			{"s3.amazonaws.com", "GetBucketLocation", nilReq}}},
		{calls: []api{{"rds.amazonaws.com", "DescribeDBInstances", func(string) any { return o("maxRecords", 100) }}}},
		{region: usEast1, calls: []api{{"iam.amazonaws.com", "ListRoles", func(string) any { return o("maxItems", 1000) }},
			{"iam.amazonaws.com", "GetRole", func(string) any { return o("roleName", w.ordersTask.name) }}}},
		{calls: []api{{"secretsmanager.amazonaws.com", "ListSecrets", func(string) any { return o("maxResults", 100) }}}},
	}
}

func (g *gen) ssoHumans() {
	w := &g.w
	d1, d2 := dayStart, dayStart.Add(24*time.Hour)
	type visit struct {
		role            *role
		who, ip, ua     string
		start           time.Time
		minutes         int
		euShare         int // percent of pages in eu-west-1
		deniedSecretGet bool
	}
	hm := func(d time.Time, h, m, s int) time.Time {
		return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	visits := []visit{
		{w.ssoAdmin, "d.okafor@acme.example", officeIP, chromeMac, hm(d1, 13, 21, 4), 45, 10, false},
		{w.ssoRead, "m.rossi@acme.example", remoteIP, firefoxW, hm(d1, 15, 2, 37), 50, 60, true},
		{w.ssoAdmin, "d.okafor@acme.example", officeIP, chromeMac, hm(d1, 19, 5, 51), 25, 0, false},
		{w.ssoAdmin, "d.okafor@acme.example", officeIP, chromeMac, hm(d2, 13, 46, 12), 35, 10, false},
		{w.ssoRead, "m.rossi@acme.example", remoteIP, firefoxW, hm(d2, 14, 31, 8), 40, 60, false},
		{w.ssoAdmin, "t.nguyen@acme.example", officeIP, edgeWin, hm(d2, 18, 30, 44), 30, 0, false},
	}
	pages := g.consolePages()
	for _, v := range visits {
		s := &session{role: v.role, name: v.who, key: g.keyID("ASIA"), created: v.start, exp: v.start.Add(8 * time.Hour)}
		end := v.start.Add(time.Duration(v.minutes) * time.Minute)
		t := v.start.Add(g.jitter(3, 20))
		for t.Before(end) {
			pg := pages[g.r.IntN(len(pages))]
			region := usEast1
			if g.r.IntN(100) < v.euShare {
				region = euWest1
			}
			if pg.region != "" {
				region = pg.region
			}
			ua := v.ua
			if pg.ua != "" {
				ua = pg.ua
			}
			for _, a := range pg.calls {
				c := call{t: t, region: region, ident: s.ident(), ip: v.ip, ua: ua, src: a.src, name: a.name, req: a.req(region),
					ro: true, console: true, errProne: true}
				if a.src == "s3.amazonaws.com" {
					c.host = "s3.amazonaws.com"
					c.req = o("Host", "s3.amazonaws.com")
					if a.name == "GetBucketLocation" {
						b := []string{bktCustomer, bktOrders, bktAnalytics, bktArtifacts}[g.r.IntN(4)]
						c.host = s3Host(b, region)
						c.req = o("bucketName", b, "Host", c.host, "location", "")
						c.res = bucketRes(b)
					}
					c.add = g.s3Add("TLS_AES_128_GCM_SHA256", 0, 300+g.r.IntN(4000), "")
				}
				g.emit(c, "")
				t = t.Add(g.jitter(0, 3))
			}
			if v.deniedSecretGet && t.After(v.start.Add(20*time.Minute)) {
				c := call{t: t, region: usEast1, ident: s.ident(), ip: v.ip, ua: v.ua, src: "secretsmanager.amazonaws.com",
					name: "GetSecretValue", req: o("secretId", w.secrets[1]), ro: true, console: true}
				c.err, c.msg = denied(c.src, c.name, c.ident)
				g.emit(c, "")
				v.deniedSecretGet = false
			}
			t = t.Add(g.jitter(45, 200))
		}
	}
}

// ---------------------------------------------------------------------------
// j.harper, the platform lead: an IAM user who signs in with MFA.

func (g *gen) harperConsole() {
	w := &g.w
	u := w.harper
	d1, d2 := dayStart, dayStart.Add(24*time.Hour)
	signIn := func(t time.Time, ok bool) {
		add := o("LoginTo", "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_"+g.hex(16),
			"MobileVersion", "No", "MFAIdentifier", "arn:aws:iam::"+acct+":mfa/j.harper", "MFAUsed", "Yes")
		c := call{t: t, region: usEast1, ident: u.identSignIn(), ip: officeIP, ua: chromeMac, src: "signin.amazonaws.com",
			name: "ConsoleLogin", resp: o("ConsoleLogin", "Success"), add: add, etype: "AwsConsoleSignIn", noReqID: true}
		if !ok {
			c.resp = o("ConsoleLogin", "Failure")
			c.add = o("LoginTo", add.get("LoginTo"), "MobileVersion", "No", "MFAUsed", "No")
			c.err, c.msg = "", "Failed authentication"
		}
		g.emit(c, "")
	}
	pages := []page{
		{calls: []api{{"iam.amazonaws.com", "GetAccountSummary", nilReq}, {"iam.amazonaws.com", "ListAccountAliases", nilReq}}},
		{calls: []api{{"iam.amazonaws.com", "ListUsers", func(string) any { return o("maxItems", 1000) }}}},
		{calls: []api{{"iam.amazonaws.com", "GetUser", func(string) any { return o("userName", w.ciDeploy.name) }},
			{"iam.amazonaws.com", "ListAccessKeys", func(string) any { return o("userName", w.ciDeploy.name) }},
			{"iam.amazonaws.com", "ListAttachedUserPolicies", func(string) any { return o("userName", w.ciDeploy.name) }},
			{"iam.amazonaws.com", "ListMFADevices", func(string) any { return o("userName", w.ciDeploy.name) }}}},
		{calls: []api{{"iam.amazonaws.com", "GetAccountPasswordPolicy", nilReq}, {"iam.amazonaws.com", "GetCredentialReport", nilReq}}},
		{calls: []api{{"cloudtrail.amazonaws.com", "DescribeTrails", nilReq},
			{"cloudtrail.amazonaws.com", "GetTrailStatus", func(string) any { return o("name", "arn:aws:cloudtrail:us-east-1:"+acct+":trail/"+trailName) }}}},
		{calls: []api{{"cloudtrail.amazonaws.com", "LookupEvents", func(string) any { return o("maxResults", 50) }}}},
		{calls: []api{{"guardduty.amazonaws.com", "ListDetectors", nilReq}, {"guardduty.amazonaws.com", "GetFindingsStatistics", func(string) any {
			return o("detectorId", "a2c6c1ea3f4b5d6e7f80912a3b4c5d6e", "findingStatisticTypes", []string{"COUNT_BY_SEVERITY"})
		}}}},
		{calls: []api{{"ce.amazonaws.com", "GetCostAndUsage", func(string) any {
			return o("timePeriod", o("start", "2025-03-01", "end", "2025-03-10"), "granularity", "DAILY", "metrics", []string{"UnblendedCost"})
		}}}},
	}
	sessionAt := func(login time.Time, minutes int) {
		signIn(login, true)
		key := g.keyID("ASIA")
		t := login.Add(g.jitter(4, 15))
		end := login.Add(time.Duration(minutes) * time.Minute)
		for t.Before(end) {
			pg := pages[g.r.IntN(len(pages))]
			for _, a := range pg.calls {
				g.emit(call{t: t, region: usEast1, ident: u.identConsole(key, login, true), ip: officeIP, ua: chromeMac,
					src: a.src, name: a.name, req: a.req(usEast1), ro: true, console: true, errProne: true}, "")
				t = t.Add(g.jitter(0, 3))
			}
			t = t.Add(g.jitter(30, 150))
		}
	}
	sessionAt(d1.Add(14*time.Hour+2*time.Minute+11*time.Second), 35)
	signIn(d2.Add(16*time.Hour+14*time.Minute+31*time.Second), false)
	sessionAt(d2.Add(16*time.Hour+15*time.Minute+2*time.Second), 25)
}

// ---------------------------------------------------------------------------
// bi-reporting: an on-premises job that pulls yesterday's exports nightly.

func (g *gen) biReporting() {
	u := g.w.biReporting
	for _, start := range []time.Time{dayStart.Add(time.Hour + 5*time.Minute + 13*time.Second), dayStart.Add(25*time.Hour + 5*time.Minute + 9*time.Second)} {
		t := start
		day := t.Add(-24 * time.Hour).Format("2006-01-02")
		c := call{t: t, region: usEast1, ident: u.identKey(u.key), ip: onPremIP, ua: biUA, tls12: true}
		g.emit(g.listObjects(c, bktAnalytics, "daily/"+day+"/"), "")
		for i, n := 0, 24+g.r.IntN(8); i < n; i++ {
			t = t.Add(g.jitter(2, 25))
			c.t = t
			g.emit(g.getObject(c, bktAnalytics, fmt.Sprintf("daily/%s/part-%05d.snappy.parquet", day, i), 3_000_000+g.r.IntN(20_000_000), "Default_SSE_S3"), "")
		}
		t = t.Add(g.jitter(60, 180))
		c.t = t
		g.emit(g.putObject(c, bktAnalytics, "reports/"+day+"/daily-summary.csv", 180_000+g.r.IntN(40_000), ""), "")
	}
}

package athena

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/remote"
)

// DDLOptions describe a trail bucket.
type DDLOptions struct {
	Bucket string // name, or s3://name
	Prefix string // the trail's S3 key prefix, if any
	// Organization is the o-… id of an organization trail's folder.
	Organization string
	Accounts     []string
	Regions      []string
	Projection   bool
	// Start is the first day partition projection covers (default 2020/01/01).
	Start    string
	Database string
	Table    string // default cloudtrail_logs
}

// columns is the column list of AWS's documented CloudTrail tables ("Create
// the table for CloudTrail logs in Athena using partition projection" and
// "… using manual partitioning"), plus managementevent, which the Sigma
// athena dialect reads for managementEvent and AWS's list leaves out.
const columns = `    eventversion STRING,
    useridentity STRUCT<
        type: STRING,
        principalid: STRING,
        arn: STRING,
        accountid: STRING,
        invokedby: STRING,
        accesskeyid: STRING,
        username: STRING,
        onbehalfof: STRUCT<
             userid: STRING,
             identitystorearn: STRING>,
        sessioncontext: STRUCT<
            attributes: STRUCT<
                mfaauthenticated: STRING,
                creationdate: STRING>,
            sessionissuer: STRUCT<
                type: STRING,
                principalid: STRING,
                arn: STRING,
                accountid: STRING,
                username: STRING>,
            ec2roledelivery:string,
            webidfederationdata: STRUCT<
                federatedprovider: STRING,
                attributes: map<string,string>>
        >
    >,
    eventtime STRING,
    eventsource STRING,
    eventname STRING,
    awsregion STRING,
    sourceipaddress STRING,
    useragent STRING,
    errorcode STRING,
    errormessage STRING,
    requestparameters STRING,
    responseelements STRING,
    additionaleventdata STRING,
    requestid STRING,
    eventid STRING,
    readonly STRING,
    resources ARRAY<STRUCT<
        arn: STRING,
        accountid: STRING,
        type: STRING>>,
    eventtype STRING,
    apiversion STRING,
    recipientaccountid STRING,
    serviceeventdetails STRING,
    sharedeventid STRING,
    vpcendpointid STRING,
    vpcendpointaccountid STRING,
    eventcategory STRING,
    managementevent STRING,
    addendum STRUCT<
      reason:STRING,
      updatedfields:STRING,
      originalrequestid:STRING,
      originaleventid:STRING>,
    sessioncredentialfromconsole STRING,
    edgedevicedetails STRING,
    tlsdetails STRUCT<
      tlsversion:STRING,
      ciphersuite:STRING,
      clientprovidedhostheader:STRING>
`

const storage = `ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
`

// DefaultRegions are the regions a projected region partition covers when
// none are given: the commercial regions CloudTrail delivers from.
var DefaultRegions = []string{
	"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
	"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
	"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

var (
	identRe   = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	orgRe     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	bucketRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// CheckIdent accepts a database or table name Athena takes unquoted.
func CheckIdent(what, s string) error {
	if !identRe.MatchString(s) {
		return fmt.Errorf("%s %q: use letters, digits and underscores", what, s)
	}
	return nil
}

// DDL returns the CREATE EXTERNAL TABLE statement for the bucket, and the
// partition style hunt and investigate need for it (--athena-partitions).
//
// Without Projection it is AWS's manual-partitioning table over the
// account's (or every account's) CloudTrail folder. With Projection and one
// account and one region it is AWS's partition-projection table (partition
// "timestamp"); with several accounts or regions, or none, the same table
// gains account and region partitions projected as enums, so one table
// covers an organization or a multi-region trail.
func DDL(o DDLOptions) (string, remote.Style, error) {
	bucket, table, err := o.check()
	if err != nil {
		return "", "", err
	}
	root := o.root(bucket)
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE %s (\n%s)\n", table, columns)
	if !o.Projection {
		loc := root
		if len(o.Accounts) == 1 {
			loc += o.Accounts[0] + "/CloudTrail/"
		}
		fmt.Fprintf(&b, "COMMENT 'CloudTrail table for %s bucket'\n%sLOCATION '%s'\nTBLPROPERTIES ('classification'='cloudtrail');\n", bucket, storage, loc)
		return b.String(), remote.PartitionsNone, nil
	}
	return o.projected(&b, root)
}

// check validates the options (they end up in SQL) and returns the bucket
// name and the table's qualified name.
func (o DDLOptions) check() (bucket, table string, err error) {
	bucket = strings.TrimSuffix(strings.TrimPrefix(o.Bucket, "s3://"), "/")
	if !bucketRe.MatchString(bucket) {
		return "", "", fmt.Errorf("bucket %q: not an S3 bucket name", o.Bucket)
	}
	table = o.Table
	if table == "" {
		table = "cloudtrail_logs"
	}
	if err := CheckIdent("table", table); err != nil {
		return "", "", err
	}
	if o.Database != "" {
		if err := CheckIdent("database", o.Database); err != nil {
			return "", "", err
		}
		table = o.Database + "." + table
	}
	for _, a := range o.Accounts {
		if !accountRe.MatchString(a) {
			return "", "", fmt.Errorf("account %q: want 12 digits", a)
		}
	}
	for _, r := range o.Regions {
		if !regionRe.MatchString(r) {
			return "", "", fmt.Errorf("region %q: not a region name", r)
		}
	}
	if o.Organization != "" && !orgRe.MatchString(o.Organization) {
		return "", "", fmt.Errorf("organization %q: want o- and 10 to 32 letters or digits", o.Organization)
	}
	return bucket, table, nil
}

// root is the trail's AWSLogs/ folder (of the organization, if one).
func (o DDLOptions) root(bucket string) string {
	root := "s3://" + bucket + "/"
	if p := strings.Trim(o.Prefix, "/"); p != "" {
		root += p + "/"
	}
	root += "AWSLogs/"
	if o.Organization != "" {
		root += o.Organization + "/"
	}
	return root
}

// projected finishes b as a partition-projection table: AWS's, over one
// account and region, else with account and region projected as enums.
func (o DDLOptions) projected(b *strings.Builder, root string) (string, remote.Style, error) {
	start := o.Start
	if start == "" {
		start = "2020/01/01"
	}
	if _, err := time.Parse("2006/01/02", start); err != nil {
		return "", "", fmt.Errorf("projection start %q: want YYYY/MM/DD", start)
	}
	dateProps := fmt.Sprintf(`  'projection.timestamp.format'='yyyy/MM/dd',
  'projection.timestamp.interval'='1',
  'projection.timestamp.interval.unit'='DAYS',
  'projection.timestamp.range'='%s,NOW',
  'projection.timestamp.type'='date',
`, start)
	if len(o.Accounts) == 1 && len(o.Regions) == 1 {
		loc := root + o.Accounts[0] + "/CloudTrail/" + o.Regions[0]
		fmt.Fprintf(b, "PARTITIONED BY (\n   `timestamp` string)\n%sLOCATION\n  '%s'\nTBLPROPERTIES (\n  'projection.enabled'='true',\n%s  'storage.location.template'='%s/${timestamp}');\n",
			storage, loc, dateProps, loc)
		return b.String(), remote.PartitionsTimestamp, nil
	}
	if len(o.Accounts) == 0 {
		return "", "", fmt.Errorf("a projected table over several accounts or regions needs the accounts: give --account (repeatable)")
	}
	regions := o.Regions
	if len(regions) == 0 {
		regions = DefaultRegions
	}
	fmt.Fprintf(b, "PARTITIONED BY (\n   account string,\n   region string,\n   `timestamp` string)\n%sLOCATION\n  '%s'\nTBLPROPERTIES (\n  'projection.enabled'='true',\n", storage, root)
	fmt.Fprintf(b, "  'projection.account.type'='enum',\n  'projection.account.values'='%s',\n", strings.Join(o.Accounts, ","))
	fmt.Fprintf(b, "  'projection.region.type'='enum',\n  'projection.region.values'='%s',\n", strings.Join(regions, ","))
	fmt.Fprintf(b, "%s  'storage.location.template'='%s${account}/CloudTrail/${region}/${timestamp}');\n", dateProps, root)
	return b.String(), remote.PartitionsProjection, nil
}

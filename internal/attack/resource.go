package attack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// maxListed is how many values of a list Resource names before "(+N more)".
const maxListed = 5

// Resource names the target of a call for a report, from its request
// parameters (JSON text of requestParameters, may be empty or "null") and
// resources (JSON text of the resources array, may be empty):
//
//   - S3: "s3://bucket/key" or "s3://bucket" (a listing's prefix is appended)
//   - IAM: "iam user NAME", "iam role NAME", "iam group NAME", "policy ARN",
//     joined with ", " when a call names several (AttachUserPolicy:
//     "iam user alice, policy arn:aws:iam::aws:policy/AdministratorAccess")
//   - STS: the role ARN; GetFederationToken "federated user NAME"
//   - Lambda: "lambda NAME" (a function ARN is reduced to its name)
//   - Secrets Manager: the secretId; SSM: the parameter name(s), a command's
//     "DOCUMENT on i-…"; EC2: instance ids, "key pair NAME", group, snapshot
//     and image ids; KMS: the key id or ARN; other services: the usual
//     name or id parameter, else the ARNs of the resources array.
//
// Lists name the first five values and then "(+N more)". It returns "" when
// nothing sensible is found. Unparsable JSON is treated as absent.
func Resource(eventSource, eventName, requestParameters, resources string) string {
	svc := serviceOf(eventSource)
	name := NormalizeEventName(eventName)
	p := params(decodeObject(requestParameters))
	res := decodeResources(resources)
	var out string
	switch svc {
	case "s3":
		out = s3Resource(p, res)
	case "iam":
		out = iamResource(name, p)
	case "sts":
		out = stsResource(name, p)
	case "lambda":
		out = lambdaResource(p)
	case "secretsmanager":
		out = secretsResource(p)
	case "ssm":
		out = ssmResource(p)
	case "ec2", "ec2-instance-connect":
		out = ec2Resource(p)
	case "kms":
		out = p.str("keyId")
		if out == "" {
			out = resourceARN(res, "AWS::KMS::Key")
		}
	case "logs":
		out = p.str("logGroupName")
		if s := p.str("logStreamName"); s != "" && out != "" {
			out += " (stream " + s + ")"
		}
	case "ecr":
		out = p.str("repositoryName")
		if tags := p.path("imageIds", "imageTag"); out != "" && len(tags) > 0 {
			out += ":" + joinList(tags)
		}
	}
	if out == "" {
		out = p.first(genericKeys[:]...)
	}
	if out == "" {
		out = resourceARN(res, "")
	}
	return out
}

// genericKeys are request parameters that name a call's target, in order of
// preference, for services without their own rule (and as a fallback).
var genericKeys = [...]string{
	"bucketName", "functionName", "roleArn", "secretId", "trailName",
	"dBSnapshotIdentifier", "dBClusterSnapshotIdentifier", "dBInstanceIdentifier", "dBClusterIdentifier",
	"tableName", "repositoryName", "topicArn", "queueUrl", "stackName", "logGroupName",
	"detectorId", "analyzerName", "configurationRecorderName", "deliveryChannelName", "configRuleName",
	"resolverQueryLogConfigId", "hostedZoneId", "trustAnchorId", "profileId", "modelId",
	"permissionSetArn", "clusterName", "cluster", "taskDefinition", "instanceId", "target",
	"keyId", "userName", "roleName", "groupName", "policyArn", "name", "Name", "id", "arn",
}

func s3Resource(p params, res []resourceRef) string {
	bucket := p.str("bucketName")
	if bucket == "" {
		for _, r := range res {
			if b, ok := strings.CutPrefix(r.arn, "arn:aws:s3:::"); ok && r.typ == "AWS::S3::Object" {
				return "s3://" + b
			}
		}
		if b, ok := strings.CutPrefix(resourceARN(res, "AWS::S3::Bucket"), "arn:aws:s3:::"); ok {
			return "s3://" + b
		}
		return ""
	}
	if key := p.str("key"); key != "" {
		return "s3://" + bucket + "/" + strings.TrimPrefix(key, "/")
	}
	if prefix := p.str("prefix"); prefix != "" {
		return "s3://" + bucket + "/" + strings.TrimPrefix(prefix, "/")
	}
	return "s3://" + bucket
}

func iamResource(name string, p params) string {
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+v)
		}
	}
	add("iam user ", p.str("userName"))
	add("iam role ", p.str("roleName"))
	add("iam group ", p.str("groupName"))
	add("instance profile ", p.str("instanceProfileName"))
	add("policy ", p.str("policyArn"))
	if pn := p.str("policyName"); pn != "" {
		if len(parts) > 0 {
			add("inline policy ", pn) // PutUserPolicy and its kin
		} else {
			add("policy ", pn) // CreatePolicy
		}
	}
	add("access key ", p.str("accessKeyId"))
	add("mfa device ", p.first("serialNumber", "virtualMFADeviceName"))
	add("ssh public key ", p.str("sSHPublicKeyId"))
	add("saml provider ", p.str("sAMLProviderArn"))
	add("oidc provider ", p.first("openIDConnectProviderArn", "url"))
	if len(parts) == 0 && strings.Contains(name, "SAMLProvider") {
		add("saml provider ", p.str("name"))
	}
	return strings.Join(parts, ", ")
}

func stsResource(name string, p params) string {
	switch name {
	case "GetFederationToken":
		if n := p.str("name"); n != "" {
			return "federated user " + n
		}
	case "AssumeRoot":
		return p.str("targetPrincipal")
	}
	return p.str("roleArn")
}

func lambdaResource(p params) string {
	if fn := p.str("functionName"); fn != "" {
		return "lambda " + lambdaName(fn)
	}
	if l := p.str("layerName"); l != "" {
		return "lambda layer " + lambdaName(l)
	}
	if id := p.str("uUID"); id != "" {
		return "event source mapping " + id
	}
	return ""
}

// lambdaName reduces arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
// (or …:layer:NAME) to NAME; a plain name is returned as is.
func lambdaName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	f := strings.Split(s, ":")
	if len(f) >= 7 && (f[5] == "function" || f[5] == "layer") {
		return f[6]
	}
	return s
}

func secretsResource(p params) string {
	if s := p.first("secretId", "name"); s != "" {
		return s
	}
	if ids := p.list("secretIdList"); len(ids) > 0 {
		return joinList(ids)
	}
	// BatchGetSecretValue by filter: [{"key":"tag-key","values":["x"]}]
	var fs []string
	for _, f := range p.objects("filters") {
		k := f.str("key")
		vs := f.list("values")
		if k != "" {
			fs = append(fs, k+"="+strings.Join(vs, "|"))
		}
	}
	if len(fs) > 0 {
		return "secrets filtered by " + strings.Join(fs, ", ")
	}
	return ""
}

func ssmResource(p params) string {
	if doc := p.str("documentName"); doc != "" {
		if ids := p.list("instanceIds"); len(ids) > 0 {
			return doc + " on " + joinList(ids)
		}
		if t := targetValues(p); t != "" {
			return doc + " on " + t
		}
		return doc
	}
	if names := p.list("names"); len(names) > 0 {
		return joinList(names)
	}
	return p.first("name", "path", "target", "instanceId", "sessionId", "associationId")
}

// targetValues renders SSM targets ([{"key":"tag:Env","values":["prod"]}]).
func targetValues(p params) string {
	var ts []string
	for _, t := range p.objects("targets") {
		ts = append(ts, t.str("key")+"="+strings.Join(t.list("values"), "|"))
	}
	return strings.Join(ts, ", ")
}

func ec2Resource(p params) string {
	if ids := p.path("instancesSet", "items", "instanceId"); len(ids) > 0 {
		return joinList(ids)
	}
	if ids := p.path("instancesSet", "items", "imageId"); len(ids) > 0 {
		return joinList(ids) // RunInstances: the image; the ids are in the response
	}
	if id := p.str("instanceId"); id != "" {
		return id
	}
	if ids := p.list("instanceIds"); len(ids) > 0 {
		return joinList(ids)
	}
	if k := p.str("keyName"); k != "" {
		return "key pair " + k
	}
	// DeleteFlowLogs: {"DeleteFlowLogsRequest":{"FlowLogId":{"content":"fl-…"}}}
	if ids := p.path("DeleteFlowLogsRequest", "FlowLogId", "content"); len(ids) > 0 {
		return joinList(ids)
	}
	for _, k := range [...]string{
		"groupId", "snapshotId", "imageId", "volumeId", "sourceSnapshotId", "sourceImageId",
		"launchTemplateName", "launchTemplateId", "networkAclId", "vpcId", "subnetId",
		"routeTableId", "internetGatewayId", "natGatewayId", "networkInterfaceId",
		"allocationId", "trafficMirrorSessionId", "groupName",
	} {
		if v := p.str(k); v != "" {
			return v
		}
	}
	for _, k := range [...]string{"flowLogIds", "resourceIds", "groupIds"} {
		if ids := p.path(k, "item"); len(ids) > 0 {
			return joinList(ids)
		}
		if ids := p.list(k); len(ids) > 0 {
			return joinList(ids)
		}
	}
	return ""
}

// resourceRef is one element of a CloudTrail resources array.
type resourceRef struct{ arn, typ string }

func decodeResources(s string) []resourceRef {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return nil
	}
	var raw []map[string]any
	if json.Unmarshal([]byte(s), &raw) != nil {
		return nil
	}
	out := make([]resourceRef, 0, len(raw))
	for _, r := range raw {
		arn, _ := r["ARN"].(string)
		if arn == "" {
			arn, _ = r["ARNPrefix"].(string)
		}
		typ, _ := r["type"].(string)
		if arn != "" {
			out = append(out, resourceRef{arn, typ})
		}
	}
	return out
}

// resourceARN joins the ARNs of the resources of type typ ("" for any).
func resourceARN(res []resourceRef, typ string) string {
	var arns []string
	seen := map[string]bool{}
	for _, r := range res {
		if (typ == "" || r.typ == typ) && !seen[r.arn] {
			seen[r.arn] = true
			arns = append(arns, r.arn)
		}
	}
	return joinList(arns)
}

func decodeObject(s string) map[string]any {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" || s[0] != '{' {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

// params is a decoded JSON object with lenient accessors.
type params map[string]any

// str is the value at key as text: a string, or a number or boolean written
// out; "" for absent, null, objects and arrays.
func (p params) str(key string) string {
	return scalar(p[key])
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

// first is the first non-empty str of keys.
func (p params) first(keys ...string) string {
	for _, k := range keys {
		if v := p.str(k); v != "" {
			return v
		}
	}
	return ""
}

// list is the scalar elements of the array at key (or the value itself).
func (p params) list(key string) []string {
	switch v := p[key].(type) {
	case []any:
		var out []string
		for _, e := range v {
			if s := scalar(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	default:
		if s := scalar(v); s != "" {
			return []string{s}
		}
	}
	return nil
}

// objects is the object elements of the array at key (or the object).
func (p params) objects(key string) []params {
	switch v := p[key].(type) {
	case []any:
		var out []params
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	case map[string]any:
		return []params{v}
	}
	return nil
}

// path follows keys through objects and arrays (as JSONPath's [*]) and
// returns the scalar values at the end.
func (p params) path(keys ...string) []string {
	cur := []any{map[string]any(p)}
	for _, k := range keys {
		var next []any
		for _, c := range cur {
			m, ok := c.(map[string]any)
			if !ok {
				continue
			}
			switch v := m[k].(type) {
			case []any:
				next = append(next, v...)
			case nil:
			default:
				next = append(next, v)
			}
		}
		cur = next
	}
	var out []string
	for _, c := range cur {
		if s := scalar(c); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// joinList joins values with ", ", naming the first maxListed.
func joinList(vs []string) string {
	if len(vs) <= maxListed {
		return strings.Join(vs, ", ")
	}
	return fmt.Sprintf("%s (+%d more)", strings.Join(vs[:maxListed], ", "), len(vs)-maxListed)
}

package sigma

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// goldenRules is a representative handful: plain selections, nested and
// array fields, fieldref under NOT, regex with filters, whole-document
// contains, a legacy count() and a Sigma v2 temporal_ordered correlation.
var goldenRules = []string{
	"rules/aws_cloudtrail_disable_logging.yml",
	"rules/aws_cloudtrail_console_login_success_without_mfa.yml",
	"rules/aws_ecs_task_definition_cred_endpoint_query.yml",
	"rules/aws_update_login_profile.yml",
	"rules/aws_cloudtrail_imds_malicious_usage.yml",
	"rules/aws_iam_s3browser_templated_s3_bucket_policy_creation.yml",
	"rules/aws_new_lambda_layer_attached.yml",
	"unsupported/aws_macic_evasion.yml",
}

// TestGolden compares the SQL of a few rules in every dialect with
// testdata/golden/<dialect>/<rule>.sql (go test ./internal/sigma -update
// rewrites them). Athena and Lake are not run anywhere: these files are
// for review.
func TestGolden(t *testing.T) {
	root := testenv.Shared(t, "datasets", "sigma-aws-rules")
	paths := []string{filepath.Join("testdata", "rules", "trail_tamper_after_iam_change.yml")}
	for _, g := range goldenRules {
		paths = append(paths, filepath.Join(root, g))
	}
	for _, p := range paths {
		rules, err := ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r := rules[len(rules)-1]
		name := strings.TrimSuffix(filepath.Base(p), ".yml")
		for _, d := range Dialects {
			q, err := Compile(r, d, CompileOptions{})
			if err != nil {
				t.Errorf("%s %s: %v", name, d, err)
				continue
			}
			q = "-- " + r.Title + " (" + filepath.Base(p) + ")\n" + q
			file := filepath.Join("testdata", "golden", string(d), name+".sql")
			testenv.Golden(t, file, []byte(q))
		}
	}
}

// Package rules embeds trailsleuth's built-in Sigma rule pack for AWS
// CloudTrail.
//
// The rules live under aws/<tactic>/<short_name>.yml, one detection rule per
// file; a correlation rule (Sigma v2 meta rule) is a later YAML document in the
// file of the base rule it counts. Besides the standard Sigma attributes every
// rule carries a custom "remediation" field with response guidance. Field
// names are CloudTrail's own, dotted for nesting (requestParameters.userName).
//
// Test fixtures are kept in testdata/<short_name>/{hit,miss}.jsonl and are not
// embedded; see README.md for the fixture contract.
package rules

import (
	"embed"
	"io/fs"
	"path"
	"sort"
)

// FS holds the rule files, rooted so that paths look like
// "aws/persistence/iam_user_created.yml".
//
//go:embed aws
var FS embed.FS

// Files lists the rule file paths in FS, sorted.
func Files() ([]string, error) {
	var files []string
	err := fs.WalkDir(FS, "aws", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && path.Ext(p) == ".yml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	return files, nil
}

// Package scenario writes CloudTrail evidence for trailsleuth's accuracy
// suite: a model of an organisation's accounts and their owners' habits
// (background), incidents and benign-but-noisy controls played inside it,
// and a ground-truth file per scenario. Everything is deterministic by seed.
//
// The events follow real CloudTrail records (identity shapes, request and
// response elements, errors, console sessions, data events, old and new
// log formats) and are written as S3 delivery trees
// (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…json.gz). Scenarios
// can also be injected into a ctgen corpus or into a copy of a real
// dataset, adopting that account's principals, keys and addresses.
//
// The package is written without looking at how trailsleuth attributes
// events: truth is what the scenario did, not what the tool can see.
package scenario

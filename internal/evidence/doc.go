// Package evidence proves that CloudTrail log files are the ones AWS
// delivered: it validates digest chains and log files the way AWS
// documents log file integrity validation (and checks AWS's own validator
// skips), on a local copy or on the bucket itself.
//
// # API
//
//	src, err := evidence.OpenDir(dir)                      // local copy (+ dir/manifest.jsonl)
//	src := evidence.OpenBucket(s3Client, bucket, prefix)   // in place on S3
//	keys, err := evidence.LoadPublicKeys(dir + "/public-keys.json") // or evidence.CloudTrailKeys{…}
//	rep, err := evidence.Verify(ctx, src, evidence.Options{Keys: keys})
//
// Verify returns an error only when it cannot run (listing fails, keys
// cannot be fetched, ctx is cancelled); what it finds in the evidence is in
// the Report:
//
//   - Report.Valid: no problem of severity "error".
//   - Report.Problems: each finding with a stable Kind (digest_missing,
//     digest_moved, signature_invalid, signature_missing,
//     public_key_not_found, log_missing, hash_mismatch, invalid_format, gap,
//     unlisted_log, not_covered, read_error), a Severity (error, warning,
//     info), the chain and the object's path.
//   - Report.Files: one FileStatus per CloudTrail log file, in the tree or
//     listed by a digest: Path relative to the source root (slash-separated;
//     the S3 key for a bucket), SHA256 of the file as stored (compressed,
//     i.e. what ingest hashes), and Status: valid (listed by a digest whose
//     signature verified, decompressed SHA-256 matches), unverified (hash
//     matches a digest whose signature could not be checked), hash_mismatch,
//     invalid_format, missing, unlisted (inside the digests' window, listed
//     by none: possible injection), not_covered (outside any present
//     digest's window), read_error. Report.File(path) looks one up; ingest
//     marks a source file validated when its path and stored SHA-256 match
//     a FileStatus with Status valid.
//   - Report.Chains and Report.Totals: counts per chain (account, region,
//     trail) and overall.
//
// Digest files are small and read whole; log files are streamed through
// SHA-256 (stored and decompressed) by Options.Workers readers. Sources
// are opened read-only. See docs/evidence.md for the algorithm and the
// AWS documentation it follows.
package evidence

// Package faulttest holds the fault-tolerance tests that need a real
// trailsleuth process: killed ingests, two ingests on one case database, a
// read-only or full disk. They build the binary once per test run and are
// skipped with -short. docs/reliability.md lists what each one proves.
package faulttest

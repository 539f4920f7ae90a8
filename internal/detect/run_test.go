package detect

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// TestForEachRule: every rule runs exactly once, progress counts up to the
// total, and a cancelled context stops new rules from starting.
func TestForEachRule(t *testing.T) {
	rules := make([]*sigma.Rule, 50)
	for i := range rules {
		rules[i] = &sigma.Rule{Title: "r"}
	}
	ran := make([]int32, len(rules))
	var last int
	err := forEachRule(context.Background(), rules, RunOptions{Progress: func(done, total int, _ *sigma.Rule) {
		if done != last+1 || total != len(rules) {
			t.Errorf("progress %d/%d after %d", done, total, last)
		}
		last = done
	}}, func(i int, _ *sigma.Rule) { atomic.AddInt32(&ran[i], 1) })
	if err != nil || last != len(rules) {
		t.Fatalf("err %v, progress ended at %d", err, last)
	}
	for i, n := range ran {
		if n != 1 {
			t.Errorf("rule %d ran %d times", i, n)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var started int32
	err = forEachRule(ctx, rules, RunOptions{}, func(int, *sigma.Rule) {
		if atomic.AddInt32(&started, 1) == 5 {
			cancel()
		}
	})
	if err == nil || int(started) >= len(rules) {
		t.Errorf("cancelled run: err %v, %d of %d rules started", err, started, len(rules))
	}
}

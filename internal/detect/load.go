// Package detect loads Sigma rule packs (the embedded built-in pack and
// rule folders given by the user), compiles them for the case database and
// runs them, turning matches into findings.
package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// Pack is a set of loaded rules.
type Pack struct {
	Rules []*sigma.Rule
	// Skipped are rules that cannot run here (another log source), with why.
	Skipped []RuleError
	// Errors are files or rules that could not be read.
	Errors []RuleError
}

// RuleError names a rule (or file) and what went wrong with it.
type RuleError struct {
	RuleID string `json:"rule_id,omitempty"`
	Title  string `json:"title,omitempty"`
	Source string `json:"source"`
	Error  string `json:"error"`
}

// LoadOptions choose the rules.
type LoadOptions struct {
	// Builtin is the embedded pack (rules.FS); nil or NoBuiltin leaves it out.
	Builtin   fs.FS
	NoBuiltin bool
	// Dirs are folders (walked recursively) or files of Sigma YAML. A rule
	// whose id is already loaded replaces the earlier one.
	Dirs []string
}

func isRuleFile(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yml" || ext == ".yaml"
}

// Load reads the rules. Files that fail to parse are reported in
// Pack.Errors; only an unreadable folder is an error.
func Load(opts LoadOptions) (*Pack, error) {
	l := &loader{p: &Pack{}, byID: map[string]int{}}
	if opts.Builtin != nil && !opts.NoBuiltin {
		if err := l.loadBuiltin(opts.Builtin); err != nil {
			return nil, err
		}
	}
	for _, dir := range opts.Dirs {
		if err := l.loadPath(dir); err != nil {
			return nil, err
		}
	}
	p := l.p
	if err := sigma.Link(p.Rules); err != nil {
		p.Errors = append(p.Errors, RuleError{Source: "correlation references", Error: err.Error()})
	}
	p.keepApplicable()
	return p, nil
}

// loader adds parsed rules to a pack, a later rule replacing an earlier one
// with its id.
type loader struct {
	p    *Pack
	byID map[string]int // rule id → index in p.Rules
}

// add parses one file's rules; a file that does not parse is an error of
// the pack.
func (l *loader) add(source string, data []byte) {
	p := l.p
	rs, err := sigma.Parse(data, source)
	if err != nil {
		p.Errors = append(p.Errors, RuleError{Source: source, Error: err.Error()})
		return
	}
	for _, r := range rs {
		if r.ID != "" {
			if i, ok := l.byID[r.ID]; ok {
				p.Rules[i] = r
				continue
			}
			l.byID[r.ID] = len(p.Rules)
		}
		p.Rules = append(p.Rules, r)
	}
}

// loadBuiltin adds the rule files of the embedded pack, in name order.
func (l *loader) loadBuiltin(fsys fs.FS) error {
	var names []string
	if err := fs.WalkDir(fsys, ".", collectRuleFiles(&names)); err != nil {
		return fmt.Errorf("reading the built-in rules: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return fmt.Errorf("reading built-in rule %s: %w", n, err)
		}
		l.add("builtin:"+n, data)
	}
	return nil
}

// loadPath adds the rule files under a folder (in path order), or one file.
// An unreadable file is an error of the pack, an unreadable folder fails.
func (l *loader) loadPath(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("rules %s: %w", dir, err)
	}
	files := []string{dir}
	if info.IsDir() {
		files = nil
		if err := filepath.WalkDir(dir, collectRuleFiles(&files)); err != nil {
			return fmt.Errorf("reading rules in %s: %w", dir, err)
		}
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			l.p.Errors = append(l.p.Errors, RuleError{Source: f, Error: err.Error()})
			continue
		}
		l.add(f, data)
	}
	return nil
}

// collectRuleFiles is a WalkDirFunc appending the rule files it meets to
// names.
func collectRuleFiles(names *[]string) fs.WalkDirFunc {
	return func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isRuleFile(name) {
			*names = append(*names, name)
		}
		return nil
	}
}

// keepApplicable drops the rules that cannot run on CloudTrail: another log
// source is a skip, anything else an error.
func (p *Pack) keepApplicable() {
	kept := p.Rules[:0]
	for _, r := range p.Rules {
		if err := r.Applicable(); err != nil {
			re := RuleError{RuleID: r.ID, Title: r.Title, Source: r.Source, Error: err.Error()}
			if errors.Is(err, sigma.ErrNotApplicable) {
				p.Skipped = append(p.Skipped, re)
			} else {
				p.Errors = append(p.Errors, re)
			}
			continue
		}
		kept = append(kept, r)
	}
	p.Rules = kept
}

// Find returns the rule with this id (or unique id prefix, or title).
func (p *Pack) Find(key string) (*sigma.Rule, error) {
	var found []*sigma.Rule
	for _, r := range p.Rules {
		if r.ID == key || strings.EqualFold(r.Title, key) || r.Name == key {
			return r, nil
		}
		if len(key) >= 4 && strings.HasPrefix(r.ID, key) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no rule %q", key)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%q matches %d rules; give more of the id", key, len(found))
}

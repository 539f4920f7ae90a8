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
	p := &Pack{}
	byID := map[string]int{}
	add := func(source string, data []byte) {
		rs, err := sigma.Parse(data, source)
		if err != nil {
			p.Errors = append(p.Errors, RuleError{Source: source, Error: err.Error()})
			return
		}
		for _, r := range rs {
			if r.ID != "" {
				if i, ok := byID[r.ID]; ok {
					p.Rules[i] = r
					continue
				}
				byID[r.ID] = len(p.Rules)
			}
			p.Rules = append(p.Rules, r)
		}
	}
	if opts.Builtin != nil && !opts.NoBuiltin {
		var names []string
		err := fs.WalkDir(opts.Builtin, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && isRuleFile(name) {
				names = append(names, name)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading the built-in rules: %w", err)
		}
		sort.Strings(names)
		for _, n := range names {
			data, err := fs.ReadFile(opts.Builtin, n)
			if err != nil {
				return nil, fmt.Errorf("reading built-in rule %s: %w", n, err)
			}
			add("builtin:"+n, data)
		}
	}
	for _, dir := range opts.Dirs {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", dir, err)
		}
		var files []string
		if info.IsDir() {
			err = filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && isRuleFile(name) {
					files = append(files, name)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("reading rules in %s: %w", dir, err)
			}
		} else {
			files = []string{dir}
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				p.Errors = append(p.Errors, RuleError{Source: f, Error: err.Error()})
				continue
			}
			add(f, data)
		}
	}
	if err := sigma.Link(p.Rules); err != nil {
		p.Errors = append(p.Errors, RuleError{Source: "correlation references", Error: err.Error()})
	}
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
	return p, nil
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

package testenv

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines bounds a function outside tests (issue 18): a longer one is
// a list of steps waiting for names.
const maxFuncLines = 80

// TestStructure keeps two habits of docs/architecture.md: no function over
// maxFuncLines lines outside tests, and no SQL run from internal/cli (it
// calls the packages that own the data).
func TestStructure(t *testing.T) {
	root := RepoRoot(t)
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if base := d.Name(); rel != "." && (strings.HasPrefix(base, ".") || base == "testdata" || base == "out") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inCLI := strings.HasPrefix(filepath.ToSlash(rel), "internal/cli/")
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Body == nil {
					return true
				}
				if lines := fset.Position(n.End()).Line - fset.Position(n.Pos()).Line + 1; lines > maxFuncLines {
					t.Errorf("%s: %s is %d lines (at most %d): make it a list of named steps", rel, n.Name.Name, lines, maxFuncLines)
				}
			case *ast.SelectorExpr:
				switch n.Sel.Name {
				case "ExecContext", "QueryContext", "QueryRowContext", "Exec", "Query", "QueryRow":
					if inCLI && isDBCall(n) {
						t.Errorf("%s: %s runs SQL in internal/cli: move it to the package that owns the data", fset.Position(n.Pos()), n.Sel.Name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// isDBCall reports whether x.Sel is called on a database handle: st.DB()
// or a variable named like one.
func isDBCall(x *ast.SelectorExpr) bool {
	switch recv := x.X.(type) {
	case *ast.CallExpr:
		if s, ok := recv.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "DB" {
			return true
		}
	case *ast.Ident:
		switch recv.Name {
		case "db", "tx", "conn":
			return true
		}
	}
	return false
}

package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/trailsleuth/trailsleuth/internal/store"
)

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of trailsleuth and of its components",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(f.IO.Out, "trailsleuth %s\n", VersionString(f.Version))
			fmt.Fprintf(f.IO.Out, "case database schema %d, %s, %s/%s\n", store.SchemaVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// VersionString returns the version set at build time, or the module
// version and VCS revision Go recorded.
func VersionString(v string) string {
	if v != "" && v != "dev" {
		return v
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	out := bi.Main.Version
	if out == "" || out == "(devel)" {
		out = "dev"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			out += " (" + s.Value[:12] + ")"
		}
	}
	return out
}

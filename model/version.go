package model

import (
	"runtime/debug"
	"sync"
)

// Version is agentchaos's version, for the outputs that must say what made
// them (report JSON, sweep files and their fingerprints): the module
// version it was built as (go install …@v1.2.0), else "devel+" and the
// commit it was built from (with "+dirty" if the tree had changes), else
// "devel" (tests, and builds without version control information).
var Version = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	return "devel+" + rev[:min(12, len(rev))] + dirty
})

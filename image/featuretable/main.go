// SPDX-License-Identifier: BSD-3-Clause

// Command featuretable prints the feature table of the pinned tailscale.com
// (feature/featuretags) as JSON, for the feature-deps canary: every feature
// with its description, its declared dependencies, and whether it is
// omittable (ts_omit_<name>) or opt-in (ts_include_<name>).
//
//	cd image && GOFLAGS=-mod=readonly GOWORK=off go run ./featuretable
//
// It lives in the image module so it reads the very tailscale.com version
// that go.mod and go.sum pin for the image.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"

	"tailscale.com/feature/featuretags"
)

type feature struct {
	Name                 string   `json:"name"`
	Desc                 string   `json:"desc"`
	Deps                 []string `json:"deps"`
	Omittable            bool     `json:"omittable"`
	ImplementationDetail bool     `json:"implementation_detail"`
}

type table struct {
	Format           int       `json:"format"`
	TailscaleVersion string    `json:"tailscale_version"`
	GoVersion        string    `json:"go_version"`
	Features         []feature `json:"features"`
}

// tailscaleVersion is the tailscale.com module version this program was
// built against, from its own build info.
func tailscaleVersion() (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", fmt.Errorf("no build info in this binary")
	}
	for _, m := range bi.Deps {
		if m.Path == "tailscale.com" {
			if m.Replace != nil && m.Replace.Version != "" {
				return m.Replace.Version, nil
			}
			return m.Version, nil
		}
	}
	return "", fmt.Errorf("build info lists no tailscale.com module")
}

func main() {
	v, err := tailscaleVersion()
	if err != nil {
		fmt.Fprintf(os.Stderr, "featuretable: %v\n", err)
		os.Exit(1)
	}
	t := table{Format: 1, TailscaleVersion: v, GoVersion: runtime.Version()}
	names := make([]string, 0, len(featuretags.Features))
	for ft := range featuretags.Features {
		if ft != "" {
			names = append(names, string(ft))
		}
	}
	slices.Sort(names)
	for _, n := range names {
		ft := featuretags.FeatureTag(n)
		m := featuretags.Features[ft]
		deps := make([]string, 0, len(m.Deps))
		for _, d := range m.Deps {
			deps = append(deps, string(d))
		}
		t.Features = append(t.Features, feature{
			Name:                 n,
			Desc:                 m.Desc,
			Deps:                 deps,
			Omittable:            ft.IsOmittable(),
			ImplementationDetail: m.ImplementationDetail,
		})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		fmt.Fprintf(os.Stderr, "featuretable: %v\n", err)
		os.Exit(1)
	}
}

// SPDX-License-Identifier: BSD-3-Clause

//go:build ts_omit_logtail

// tscanary: added to tailscale.com/cmd/tailscaled with go build -overlay.
//
// Without logtail, tailscaled logs through the standard log package straight
// to stderr, and nothing drops its verbose lines: on a router they fill the
// container log. Drop lines tagged [v1], [v2] or [v3], and the verbose
// structured records logtail would have taken ("[v\x00JSON]1{...}"), unless
// the environment sets TS_LOG_VERBOSITY to 1 or more.

package main

import (
	"bytes"
	"io"
	"log"
	"os"
	"strconv"
)

type tscanaryQuietWriter struct{ next io.Writer }

// tscanaryJSONTag starts a structured record meant for logtail
// (types/logger's Logf.JSON); the digit after it is its verbosity.
var tscanaryJSONTag = []byte("[v\x00JSON]")

func (w tscanaryQuietWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("[v1]")) || bytes.Contains(p, []byte("[v2]")) ||
		bytes.Contains(p, []byte("[v3]")) {
		return len(p), nil // dropped on purpose: report it as written
	}
	// Verbose structured records (Hostinfo, controltime): without logtail
	// they would reach the container log raw, NUL byte included.
	if i := bytes.Index(p, tscanaryJSONTag); i >= 0 {
		if j := i + len(tscanaryJSONTag); j < len(p) && p[j] >= '1' && p[j] <= '9' {
			return len(p), nil
		}
	}
	return w.next.Write(p)
}

func init() {
	// os.Getenv, not envknob: tailscaled panics if envknob is read in init.
	if n, err := strconv.Atoi(os.Getenv("TS_LOG_VERBOSITY")); err == nil && n >= 1 {
		return
	}
	log.SetOutput(tscanaryQuietWriter{next: log.Writer()})
}

//go:build ts_omit_logtail

// tscanary: added to tailscale.com/cmd/tailscaled with go build -overlay.
//
// Without logtail, tailscaled logs through the standard log package straight
// to stderr, and nothing drops its verbose lines: on a router they fill the
// container log. Drop lines tagged [v1], [v2] or [v3] unless the environment
// sets TS_LOG_VERBOSITY to 1 or more.

package main

import (
	"bytes"
	"io"
	"log"
	"os"
	"strconv"
)

type tscanaryQuietWriter struct{ next io.Writer }

func (w tscanaryQuietWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("[v1]")) || bytes.Contains(p, []byte("[v2]")) ||
		bytes.Contains(p, []byte("[v3]")) {
		return len(p), nil // dropped on purpose: report it as written
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

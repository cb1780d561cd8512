//go:build tools

// Package tools pins the `kind` command that `cloudless_localcluster.build` compiles.
//
// Nothing imports this package: the blank import keeps kind's command (and so its dependencies)
// in go.mod and go.sum, so `go build sigs.k8s.io/kind` works from this module with exactly the
// pinned versions, and `go mod tidy` does not prune them.
package tools

import (
	_ "sigs.k8s.io/kind"
)

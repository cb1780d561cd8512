//go:build tools

// Package tools pins the `helm` command that `cloudless_localcluster.build` compiles.
//
// Nothing imports this package: the blank import keeps helm's command package (and so its
// dependencies) in go.mod and go.sum, so `go build helm.sh/helm/v3/cmd/helm` works from this
// module with exactly the pinned versions, and `go mod tidy` does not prune them.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)

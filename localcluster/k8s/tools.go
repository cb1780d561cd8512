//go:build tools

// Package tools pins the control-plane commands that `cloudless_localcluster.build` compiles.
//
// Nothing imports this package: the blank imports keep the commands' packages (and so their
// dependencies) in go.mod and go.sum, so `go build k8s.io/kubernetes/cmd/kube-apiserver` works
// from this module with exactly the pinned versions, and `go mod tidy` does not prune them.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)

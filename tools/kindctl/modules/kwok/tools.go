//go:build tools

// Package tools pins the kwok commands built from this wrapper module; it is
// never compiled (build tag "tools").
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
	_ "sigs.k8s.io/kwok/cmd/kwokctl"
)

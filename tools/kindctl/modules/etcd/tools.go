//go:build tools

// Package tools pins the etcd server command built from this wrapper module;
// it is never compiled (build tag "tools").
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
)

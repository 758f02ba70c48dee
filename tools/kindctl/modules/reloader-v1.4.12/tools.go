//go:build tools

// Package tools pins the Reloader command built from this wrapper module; it
// is never compiled (build tag "tools").
package tools

import (
	_ "github.com/stakater/Reloader"
)

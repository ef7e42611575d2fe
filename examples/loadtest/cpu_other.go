//go:build !unix

package main

import "time"

// programCPU cannot be read here: the CPU columns say so.
func programCPU() (time.Duration, bool) { return 0, false }

//go:build unix

package main

import (
	"syscall"
	"time"
)

// programCPU is the CPU this process has spent, in user and system mode,
// on every thread.
func programCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

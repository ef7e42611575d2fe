//go:build unix

package mitid_test

import (
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// BenchmarkRawArgon2idConfigurations prices argon2id as DefaultPolicy's
// default is chosen: OWASP's equal-strength pairs beside RFC 9106's second
// recommendation, each with the CPU one check costs (cpu-ms/op) and its
// memory (the m in KiB):
//
//	go test -run='^$' -bench=RawArgon2idConfigurations -benchtime=20x -count=3 .
func BenchmarkRawArgon2idConfigurations(b *testing.B) {
	for _, c := range []struct {
		name    string
		t, m    uint32
		threads uint8
	}{
		{"OWASP-m46MiB-t1-p1(default)", 1, 46 * 1024, 1},
		{"OWASP-m19MiB-t2-p1", 2, 19 * 1024, 1},
		{"OWASP-m12MiB-t3-p1", 3, 12 * 1024, 1},
		{"RFC9106-m64MiB-t3-p2(before)", 3, 64 * 1024, 2},
	} {
		b.Run(c.name, func(b *testing.B) {
			salt := make([]byte, 16)
			start := processCPU()
			for b.Loop() {
				argon2.IDKey([]byte(password), salt, c.t, c.m, c.threads, 32)
			}
			b.ReportMetric(float64((processCPU()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

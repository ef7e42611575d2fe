package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTimes is the CPU time spent so far by the whole machine (every
// process: this program, PostgreSQL's backends, the kernel on their
// behalf, and anything else the machine runs) and by this program alone.
// A figure's CPU per operation is the difference across its turns divided
// by the operations that succeeded: the machine's says what one operation
// costs all told, which is what bounds throughput on a busy box, and the
// program's how much of that is the program's (the library's Go, pgx, the
// simulated devices, the autovacuum stand-in's client side, and the
// kernel's work for them); on a machine that runs nothing else, the rest
// is the database's and the kernel's for it. ok is false where the
// machine's time cannot be read (no /proc/stat): the columns then say so.
type cpuTimes struct {
	machine, program time.Duration
	ok               bool
}

// sub is the CPU spent between since and t.
func (t cpuTimes) sub(since cpuTimes) cpuTimes {
	return cpuTimes{machine: t.machine - since.machine, program: t.program - since.program, ok: t.ok && since.ok}
}

// userHZ is the unit of /proc/stat's times: USER_HZ, 100 on every Linux
// architecture Go supports (the kernel fixes it for user space, whatever
// its own tick).
const userHZ = 100

// machineCPU is the machine's busy time from /proc/stat's first line: user,
// nice, system, irq and softirq. Idle and iowait are not work, and steal is
// time the hypervisor gave to another guest.
func machineCPU() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	return parseProcStat(string(b))
}

// parseProcStat reads the busy time from the text of /proc/stat.
func parseProcStat(s string) (time.Duration, bool) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system (idle iowait) irq softirq
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, true
}

// readCPU is the CPU spent so far (see cpuTimes).
func readCPU() cpuTimes {
	m, ok := machineCPU()
	p, pok := programCPU()
	return cpuTimes{machine: m, program: p, ok: ok && pok}
}

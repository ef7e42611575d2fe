package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseProcStat_CountsBusyTimeOnly(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want time.Duration
		ok   bool
	}{
		// user 100, nice 20, system 30, idle 1000, iowait 50, irq 5, softirq 7, steal 9: busy 162 ticks.
		{"user, nice, system, irq and softirq", "cpu  100 20 30 1000 50 5 7 9 0 0\ncpu0 50 10 15 500 25 2 3 4 0 0\n", 1620 * time.Millisecond, true},
		{"a kernel without steal and guest", "cpu 1 0 0 9 0 0 1\n", 20 * time.Millisecond, true},
		{"not the machine's line", "cpu0 1 2 3 4 5 6 7 8\n", 0, false},
		{"too few fields", "cpu 1 2 3\n", 0, false},
		{"a field that is not a number", "cpu 1 x 3 4 5 6 7 8\n", 0, false},
		{"empty", "", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseProcStat(c.text)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestRow_CPUPerOperationAddsEveryTurn(t *testing.T) {
	r := &row{n: 4}
	r.addCPU(cpuTimes{machine: 3 * time.Millisecond, program: time.Millisecond, ok: true})
	r.addCPU(cpuTimes{machine: 5 * time.Millisecond, program: 3 * time.Millisecond, ok: true})
	assert.Equal(t, "2,000 / 1,000", r.perOp())
	r.addCPU(cpuTimes{ok: false})
	assert.Equal(t, "–", r.perOp(), "a turn whose CPU could not be read spoils the figure")
	assert.Equal(t, "–", (&row{}).perOp(), "nothing done, nothing to divide")
}

package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// readProc reads a process's memory and CPU use from /proc.
func readProc(pid int) (procSample, error) {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("read process status: %w", err)
	}
	for _, line := range bytes.Split(status, []byte("\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch string(name) {
		case "VmRSS":
			s.RSS = kB(value)
		case "VmHWM":
			s.PeakRSS = kB(value)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("read process stat: %w", err)
	}
	// The command name, in parentheses, may hold spaces: count fields
	// from after its closing parenthesis, where field 3 (state) starts.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("read process stat: no command name in %q", stat)
	}
	fields := bytes.Fields(stat[i+1:])
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return s, fmt.Errorf("read process stat: %d fields", len(fields))
	}
	u, err1 := strconv.ParseInt(string(fields[utime]), 10, 64)
	k, err2 := strconv.ParseInt(string(fields[stime]), 10, 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("read process stat: utime %q stime %q", fields[utime], fields[stime])
	}
	s.CPU = time.Duration(u+k) * time.Second / clockTicks
	return s, nil
}

// kB parses a /proc/PID/status size such as " 12345 kB" into bytes.
func kB(v []byte) int64 {
	f := bytes.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[0]), 10, 64)
	return n << 10
}

// selfCPU is the user plus system time this process has used.
func selfCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// readMachine reads the machine's CPU time from /proc/stat.
func readMachine() (machineSample, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineSample{}, fmt.Errorf("read /proc/stat: %w", err)
	}
	return parseMachine(stat)
}

// parseMachine reads /proc/stat's first line: "cpu" and the times user,
// nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice
// (guest time is counted in user time already).
func parseMachine(stat []byte) (machineSample, error) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 9 || string(fields[0]) != "cpu" {
		return machineSample{}, fmt.Errorf("read /proc/stat: unexpected first line %q", line)
	}
	var m machineSample
	for i, f := range fields[1:9] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return machineSample{}, fmt.Errorf("read /proc/stat: %q: %w", f, err)
		}
		m.Total += n
		if i == 7 {
			m.Steal = n
		}
	}
	return m, nil
}

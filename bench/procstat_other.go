//go:build !linux

package bench

import (
	"errors"
	"time"
)

// readProc needs /proc; elsewhere the server's RSS and CPU go unmeasured.
func readProc(pid int) (procSample, error) {
	return procSample{}, errors.New("process statistics need Linux's /proc")
}

func selfCPU() (time.Duration, bool) { return 0, false }

// readMachine needs /proc; elsewhere steal time goes unmeasured.
func readMachine() (machineSample, error) {
	return machineSample{}, errors.New("steal time needs Linux's /proc")
}

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile profiles the process into the file HOOKFLOW_CPUPROFILE
// names, if any (hookflow bench --cpuprofile sets it for its child server).
// The returned func writes the profile out.
func startCPUProfile() (stop func(), err error) {
	path := os.Getenv("HOOKFLOW_CPUPROFILE")
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("HOOKFLOW_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("HOOKFLOW_CPUPROFILE: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

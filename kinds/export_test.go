package kinds

import "time"

// The poll consumers of the tests follow the tests' clocks closely.
func init() { pollRecheck = 2 * time.Millisecond }

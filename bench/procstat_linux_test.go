package bench

import "testing"

func TestParseMachine(t *testing.T) {
	t.Parallel()
	stat := []byte("cpu  42488 0 15119 42046 1516 0 2229 5660 0 0\ncpu0 21000 0 7500 21000 700 0 1100 2800 0 0\nintr 1\n")
	m, err := parseMachine(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := (machineSample{Total: 42488 + 15119 + 42046 + 1516 + 2229 + 5660, Steal: 5660}); m != want {
		t.Errorf("parseMachine = %+v, want %+v", m, want)
	}
	for _, bad := range []string{"", "intr 1 2 3\n", "cpu 1 2 3\n", "cpu 1 2 3 4 5 6 7 x 9 10\n"} {
		if _, err := parseMachine([]byte(bad)); err == nil {
			t.Errorf("parseMachine(%q) took it", bad)
		}
	}
	if _, err := readMachine(); err != nil {
		t.Errorf("readMachine: %v", err)
	}
}

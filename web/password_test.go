package web

import (
	"fmt"
	"strings"
	"testing"
)

// TestDummyHashParameters: the fixed hash an unknown email is checked
// against costs what a user's password costs, so its parameters are
// those HashPassword uses, and it is a hash that verifies.
func TestDummyHashParameters(t *testing.T) {
	t.Parallel()
	parts := strings.Split(dummyHash, "$")
	if len(parts) != 6 {
		t.Fatalf("dummyHash %q is not a PHC string", dummyHash)
	}
	want := fmt.Sprintf("m=%d,t=%d,p=%d", argonMemory, argonTime, argonThreads)
	if parts[3] != want {
		t.Errorf("dummyHash parameters %q, want %q (make it again with HashPassword)", parts[3], want)
	}
	fresh, err := HashPassword("x")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(dummyHash), len(fresh); got != want {
		t.Errorf("dummyHash is %d characters, a fresh hash %d", got, want)
	}
	ok, err := verifyPassword(dummyHash, "no user has this password")
	if err != nil || !ok {
		t.Errorf("verifyPassword(dummyHash) = %v, %v; want true", ok, err)
	}
	if ok, _ := verifyPassword(dummyHash, "another password"); ok {
		t.Error("dummyHash verifies another password")
	}
}

package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Passwords are kept as argon2id hashes in the PHC string form
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash), so the parameters can be
// raised later without breaking the hashes already stored. These are the
// first of OWASP's argon2id settings: 19 MiB, two passes, one lane.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLen is the fewest characters a password may have.
const MinPasswordLen = 10

// maxPasswordLen bounds the work one login attempt can ask for.
const maxPasswordLen = 1024

// CheckPassword says, in plain words, why a new password is refused.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("the password is %d characters long: use at least %d", n, MinPasswordLen)
	case len(pw) > maxPasswordLen:
		return fmt.Errorf("the password is over %d bytes", maxPasswordLen)
	}
	return nil
}

// HashPassword hashes a password with argon2id and a random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBadHash: a stored hash that is not an argon2id PHC string.
var errBadHash = errors.New("not an argon2id password hash")

// verifyPassword reports whether pw matches the stored hash, in constant
// time; the work is that of the hash's own parameters.
func verifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var (
		mem, tm uint32
		threads uint8
	)
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &tm, &threads); err != nil || threads == 0 || tm == 0 {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, tm, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against for a login with an unknown email, so it
// costs what a wrong password costs: the answer's timing tells nothing
// about which emails exist. It is a hash made once with the parameters
// above (TestDummyHashParameters holds it to them), not made at start:
// argon2id's 19 MiB taken at every start was the largest heap of a
// server's first seconds, and its pages stayed resident.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$zC+o3ZFXJ48AshpGiOWUNg$7aj0IaCom4PRZvnkJI4ExRvXTQSibEm1ZkjGsFTHYPk"

package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testToken(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("PutGet", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		key := "oauth2:" + newID()
		_, err := b.s.TokenGet(b.ctx, key)
		wantErr(t, "TokenGet(none)", err, store.ErrNotFound)

		at := b.now.Add(time.Hour)
		if err := b.s.TokenPut(b.ctx, store.TokenPutParams{Key: key, Ciphertext: []byte{1, 2, 0, 3}, RefreshAt: at, Now: b.now}); err != nil {
			t.Fatalf("TokenPut: %v", err)
		}
		got, err := b.s.TokenGet(b.ctx, key)
		if err != nil {
			t.Fatalf("TokenGet: %v", err)
		}
		diff(t, "TokenGet", got, store.Token{Key: key, Ciphertext: []byte{1, 2, 0, 3}, RefreshAt: at, UpdatedAt: b.now})

		later := b.now.Add(time.Minute)
		if err := b.s.TokenPut(b.ctx, store.TokenPutParams{Key: key, Ciphertext: []byte("new"), RefreshAt: at.Add(time.Hour), Now: later}); err != nil {
			t.Fatalf("TokenPut(again): %v", err)
		}
		got, err = b.s.TokenGet(b.ctx, key)
		if err != nil || string(got.Ciphertext) != "new" || !got.RefreshAt.Equal(at.Add(time.Hour)) || !got.UpdatedAt.Equal(later) {
			t.Fatalf("TokenGet(replaced) = %+v, %v", got, err)
		}
	})

	t.Run("Lock", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		key := "oauth2:" + newID()
		until := b.now.Add(30 * time.Second)
		ok, err := b.s.TokenLock(b.ctx, store.TokenLockParams{Key: key, Now: b.now, Until: until})
		if err != nil || !ok {
			t.Fatalf("TokenLock(first) = %v, %v; want it taken", ok, err)
		}
		// A lock alone is no token.
		_, err = b.s.TokenGet(b.ctx, key)
		wantErr(t, "TokenGet(locked, no token)", err, store.ErrNotFound)
		ok, err = b.s.TokenLock(b.ctx, store.TokenLockParams{Key: key, Now: b.now.Add(time.Second), Until: until.Add(time.Second)})
		if err != nil || ok {
			t.Fatalf("TokenLock(held) = %v, %v; want refused", ok, err)
		}
		// Past its end, a lock is nobody's.
		ok, err = b.s.TokenLock(b.ctx, store.TokenLockParams{Key: key, Now: until, Until: until.Add(30 * time.Second)})
		if err != nil || !ok {
			t.Fatalf("TokenLock(expired lock) = %v, %v; want it taken", ok, err)
		}
		if err := b.s.TokenUnlock(b.ctx, key); err != nil {
			t.Fatalf("TokenUnlock: %v", err)
		}
		ok, err = b.s.TokenLock(b.ctx, store.TokenLockParams{Key: key, Now: until, Until: until.Add(30 * time.Second)})
		if err != nil || !ok {
			t.Fatalf("TokenLock(after unlock) = %v, %v; want it taken", ok, err)
		}
		// A put ends the lock.
		if err := b.s.TokenPut(b.ctx, store.TokenPutParams{Key: key, Ciphertext: []byte("t"), RefreshAt: until.Add(time.Hour), Now: until}); err != nil {
			t.Fatalf("TokenPut: %v", err)
		}
		ok, err = b.s.TokenLock(b.ctx, store.TokenLockParams{Key: key, Now: until, Until: until.Add(30 * time.Second)})
		if err != nil || !ok {
			t.Fatalf("TokenLock(after put) = %v, %v; want it taken", ok, err)
		}
		if got, err := b.s.TokenGet(b.ctx, key); err != nil || string(got.Ciphertext) != "t" {
			t.Fatalf("TokenGet(locked again) = %+v, %v; want the token kept", got, err)
		}
	})

	t.Run("LockOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		key := "oauth2:" + newID()
		var took atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := b.s.TokenLock(b.ctx, store.TokenLockParams{Key: key, Now: b.now, Until: b.now.Add(time.Minute)})
				if err != nil {
					t.Errorf("TokenLock: %v", err)
				}
				if ok {
					took.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := took.Load(); n != 1 {
			t.Fatalf("%d of 8 concurrent TokenLock calls took the lock; want 1", n)
		}
	})
}

package storetest

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testSecret(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("PutListDelete", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		if got, err := b.s.SecretList(b.ctx); err != nil || len(got) != 0 {
			t.Fatalf("SecretList(empty store) = %v, %v; want none", got, err)
		}
		wantErr(t, "SecretDelete(never put)", b.s.SecretDelete(b.ctx, "api"), store.ErrNotFound)

		later := b.now.Add(time.Minute)
		for _, put := range []struct {
			name string
			ct   []byte
			at   time.Time
		}{
			{"api", []byte{0x01, 0x00, 0xff, 'a'}, b.now}, // bytes kept as they are, NULs too
			{"API", []byte("other case, other secret"), b.now},
			{"gh", []byte("gh-1"), b.now},
			{"api", []byte{0x01, 0x02}, later}, // replaced: created_at kept
		} {
			if err := b.s.SecretPut(b.ctx, put.name, put.ct, put.at); err != nil {
				t.Fatalf("SecretPut(%s): %v", put.name, err)
			}
		}
		want := []store.Secret{
			{Name: "API", Ciphertext: []byte("other case, other secret"), CreatedAt: b.now, UpdatedAt: b.now},
			{Name: "api", Ciphertext: []byte{0x01, 0x02}, CreatedAt: b.now, UpdatedAt: later},
			{Name: "gh", Ciphertext: []byte("gh-1"), CreatedAt: b.now, UpdatedAt: b.now},
		}
		b.wantSecrets(t, want)

		if err := b.s.SecretDelete(b.ctx, "api"); err != nil {
			t.Fatalf("SecretDelete(api): %v", err)
		}
		wantErr(t, "SecretDelete(api) again", b.s.SecretDelete(b.ctx, "api"), store.ErrNotFound)
		b.wantSecrets(t, []store.Secret{want[0], want[2]})
	})
}

func (b *bundle) wantSecrets(t *testing.T, want []store.Secret) {
	t.Helper()
	got, err := b.s.SecretList(b.ctx)
	if err != nil {
		t.Fatalf("SecretList: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("SecretList = %d secrets %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		diff(t, "SecretList["+want[i].Name+"]", got[i], want[i])
	}
}

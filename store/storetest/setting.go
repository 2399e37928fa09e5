package storetest

import (
	"testing"

	"github.com/hookflow/hookflow/store"
)

func testSetting(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("GetPut", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		_, err := b.s.SettingGet(b.ctx, "admin_token_hash")
		wantErr(t, "SettingGet(never put)", err, store.ErrNotFound)

		for _, put := range []struct{ name, value string }{
			{"admin_token_hash", "h1"},
			{"other", ""}, // an empty value is a value
			{"admin_token_hash", "h2"},
		} {
			if err := b.s.SettingPut(b.ctx, put.name, put.value); err != nil {
				t.Fatalf("SettingPut(%s): %v", put.name, err)
			}
		}
		for name, want := range map[string]string{"admin_token_hash": "h2", "other": ""} {
			if got, err := b.s.SettingGet(b.ctx, name); err != nil || got != want {
				t.Errorf("SettingGet(%s) = %q, %v; want %q", name, got, err, want)
			}
		}
	})
}

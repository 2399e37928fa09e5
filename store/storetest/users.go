package storetest

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testUsers(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Users", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		if got, err := b.s.UserList(b.ctx); err != nil || len(got) != 0 {
			t.Fatalf("UserList(empty store) = %v, %v; want none", got, err)
		}
		ann := store.User{ID: newID(), Email: "ann@example.com", Role: store.RoleAdmin, PasswordHash: "$argon2id$a", CreatedAt: b.now, UpdatedAt: b.now}
		bob := store.User{ID: newID(), Email: "bob@example.com", Role: store.RoleViewer, PasswordHash: "$argon2id$b", CreatedAt: b.now, UpdatedAt: b.now}
		for _, u := range []store.User{bob, ann} {
			if err := b.s.UserCreate(b.ctx, u); err != nil {
				t.Fatalf("UserCreate(%s): %v", u.Email, err)
			}
		}
		dup := bob
		dup.ID = newID()
		wantErr(t, "UserCreate(email taken)", b.s.UserCreate(b.ctx, dup), store.ErrConflict)

		got, err := b.s.UserList(b.ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("UserList = %v, %v; want 2 users", got, err)
		}
		diff(t, "UserList[0]", got[0], ann)
		diff(t, "UserList[1]", got[1], bob)
		if u, err := b.s.UserGet(b.ctx, bob.ID); err != nil {
			t.Fatalf("UserGet: %v", err)
		} else {
			diff(t, "UserGet", u, bob)
		}
		if u, err := b.s.UserGetByEmail(b.ctx, ann.Email); err != nil {
			t.Fatalf("UserGetByEmail: %v", err)
		} else {
			diff(t, "UserGetByEmail", u, ann)
		}
		_, err = b.s.UserGetByEmail(b.ctx, "nobody@example.com")
		wantErr(t, "UserGetByEmail(unknown)", err, store.ErrNotFound)
		_, err = b.s.UserGet(b.ctx, newID())
		wantErr(t, "UserGet(unknown)", err, store.ErrNotFound)

		// A role change keeps the password and the sessions.
		later := b.now.Add(time.Minute)
		sess := store.Session{IDHash: "s-bob-1", UserID: bob.ID, CreatedAt: b.now, ExpiresAt: b.now.Add(time.Hour)}
		if err := b.s.SessionCreate(b.ctx, sess); err != nil {
			t.Fatalf("SessionCreate: %v", err)
		}
		u, err := b.s.UserUpdate(b.ctx, store.UserUpdateParams{ID: bob.ID, Role: store.RoleEditor, Now: later})
		if err != nil {
			t.Fatalf("UserUpdate(role): %v", err)
		}
		bob.Role, bob.UpdatedAt = store.RoleEditor, later
		diff(t, "UserUpdate(role)", u, bob)
		if _, err := b.s.SessionGet(b.ctx, sess.IDHash); err != nil {
			t.Fatalf("the session ended on a role change: %v", err)
		}
		// A password change ends the user's sessions, no one else's.
		other := store.Session{IDHash: "s-ann-1", UserID: ann.ID, CreatedAt: b.now, ExpiresAt: b.now.Add(time.Hour)}
		if err := b.s.SessionCreate(b.ctx, other); err != nil {
			t.Fatalf("SessionCreate: %v", err)
		}
		u, err = b.s.UserUpdate(b.ctx, store.UserUpdateParams{ID: bob.ID, PasswordHash: "$argon2id$b2", Now: later})
		if err != nil {
			t.Fatalf("UserUpdate(password): %v", err)
		}
		bob.PasswordHash = "$argon2id$b2"
		diff(t, "UserUpdate(password)", u, bob)
		_, err = b.s.SessionGet(b.ctx, sess.IDHash)
		wantErr(t, "SessionGet after a password change", err, store.ErrNotFound)
		if _, err := b.s.SessionGet(b.ctx, other.IDHash); err != nil {
			t.Fatalf("another user's session ended: %v", err)
		}
		_, err = b.s.UserUpdate(b.ctx, store.UserUpdateParams{ID: newID(), Role: store.RoleAdmin})
		wantErr(t, "UserUpdate(unknown)", err, store.ErrNotFound)

		// Deleting a user takes its sessions and tokens.
		tok := store.APIToken{ID: newID(), UserID: ann.ID, Name: "ci", Role: store.RoleEditor, Hash: "h-ann", CreatedAt: b.now}
		if err := b.s.APITokenCreate(b.ctx, tok); err != nil {
			t.Fatalf("APITokenCreate: %v", err)
		}
		if err := b.s.UserDelete(b.ctx, ann.ID); err != nil {
			t.Fatalf("UserDelete: %v", err)
		}
		wantErr(t, "UserDelete again", b.s.UserDelete(b.ctx, ann.ID), store.ErrNotFound)
		_, err = b.s.SessionGet(b.ctx, other.IDHash)
		wantErr(t, "SessionGet of a deleted user", err, store.ErrNotFound)
		_, err = b.s.APITokenGetByHash(b.ctx, tok.Hash)
		wantErr(t, "APITokenGetByHash of a deleted user", err, store.ErrNotFound)
	})

	t.Run("Sessions", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		admin := store.Session{IDHash: "s-admin", AdminTokenHash: "abc", CreatedAt: b.now, ExpiresAt: b.now.Add(time.Hour)}
		old := store.Session{IDHash: "s-old", UserID: newID(), CreatedAt: b.now.Add(-2 * time.Hour), ExpiresAt: b.now.Add(-time.Hour)}
		for _, s := range []store.Session{admin, old} {
			if err := b.s.SessionCreate(b.ctx, s); err != nil {
				t.Fatalf("SessionCreate(%s): %v", s.IDHash, err)
			}
		}
		got, err := b.s.SessionGet(b.ctx, admin.IDHash)
		if err != nil {
			t.Fatalf("SessionGet: %v", err)
		}
		diff(t, "SessionGet", got, admin)
		if n, err := b.s.SessionPrune(b.ctx, b.now); err != nil || n != 1 {
			t.Fatalf("SessionPrune = %d, %v; want 1", n, err)
		}
		_, err = b.s.SessionGet(b.ctx, old.IDHash)
		wantErr(t, "SessionGet(pruned)", err, store.ErrNotFound)
		if err := b.s.SessionDelete(b.ctx, admin.IDHash); err != nil {
			t.Fatalf("SessionDelete: %v", err)
		}
		if err := b.s.SessionDelete(b.ctx, admin.IDHash); err != nil {
			t.Fatalf("SessionDelete(gone): %v", err)
		}
		_, err = b.s.SessionGet(b.ctx, admin.IDHash)
		wantErr(t, "SessionGet(deleted)", err, store.ErrNotFound)
	})

	t.Run("APITokens", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		u1, u2 := newID(), newID()
		t1 := store.APIToken{ID: newID(), UserID: u1, Name: "deploy", Role: store.RoleEditor, Hash: "h1", CreatedAt: b.now}
		t2 := store.APIToken{ID: newID(), UserID: u1, Name: "read", Role: store.RoleViewer, Hash: "h2",
			ExpiresAt: b.now.Add(24 * time.Hour), CreatedAt: b.now.Add(time.Second)}
		t3 := store.APIToken{ID: newID(), UserID: u2, Name: "other", Role: store.RoleViewer, Hash: "h3", CreatedAt: b.now.Add(2 * time.Second)}
		for _, tk := range []store.APIToken{t1, t2, t3} {
			if err := b.s.APITokenCreate(b.ctx, tk); err != nil {
				t.Fatalf("APITokenCreate(%s): %v", tk.Name, err)
			}
		}
		dup := t1
		dup.ID = newID()
		wantErr(t, "APITokenCreate(same hash)", b.s.APITokenCreate(b.ctx, dup), store.ErrConflict)
		got, err := b.s.APITokenGetByHash(b.ctx, "h2")
		if err != nil {
			t.Fatalf("APITokenGetByHash: %v", err)
		}
		diff(t, "APITokenGetByHash", got, t2)
		mine, err := b.s.APITokenList(b.ctx, u1)
		if err != nil || len(mine) != 2 {
			t.Fatalf("APITokenList(u1) = %v, %v; want 2", mine, err)
		}
		diff(t, "APITokenList(u1)[0]", mine[0], t2)
		diff(t, "APITokenList(u1)[1]", mine[1], t1)
		all, err := b.s.APITokenList(b.ctx, "")
		if err != nil || len(all) != 3 || all[0].ID != t3.ID {
			t.Fatalf("APITokenList(all) = %v, %v; want 3, newest first", all, err)
		}
		if err := b.s.APITokenDelete(b.ctx, t1.ID); err != nil {
			t.Fatalf("APITokenDelete: %v", err)
		}
		wantErr(t, "APITokenDelete again", b.s.APITokenDelete(b.ctx, t1.ID), store.ErrNotFound)
		_, err = b.s.APITokenGetByHash(b.ctx, "h1")
		wantErr(t, "APITokenGetByHash(revoked)", err, store.ErrNotFound)
	})

	t.Run("Audit", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		var made []store.AuditEntry
		for i, e := range []store.AuditEntry{
			{Actor: "admin token", Via: "bearer", Action: "user.create", Target: "u1"},
			{Actor: "ann@example.com", Via: "session", Action: "workflow.update", Target: "orders", RevisionBefore: 1, RevisionAfter: 2, Detail: `{"x":1}`},
			{Actor: "ann@example.com", Via: "token ci", Action: "secret.set", Target: "api_key"},
			{Actor: "bob@example.com", Via: "", Action: "login.failed"},
		} {
			e.ID, e.At, e.Client = newID(), b.now.Add(time.Duration(i)*time.Hour), "127.0.0.1"
			if err := b.s.AuditInsert(b.ctx, e); err != nil {
				t.Fatalf("AuditInsert: %v", err)
			}
			made = append(made, e)
		}
		list := func(p store.AuditListParams) []store.AuditEntry {
			t.Helper()
			got, err := b.s.AuditList(b.ctx, p)
			if err != nil {
				t.Fatalf("AuditList(%+v): %v", p, err)
			}
			return got
		}
		all := list(store.AuditListParams{})
		if len(all) != 4 {
			t.Fatalf("AuditList = %d entries, want 4", len(all))
		}
		for i := range all {
			diff(t, "AuditList", all[i], made[3-i])
		}
		if got := list(store.AuditListParams{Actor: "ann@example.com"}); len(got) != 2 || got[0].ID != made[2].ID {
			t.Errorf("AuditList(actor) = %v", got)
		}
		if got := list(store.AuditListParams{Action: "workflow.update"}); len(got) != 1 || got[0].ID != made[1].ID {
			t.Errorf("AuditList(action) = %v", got)
		}
		if got := list(store.AuditListParams{Since: b.now.Add(time.Hour), Until: b.now.Add(3 * time.Hour)}); len(got) != 2 || got[0].ID != made[2].ID || got[1].ID != made[1].ID {
			t.Errorf("AuditList(since, until) = %v", got)
		}
		page1 := list(store.AuditListParams{Limit: 3})
		page2 := list(store.AuditListParams{Limit: 3, Before: page1[2].ID})
		if len(page1) != 3 || len(page2) != 1 || page2[0].ID != made[0].ID {
			t.Errorf("AuditList pages = %d + %d entries", len(page1), len(page2))
		}
		if n, err := b.s.AuditPrune(b.ctx, b.now.Add(2*time.Hour)); err != nil || n != 2 {
			t.Fatalf("AuditPrune = %d, %v; want 2", n, err)
		}
		if got := list(store.AuditListParams{}); len(got) != 2 || got[1].ID != made[2].ID {
			t.Errorf("AuditList after prune = %v", got)
		}
	})
}

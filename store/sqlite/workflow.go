package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// WorkflowSave creates the workflow (revision 1) or stores its next
// revision, and records the revision, in one transaction. On create an empty
// HookKey is replaced by a random one; a taken key is store.ErrConflict. With
// CreateOnly, the insert does nothing where the id exists, and the save is
// store.ErrConflict.
func (s *Store) WorkflowSave(ctx context.Context, p store.WorkflowSaveParams) (store.Workflow, error) {
	if p.ID == "" {
		return store.Workflow{}, errors.New("save workflow: empty id")
	}
	now := nanos(store.OrNow(p.Now))
	var w store.Workflow
	err := s.write(ctx, func(tx *sql.Tx) error {
		var revision int // 0: none yet
		if !p.CreateOnly {
			err := tx.QueryRowContext(ctx, `SELECT revision FROM workflows WHERE id = ?`, p.ID).Scan(&revision)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var err error
		switch revision {
		case 0:
			key := p.HookKey
			if key == "" {
				key = store.NewHookKey()
			}
			w, err = scanWorkflow(tx.QueryRowContext(ctx, `
				INSERT INTO workflows (id, revision, enabled, hook_key, name, definition, created_at, updated_at)
				VALUES (?, 1, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING
				RETURNING `+workflowColumns,
				p.ID, p.Enabled, key, p.Name, store.NonNil(p.Definition), now, now))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("id taken: %w", store.ErrConflict)
			case isConstraint(err):
				return fmt.Errorf("hook key taken: %w", store.ErrConflict)
			}
		default:
			w, err = scanWorkflow(tx.QueryRowContext(ctx, `
				UPDATE workflows SET revision = ?, enabled = ?, name = ?, definition = ?, updated_at = ?
				WHERE id = ?
				RETURNING `+workflowColumns,
				revision+1, p.Enabled, p.Name, store.NonNil(p.Definition), now, p.ID))
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO revisions (workflow_id, revision, definition, created_at) VALUES (?, ?, ?, ?)`,
			w.ID, w.Revision, store.NonNil(p.Definition), now)
		if err != nil {
			return err
		}
		return bumpWorkflowsVersion(ctx, tx)
	})
	if err != nil {
		return store.Workflow{}, fmt.Errorf("save workflow %s: %w", p.ID, err)
	}
	return w, nil
}

// bumpWorkflowsVersion changes WorkflowsVersion, in the transaction of
// the change.
func bumpWorkflowsVersion(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO settings (name, value) VALUES ('workflows_version', '1')
		ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`)
	return err
}

// WorkflowsVersion reads the number each workflow change bumps.
func (s *Store) WorkflowsVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.reader.QueryRowContext(ctx,
		`SELECT coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'workflows_version'), 0)`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("workflows version: %w", err)
	}
	return v, nil
}

// WorkflowGet returns the current revision of a workflow.
func (s *Store) WorkflowGet(ctx context.Context, id string) (store.Workflow, error) {
	w, err := scanWorkflow(s.reader.QueryRowContext(ctx,
		`SELECT `+workflowColumns+` FROM workflows WHERE id = ?`, id))
	if err != nil {
		return store.Workflow{}, fmt.Errorf("get workflow %s: %w", id, notFound(err))
	}
	return w, nil
}

// WorkflowGetByHookKey resolves a hook key (a trigger URL's last segment).
func (s *Store) WorkflowGetByHookKey(ctx context.Context, key string) (store.Workflow, error) {
	w, err := scanWorkflow(s.reader.QueryRowContext(ctx,
		`SELECT `+workflowColumns+` FROM workflows WHERE hook_key = ?`, key))
	if err != nil {
		return store.Workflow{}, fmt.Errorf("get workflow by hook key: %w", notFound(err))
	}
	return w, nil
}

// WorkflowList returns every workflow, ordered by id.
func (s *Store) WorkflowList(ctx context.Context) ([]store.Workflow, error) {
	return queryList(ctx, s, "list workflows", scanWorkflow, `SELECT `+workflowColumns+` FROM workflows ORDER BY id`)
}

// WorkflowHeads returns every workflow without its definition, ordered by
// id.
func (s *Store) WorkflowHeads(ctx context.Context) ([]store.Workflow, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+workflowHeadColumns+` FROM workflows ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list workflow heads: %w", err)
	}
	defer rows.Close()
	var ws []store.Workflow
	for rows.Next() {
		w, err := scanWorkflow(rows)
		if err != nil {
			return nil, fmt.Errorf("list workflow heads: %w", err)
		}
		w.Definition = nil
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list workflow heads: %w", err)
	}
	return ws, nil
}

// WorkflowDelete removes a workflow with its revisions, events, runs and
// step results in one transaction; store.ErrNotFound if there is none.
func (s *Store) WorkflowDelete(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM step_results WHERE run_id IN (SELECT id FROM runs WHERE workflow_id = ?)`,
			`DELETE FROM runs WHERE workflow_id = ?`,
			`DELETE FROM events WHERE workflow_id = ?`,
			`DELETE FROM revisions WHERE workflow_id = ?`,
			`DELETE FROM kv WHERE scope = ?`,
			`DELETE FROM failure_issues WHERE workflow_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM workflows WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if err := deletedOne(res); err != nil {
			return err
		}
		return bumpWorkflowsVersion(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("delete workflow %s: %w", id, err)
	}
	return nil
}

// WorkflowSetEnabled turns a workflow on or off without a new revision.
func (s *Store) WorkflowSetEnabled(ctx context.Context, id string, enabled bool) (store.Workflow, error) {
	var w store.Workflow
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		w, err = scanWorkflow(tx.QueryRowContext(ctx, `
			UPDATE workflows SET enabled = ?, updated_at = ? WHERE id = ?
			RETURNING `+workflowColumns, enabled, time.Now().UnixNano(), id))
		if err != nil {
			return notFound(err)
		}
		return bumpWorkflowsVersion(ctx, tx)
	})
	if err != nil {
		return store.Workflow{}, fmt.Errorf("set workflow %s enabled: %w", id, err)
	}
	return w, nil
}

// WorkflowSetHookKey replaces the hook key; store.ErrConflict if another
// workflow has it.
func (s *Store) WorkflowSetHookKey(ctx context.Context, id, key string) (store.Workflow, error) {
	if key == "" {
		return store.Workflow{}, fmt.Errorf("set workflow %s hook key: empty key", id)
	}
	var w store.Workflow
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		w, err = scanWorkflow(tx.QueryRowContext(ctx, `
			UPDATE workflows SET hook_key = ?, updated_at = ? WHERE id = ?
			RETURNING `+workflowColumns, key, time.Now().UnixNano(), id))
		if isConstraint(err) {
			return fmt.Errorf("hook key taken: %w", store.ErrConflict)
		}
		if err != nil {
			return notFound(err)
		}
		return bumpWorkflowsVersion(ctx, tx)
	})
	if err != nil {
		return store.Workflow{}, fmt.Errorf("set workflow %s hook key: %w", id, err)
	}
	return w, nil
}

// RevisionList returns a workflow's revisions, newest first (none for an
// unknown workflow).
func (s *Store) RevisionList(ctx context.Context, workflowID string) ([]store.Revision, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT workflow_id, revision, definition, created_at FROM revisions
		WHERE workflow_id = ? ORDER BY revision DESC`, workflowID)
	if err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", workflowID, err)
	}
	defer rows.Close()
	var revs []store.Revision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, fmt.Errorf("list revisions of %s: %w", workflowID, err)
		}
		revs = append(revs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", workflowID, err)
	}
	return revs, nil
}

// RevisionGet returns one revision of a workflow.
func (s *Store) RevisionGet(ctx context.Context, workflowID string, revision int) (store.Revision, error) {
	r, err := scanRevision(s.reader.QueryRowContext(ctx, `
		SELECT workflow_id, revision, definition, created_at FROM revisions
		WHERE workflow_id = ? AND revision = ?`, workflowID, revision))
	if err != nil {
		return store.Revision{}, fmt.Errorf("get revision %d of %s: %w", revision, workflowID, notFound(err))
	}
	return r, nil
}

func scanRevision(sc scanner) (store.Revision, error) {
	var (
		r       store.Revision
		created int64
	)
	if err := sc.Scan(&r.WorkflowID, &r.Revision, &r.Definition, &created); err != nil {
		return store.Revision{}, err
	}
	r.CreatedAt = fromNanos(created)
	return r, nil
}

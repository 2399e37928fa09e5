package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookflow/hookflow/store"
)

// saveWorkflowSQL creates the workflow (revision 1) or bumps its revision,
// and records the revision, in one statement: the upsert settles two
// replicas saving one new workflow at once (the second makes revision 2)
// where a read-then-insert would fail one of them. On update the hook key
// given is ignored. A hook key taken by another workflow fails the insert
// with a unique violation.
const saveWorkflowSQL = `
	WITH w AS (
		INSERT INTO workflows AS cur (id, revision, enabled, hook_key, name, definition, created_at, updated_at)
		VALUES ($1, 1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (id) DO UPDATE SET revision = cur.revision + 1, enabled = excluded.enabled,
			name = excluded.name, definition = excluded.definition, updated_at = excluded.updated_at
		RETURNING ` + workflowColumns + `
	), rev AS (
		INSERT INTO revisions (workflow_id, revision, definition, created_at)
		SELECT id, revision, definition, updated_at FROM w
	` + bumpVersionCTE + `
	SELECT ` + workflowColumns + ` FROM w`

// bumpVersionSQL changes WorkflowsVersion, in the transaction of the
// change; bumpVersionCTE does it in a statement whose CTE w returned the
// changed workflow (nothing where none was).
const (
	bumpVersionSQL = `
		INSERT INTO settings (name, value) VALUES ('workflows_version', '1')
		ON CONFLICT (name) DO UPDATE SET value = (settings.value::bigint + 1)::text`
	bumpVersionCTE = `), bump AS (
		INSERT INTO settings (name, value) SELECT 'workflows_version', '1' FROM w
		ON CONFLICT (name) DO UPDATE SET value = (settings.value::bigint + 1)::text
	)`
)

// WorkflowsVersion reads the number each workflow change bumps.
func (s *Store) WorkflowsVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce((SELECT value::bigint FROM settings WHERE name = 'workflows_version'), 0)`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("workflows version: %w", err)
	}
	return v, nil
}

// createWorkflowSQL is saveWorkflowSQL for CreateOnly: where the id
// exists, the insert does nothing (waiting, if another transaction is
// inserting it, for that one to end) and the statement returns no row.
const createWorkflowSQL = `
	WITH w AS (
		INSERT INTO workflows (id, revision, enabled, hook_key, name, definition, created_at, updated_at)
		VALUES ($1, 1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (id) DO NOTHING
		RETURNING ` + workflowColumns + `
	), rev AS (
		INSERT INTO revisions (workflow_id, revision, definition, created_at)
		SELECT id, revision, definition, updated_at FROM w
	` + bumpVersionCTE + `
	SELECT ` + workflowColumns + ` FROM w`

// WorkflowSave creates the workflow (revision 1) or stores its next
// revision, and records the revision, in one statement. On create an empty
// HookKey is replaced by a random one; a taken key is store.ErrConflict, and
// so is an existing id with CreateOnly.
func (s *Store) WorkflowSave(ctx context.Context, p store.WorkflowSaveParams) (store.Workflow, error) {
	if p.ID == "" {
		return store.Workflow{}, errors.New("save workflow: empty id")
	}
	key := p.HookKey
	if key == "" {
		key = store.NewHookKey()
	}
	query := saveWorkflowSQL
	if p.CreateOnly {
		query = createWorkflowSQL
	}
	w, err := scanWorkflow(s.pool.QueryRow(ctx, query,
		text(p.ID), p.Enabled, text(key), text(p.Name), store.NonNil(p.Definition), ts(store.OrNow(p.Now))))
	switch {
	case err == nil:
		return w, nil
	case p.CreateOnly && errors.Is(err, pgx.ErrNoRows):
		err = fmt.Errorf("id taken: %w", store.ErrConflict)
	case isUnique(err):
		err = fmt.Errorf("hook key taken: %w", store.ErrConflict)
	}
	return store.Workflow{}, fmt.Errorf("save workflow %s: %w", p.ID, err)
}

// WorkflowGet returns the current revision of a workflow.
func (s *Store) WorkflowGet(ctx context.Context, id string) (store.Workflow, error) {
	w, err := scanWorkflow(s.pool.QueryRow(ctx, `SELECT `+workflowColumns+` FROM workflows WHERE id = $1`, text(id)))
	if err != nil {
		return store.Workflow{}, fmt.Errorf("get workflow %s: %w", id, notFound(err))
	}
	return w, nil
}

// WorkflowGetByHookKey resolves a hook key (a trigger URL's last segment).
func (s *Store) WorkflowGetByHookKey(ctx context.Context, key string) (store.Workflow, error) {
	w, err := scanWorkflow(s.pool.QueryRow(ctx, `SELECT `+workflowColumns+` FROM workflows WHERE hook_key = $1`, text(key)))
	if err != nil {
		return store.Workflow{}, fmt.Errorf("get workflow by hook key: %w", notFound(err))
	}
	return w, nil
}

// WorkflowList returns every workflow, ordered by id.
func (s *Store) WorkflowList(ctx context.Context) ([]store.Workflow, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+workflowColumns+` FROM workflows ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	ws, err := collect(rows, scanWorkflow)
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	return ws, nil
}

// WorkflowHeads returns every workflow without its definition, ordered by
// id.
func (s *Store) WorkflowHeads(ctx context.Context) ([]store.Workflow, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+workflowHeadColumns+` FROM workflows ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list workflow heads: %w", err)
	}
	ws, err := collect(rows, scanWorkflow)
	if err != nil {
		return nil, fmt.Errorf("list workflow heads: %w", err)
	}
	for i := range ws {
		ws[i].Definition = nil
	}
	return ws, nil
}

// WorkflowDelete removes a workflow with its revisions, events, runs and
// step results in one transaction; store.ErrNotFound (and nothing deleted)
// if there is none.
func (s *Store) WorkflowDelete(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Runs first, so the cascade from events finds none to delete row
		// by row; step results and revisions go by cascade.
		for _, q := range []string{
			`DELETE FROM runs WHERE workflow_id = $1`,
			`DELETE FROM events WHERE workflow_id = $1`,
			`DELETE FROM kv WHERE scope = $1`,
			`DELETE FROM failure_issues WHERE workflow_id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, text(id)); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM workflows WHERE id = $1`, text(id))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound // rolls back
		}
		_, err = tx.Exec(ctx, bumpVersionSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete workflow %s: %w", id, err)
	}
	return nil
}

// WorkflowSetEnabled turns a workflow on or off without a new revision.
func (s *Store) WorkflowSetEnabled(ctx context.Context, id string, enabled bool) (store.Workflow, error) {
	w, err := scanWorkflow(s.pool.QueryRow(ctx, `
		WITH w AS (
			UPDATE workflows SET enabled = $1, updated_at = $2 WHERE id = $3
			RETURNING `+workflowColumns+`
		`+bumpVersionCTE+`
		SELECT `+workflowColumns+` FROM w`, enabled, ts(time.Now()), text(id)))
	if err != nil {
		return store.Workflow{}, fmt.Errorf("set workflow %s enabled: %w", id, notFound(err))
	}
	return w, nil
}

// WorkflowSetHookKey replaces the hook key; store.ErrConflict if another
// workflow has it.
func (s *Store) WorkflowSetHookKey(ctx context.Context, id, key string) (store.Workflow, error) {
	if key == "" {
		return store.Workflow{}, fmt.Errorf("set workflow %s hook key: empty key", id)
	}
	w, err := scanWorkflow(s.pool.QueryRow(ctx, `
		WITH w AS (
			UPDATE workflows SET hook_key = $1, updated_at = $2 WHERE id = $3
			RETURNING `+workflowColumns+`
		`+bumpVersionCTE+`
		SELECT `+workflowColumns+` FROM w`, text(key), ts(time.Now()), text(id)))
	if err != nil {
		if isUnique(err) {
			err = fmt.Errorf("hook key taken: %w", store.ErrConflict)
		}
		return store.Workflow{}, fmt.Errorf("set workflow %s hook key: %w", id, notFound(err))
	}
	return w, nil
}

// RevisionList returns a workflow's revisions, newest first (none for an
// unknown workflow).
func (s *Store) RevisionList(ctx context.Context, workflowID string) ([]store.Revision, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+revisionColumns+` FROM revisions WHERE workflow_id = $1 ORDER BY revision DESC`, text(workflowID))
	if err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", workflowID, err)
	}
	revs, err := collect(rows, scanRevision)
	if err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", workflowID, err)
	}
	return revs, nil
}

// RevisionGet returns one revision of a workflow.
func (s *Store) RevisionGet(ctx context.Context, workflowID string, revision int) (store.Revision, error) {
	r, err := scanRevision(s.pool.QueryRow(ctx, `
		SELECT `+revisionColumns+` FROM revisions WHERE workflow_id = $1 AND revision = $2`, text(workflowID), revision))
	if err != nil {
		return store.Revision{}, fmt.Errorf("get revision %d of %s: %w", revision, workflowID, notFound(err))
	}
	return r, nil
}

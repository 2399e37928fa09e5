package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

var _ store.BatchWriter = (*Store)(nil)

// WriteBatch writes accepts and run updates in one transaction: the runs
// table's and its indexes' last pages, which both dirty, go to the WAL
// once. It returns once committed; Durable fsyncs the WAL (see
// durability.go). If that transaction fails, each part is written again on
// its own, so one part's failure (a conflicting event id, say) is not the
// other's.
func (s *Store) WriteBatch(ctx context.Context, accepts []store.EventAcceptParams, updates []store.RunUpdateParams) store.BatchResult {
	if len(accepts) == 0 {
		errs, err := s.RunUpdateMany(ctx, updates)
		return store.BatchResult{Accepted: []store.AcceptResult{}, Updated: errs, UpdateErr: err, Durable: noWait}
	}
	a, err := newAcceptBatch(accepts)
	if err == nil {
		err = store.CheckUpdates(updates)
	}
	if err == nil {
		errs := make([]error, len(updates))
		var seq uint64
		seq, err = s.commit(ctx, func(tx *sql.Tx) error {
			if err := s.acceptTx(ctx, tx, a); err != nil {
				return fmt.Errorf("accept events: %w", err)
			}
			return s.updateTx(ctx, tx, updates, errs)
		})
		if err == nil {
			return store.BatchResult{Accepted: a.results, Updated: errs, Durable: func() error {
				if err := s.durable(seq); err != nil {
					return fmt.Errorf("accept events: %w", err)
				}
				return nil
			}}
		}
	}
	res, aerr := s.EventAccept(ctx, accepts)
	errs, uerr := s.RunUpdateMany(ctx, updates)
	return store.BatchResult{Accepted: res, AcceptErr: aerr, Updated: errs, UpdateErr: uerr, Durable: noWait}
}

func noWait() error { return nil }

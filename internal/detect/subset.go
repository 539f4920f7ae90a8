package detect

import (
	"context"
	"database/sql"
	"fmt"
)

// Subset is a WHERE clause over events and its arguments.
type Subset struct {
	Where string
	Args  []any
}

// subsetTable is where RunOnSubsets copies the selected events.
const subsetTable = "scratch.hunt_scope"

// RunOnSubsets runs the pack over the events the subsets select, copied
// into an in-memory table beside the case (ATTACH is shared by the pool's
// connections; a TEMP table would not be). opts.Table is ignored.
func RunOnSubsets(ctx context.Context, db *sql.DB, pack *Pack, subsets []Subset, opts RunOptions) (*Result, error) {
	if _, err := db.ExecContext(ctx, "ATTACH IF NOT EXISTS ':memory:' AS scratch"); err != nil {
		return nil, fmt.Errorf("scratch database: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE OR REPLACE TABLE "+subsetTable+" AS SELECT * FROM events LIMIT 0"); err != nil {
		return nil, fmt.Errorf("copying the investigated events: %w", err)
	}
	for _, s := range subsets {
		// Subsets may overlap: a copied twice event is counted once
		// (findings keep distinct ids; correlations count distinct events).
		if _, err := db.ExecContext(ctx, "INSERT INTO "+subsetTable+" SELECT * FROM events WHERE "+s.Where, s.Args...); err != nil {
			return nil, fmt.Errorf("copying the investigated events: %w", err)
		}
	}
	opts.Table = subsetTable
	return Run(ctx, db, pack, opts)
}

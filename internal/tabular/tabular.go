// Package tabular writes SQL result rows as an aligned table, CSV, a JSON
// array or JSON lines.
package tabular

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/trailsleuth/trailsleuth/internal/display"
)

// Formats lists the accepted format names.
var Formats = []string{"table", "csv", "json", "jsonl"}

// maxCell bounds a table cell so one raw event does not flood the terminal.
const maxCell = 120

// Write renders rows in format and returns how many rows it wrote.
func Write(w io.Writer, format string, rows *sql.Rows) (int64, error) {
	s, err := newScanner(rows)
	if err != nil {
		return 0, err
	}
	switch format {
	case "table":
		return writeTable(w, s)
	case "csv":
		return writeCSV(w, s)
	case "json", "jsonl":
		return writeJSON(w, s, format == "jsonl")
	}
	return 0, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// scanner scans rows one at a time into vals, counting them.
type scanner struct {
	rows *sql.Rows
	cols []string
	vals []any
	ptrs []any
	n    int64
}

func newScanner(rows *sql.Rows) (*scanner, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	s := &scanner{rows: rows, cols: cols, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s, nil
}

// next scans the next row into vals; false at the end of the rows.
func (s *scanner) next() (bool, error) {
	if !s.rows.Next() {
		return false, s.rows.Err()
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		return false, err
	}
	s.n++
	return true, nil
}

// writeTable writes aligned columns and a row count.
func writeTable(w io.Writer, s *scanner) (int64, error) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(display.Inlines(s.cols), "\t"))
	for {
		ok, err := s.next()
		if err != nil || !ok {
			if ferr := tw.Flush(); err == nil {
				err = ferr
			}
			if err == nil {
				fmt.Fprintf(w, "(%d rows)\n", s.n)
			}
			return s.n, err
		}
		cells := make([]string, len(s.vals))
		for i, v := range s.vals {
			// Escaped (display.Inline): a value neither drives the
			// terminal nor breaks the table's lines or columns.
			cells[i] = truncate(display.Inline(text(v)))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
}

// writeCSV writes a header and the rows, each cell made safe for spreadsheets.
func writeCSV(w io.Writer, s *scanner) (int64, error) {
	cw := csv.NewWriter(w)
	header := make([]string, len(s.cols))
	for i, c := range s.cols {
		header[i] = SafeCell(c)
	}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	rec := make([]string, len(s.cols))
	for {
		ok, err := s.next()
		if err != nil || !ok {
			cw.Flush()
			if err == nil {
				err = cw.Error()
			}
			return s.n, err
		}
		for i, v := range s.vals {
			rec[i] = SafeCell(text(v))
		}
		if err := cw.Write(rec); err != nil {
			return s.n, err
		}
	}
}

// writeJSON writes the rows as a JSON array of objects, or with lines as
// one object a line.
func writeJSON(w io.Writer, s *scanner, lines bool) (int64, error) {
	if !lines {
		io.WriteString(w, "[")
	}
	for {
		ok, err := s.next()
		if err != nil {
			return s.n, err
		}
		if !ok {
			break
		}
		if !lines && s.n > 1 {
			io.WriteString(w, ",")
		}
		if !lines {
			io.WriteString(w, "\n")
		}
		if err := writeObject(w, s.cols, s.vals); err != nil {
			return s.n, err
		}
		if lines {
			io.WriteString(w, "\n")
		}
	}
	if !lines {
		io.WriteString(w, "\n]\n")
	}
	return s.n, nil
}

func writeObject(w io.Writer, cols []string, vals []any) error {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(jsonValue(vals[i]))
		if err != nil {
			return fmt.Errorf("column %s: %w", c, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonValue makes a scanned value JSON-friendly: times in UTC RFC 3339,
// JSON-typed columns as JSON rather than as strings of JSON.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return x
	case *big.Int:
		return json.Number(x.String())
	case fmt.Stringer:
		return x.String()
	}
	return v
}

// text renders a scanned value for table and CSV cells.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxCell {
		return s
	}
	r := []rune(s)
	return string(r[:maxCell-1]) + "…"
}

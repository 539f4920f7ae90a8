package scenario

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// deliveryWindow is how CloudTrail batches events into files: one file per
// account and region every five minutes or so.
const deliveryWindow = 5 * time.Minute

type fileKey struct {
	acct, region string
	window       time.Time
}

// WriteTree writes recs as CloudTrail's S3 delivery layout under dir:
// AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 chars>.json.gz,
// each file {"Records":[...]}. It returns the number of files written.
func writeTree(dir string, recs []*Record, r rnd) (int, error) {
	groups := map[fileKey][]*Record{}
	var keys []fileKey
	for _, rec := range recs {
		k := fileKey{rec.RecipientAccountID, rec.AWSRegion, rec.time.Truncate(deliveryWindow)}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], rec)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if !a.window.Equal(b.window) {
			return a.window.Before(b.window)
		}
		if a.acct != b.acct {
			return a.acct < b.acct
		}
		return a.region < b.region
	})
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // one writer, reset per file: its tables are large
	for _, k := range keys {
		delivered := k.window.Add(deliveryWindow + time.Duration(r.IntN(240))*time.Second)
		d := filepath.Join(dir, "AWSLogs", k.acct, "CloudTrail", k.region, delivered.Format("2006"), delivered.Format("01"), delivered.Format("02"))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return 0, fmt.Errorf("creating %s: %w", d, err)
		}
		name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", k.acct, k.region, delivered.Format("20060102T1504Z"), r.str(16, alnum))
		buf.Reset()
		zw.Reset(&buf)
		if err := encodeFile(zw, groups[k]); err != nil {
			return 0, fmt.Errorf("encoding %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(d, name), buf.Bytes(), 0o644); err != nil {
			return 0, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return len(keys), nil
}

func encodeFile(zw *gzip.Writer, recs []*Record) error {
	var doc bytes.Buffer
	doc.WriteString(`{"Records":[`)
	// CloudTrail does not escape <, > and & as \u003c…; neither do we.
	enc := json.NewEncoder(&doc)
	enc.SetEscapeHTML(false)
	for i, rec := range recs {
		if i > 0 {
			doc.WriteByte(',')
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
		doc.Truncate(doc.Len() - 1) // the encoder's newline
	}
	doc.WriteString("]}")
	if _, err := zw.Write(doc.Bytes()); err != nil {
		return err
	}
	return zw.Close()
}

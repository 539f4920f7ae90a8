package store

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/trailsleuth/trailsleuth/internal/accesslog"
)

// logAppender appends the records of one non-CloudTrail log table on the
// event appender's connection, opened when the first record arrives (most
// ingests hold no such logs).
type logAppender struct {
	app   *duckdb.Appender
	row   []driver.Value
	count int64
}

func (a *EventAppender) logTable(l **logAppender, table string) (*logAppender, error) {
	if *l != nil {
		return *l, nil
	}
	la := &logAppender{}
	err := rawConn(a.ctx, a.conn, func(dc driver.Conn) error {
		app, err := duckdb.NewAppenderFromConn(dc, "", table)
		la.app = app
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening %s appender: %w", table, err)
	}
	*l = la
	return la, nil
}

func ni(i accesslog.Int) driver.Value {
	if !i.OK {
		return nil
	}
	return i.V
}

func ni32(i accesslog.Int) driver.Value {
	if !i.OK || i.V > 1<<31-1 {
		return nil
	}
	return int32(i.V)
}

// AppendS3Access adds one S3 server access log record. The order of values
// follows schema_v6.sql.
func (a *EventAppender) AppendS3Access(r *accesslog.S3Access) error {
	la, err := a.logTable(&a.s3, "s3_access")
	if err != nil {
		return err
	}
	la.row = append(la.row[:0],
		ns(r.BucketOwner), ns(r.Bucket), ns(r.TimeText), nt(r.Time),
		ns(r.RemoteIP), ns(r.Requester), ns(r.RequestID), ns(r.Operation), ns(r.Key), ns(r.RequestURI),
		ni32(r.HTTPStatus), ns(r.ErrorCode), ni(r.BytesSent), ni(r.ObjectSize), ni(r.TotalTime), ni(r.TurnAroundTime),
		ns(r.Referer), ns(r.UserAgent), ns(r.VersionID), ns(r.HostID), ns(r.SignatureVersion), ns(r.CipherSuite), ns(r.AuthType),
		ns(r.HostHeader), ns(r.TLSVersion), ns(r.AccessPointARN), ns(r.ACLRequired), ns(r.SourceRegion),
		int32(r.Fields), r.Raw, r.SourceID, r.Line-1, r.Offset, int32(a.run))
	return a.appendLog(la, "s3_access")
}

// AppendFlow adds one VPC flow log record, in schema_v6.sql's order.
func (a *EventAppender) AppendFlow(r *accesslog.Flow) error {
	la, err := a.logTable(&a.flow, "flow_logs")
	if err != nil {
		return err
	}
	la.row = append(la.row[:0],
		ni32(r.Version), ns(r.AccountID), ns(r.InterfaceID), ns(r.SrcAddr), ns(r.DstAddr), ni32(r.SrcPort), ni32(r.DstPort),
		ni(r.Protocol), ni(r.Packets), ni(r.Bytes), ni(r.Start), ni(r.End), nt(r.StartTime()), nt(r.EndTime()),
		ns(r.Action), ns(r.LogStatus), ns(r.VPCID), ns(r.SubnetID), ns(r.InstanceID), ni32(r.TCPFlags), ns(r.Type),
		ns(r.PktSrcAddr), ns(r.PktDstAddr), ns(r.Region), ns(r.AZID), ns(r.SublocationType), ns(r.SublocationID),
		ns(r.PktSrcAWSService), ns(r.PktDstAWSService), ns(r.FlowDirection), ni32(r.TrafficPath), ns(r.Extra),
		r.Raw, r.SourceID, r.Line-1, r.Offset, int32(a.run))
	return a.appendLog(la, "flow_logs")
}

func (a *EventAppender) appendLog(la *logAppender, table string) error {
	if err := la.app.AppendRow(la.row...); err != nil {
		return fmt.Errorf("appending to %s: %w", table, err)
	}
	la.count++
	if la.count%checkpointEvery == 0 {
		// As for events: appended row groups stay in the buffer pool until
		// a checkpoint writes them out.
		if err := la.app.Flush(); err != nil {
			return fmt.Errorf("flushing %s: %w", table, err)
		}
		a.conn.ExecContext(a.ctx, "CHECKPOINT") //nolint:errcheck // another connection's transaction: a later checkpoint will do
	}
	return nil
}

// LogCounts is how many S3 access and flow log records were appended.
func (a *EventAppender) LogCounts() (s3, flow int64) {
	if a.s3 != nil {
		s3 = a.s3.count
	}
	if a.flow != nil {
		flow = a.flow.count
	}
	return s3, flow
}

// closeLogs flushes and releases the log appenders.
func (a *EventAppender) closeLogs() error {
	var first error
	for _, la := range []*logAppender{a.s3, a.flow} {
		if la == nil {
			continue
		}
		if err := la.app.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// DedupLogs removes the access and flow log records that run read from a
// file already in the case: same SHA-256 as an ingested source with a lower
// id (an earlier run, or the same file at another path in this run). Small
// files are skipped by hash before reading; a streamed (large) file is
// hashed as it is read, so its records are settled here. The source is
// marked unchanged, as a file skipped by hash is. It returns how many
// records and sources it settled.
func (s *Store) DedupLogs(ctx context.Context, run int64) (records, sources int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("settling log records: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	const dup = `CREATE OR REPLACE TEMP TABLE dup_sources AS
		SELECT s.source_id, min(o.source_id) AS first_id FROM sources s JOIN sources o
		ON o.sha256 = s.sha256 AND o.source_id < s.source_id AND o.status = 'ingested' AND o.format = s.format
		WHERE s.run_id = ? AND s.format IN ('s3-server-access-log', 'vpc-flow-log') AND s.status IN ('ingested', 'partial')
		GROUP BY s.source_id`
	if _, err := tx.ExecContext(ctx, dup, run); err != nil {
		return 0, 0, fmt.Errorf("settling log records: %w", err)
	}
	for _, t := range []string{"s3_access", "flow_logs"} {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE run_id = ? AND source_id IN (SELECT source_id FROM dup_sources)`, run)
		if err != nil {
			return 0, 0, fmt.Errorf("removing copies of log records from %s: %w", t, err)
		}
		n, _ := res.RowsAffected()
		records += n
	}
	res, err := tx.ExecContext(ctx, `UPDATE sources SET status = 'unchanged',
		error_detail = 'same SHA-256 as source ' || d.first_id || ' (its records are in the case once)'
		FROM dup_sources d WHERE sources.source_id = d.source_id`)
	if err != nil {
		return 0, 0, fmt.Errorf("marking copies of log files: %w", err)
	}
	sources, _ = res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `DROP TABLE dup_sources`); err != nil {
		return 0, 0, fmt.Errorf("settling log records: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("settling log records: %w", err)
	}
	return records, sources, nil
}

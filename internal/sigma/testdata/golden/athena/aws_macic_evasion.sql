-- AWS Macie Evasion (aws_macic_evasion.yml)
WITH base AS (
    SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time, 0 AS rule_idx, sourceipaddress AS g1
    FROM cloudtrail_logs
    WHERE lower(eventname) IN ('archivefindings', 'createfindingsfilter', 'deletemember', 'disassociatefrommasteraccount', 'disassociatemember', 'disablemacie', 'disableorganizationadminaccount', 'updatefindingsfilter', 'updatemaciesession', 'updatemembersession', 'updateclassificationjob')
      AND from_iso8601_timestamp(eventtime) IS NOT NULL
),
windows AS (
    SELECT a.g1, a.event_time AS window_start, a.event_time + INTERVAL '600' SECOND AS window_end, count(DISTINCT b.event_id) AS match_count, array_sort(array_agg(DISTINCT b.event_id)) AS event_ids
    FROM (SELECT DISTINCT g1, event_time FROM base) AS a
    JOIN base AS b ON b.g1 IS NOT DISTINCT FROM a.g1 AND b.event_time BETWEEN a.event_time AND a.event_time + INTERVAL '600' SECOND
    GROUP BY a.g1, a.event_time
)
SELECT g1 AS "sourceIPAddress", window_start, window_end, match_count, event_ids
FROM windows
WHERE match_count > 5
ORDER BY window_start, g1

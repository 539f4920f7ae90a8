-- AWS Macie Evasion (aws_macic_evasion.yml)
WITH base AS (
    SELECT event_id, event_time, 0 AS rule_idx, source_ip AS g1
    FROM events
    WHERE lower(event_name) IN ('archivefindings', 'createfindingsfilter', 'deletemember', 'disassociatefrommasteraccount', 'disassociatemember', 'disablemacie', 'disableorganizationadminaccount', 'updatefindingsfilter', 'updatemaciesession', 'updatemembersession', 'updateclassificationjob')
      AND event_time IS NOT NULL
),
windows AS (
    SELECT a.g1, a.event_time AS window_start, a.event_time + INTERVAL '600' SECOND AS window_end, count(DISTINCT b.event_id) AS match_count, list_sort(list(DISTINCT b.event_id)) AS event_ids
    FROM (SELECT DISTINCT g1, event_time FROM base) AS a
    JOIN base AS b ON b.g1 IS NOT DISTINCT FROM a.g1 AND b.event_time BETWEEN a.event_time AND a.event_time + INTERVAL '600' SECOND
    GROUP BY a.g1, a.event_time
)
SELECT g1 AS "sourceIPAddress", window_start, window_end, match_count, event_ids
FROM windows
WHERE match_count > 5
ORDER BY window_start, g1

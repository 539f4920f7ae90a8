-- AWS Macie Evasion (aws_macic_evasion.yml)
WITH base AS (
    SELECT event_id, event_time, 0 AS rule_idx, source_ip AS g1
    FROM events
    WHERE lower(event_name) IN ('archivefindings', 'createfindingsfilter', 'deletemember', 'disassociatefrommasteraccount', 'disassociatemember', 'disablemacie', 'disableorganizationadminaccount', 'updatefindingsfilter', 'updatemaciesession', 'updatemembersession', 'updateclassificationjob')
      AND event_time IS NOT NULL
),
kept AS (
    SELECT b.*
    FROM base AS b
    JOIN (SELECT g1 FROM base GROUP BY g1 HAVING count(DISTINCT event_id) >= 6) AS k ON b.g1 IS NOT DISTINCT FROM k.g1
),
ev AS (
    SELECT g1, event_id, event_time,
        row_number() OVER (PARTITION BY g1 ORDER BY event_time) AS rn,
        rank() OVER (PARTITION BY g1 ORDER BY event_time) AS lo,
        count(*) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL '600' SECOND FOLLOWING) AS hi,
        dense_rank() OVER (PARTITION BY g1 ORDER BY event_id) AS id_rank,
        count(DISTINCT event_id) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN CURRENT ROW AND INTERVAL '600' SECOND FOLLOWING) AS match_count
    FROM (SELECT g1, event_id, event_time FROM kept GROUP BY g1, event_id, event_time) AS b
),
windows AS (
    SELECT g1, event_time AS window_start, lo, hi, CAST(match_count AS BIGINT) AS match_count
    FROM ev
    WHERE rn = lo AND match_count > 5
),
grouped AS (
    SELECT g1, list(window_start ORDER BY window_start) AS starts, list(lo ORDER BY window_start) AS los, list(hi ORDER BY window_start) AS his, list(match_count ORDER BY window_start) AS counts
    FROM windows
    GROUP BY g1
),
ids AS (
    SELECT e.g1, list(e.id_rank ORDER BY e.rn) AS ranks, list_sort(list(DISTINCT e.event_id)) AS ids_sorted, max(e.id_rank) < count(*) AS reused
    FROM ev AS e
    JOIN (SELECT DISTINCT g1 FROM windows) AS q ON e.g1 IS NOT DISTINCT FROM q.g1
    GROUP BY e.g1
)
SELECT g1 AS "sourceIPAddress", window_start, window_start + INTERVAL '600' SECOND AS window_end, match_count, list_select(ids_sorted, list_sort(CASE WHEN reused THEN list_distinct(list_slice(ranks, lo, hi)) ELSE list_slice(ranks, lo, hi) END)) AS event_ids
FROM (
    SELECT w.g1, i.ranks, i.ids_sorted, i.reused, unnest(w.starts) AS window_start, unnest(w.los) AS lo, unnest(w.his) AS hi, unnest(w.counts) AS match_count
    FROM grouped AS w
    JOIN ids AS i ON w.g1 IS NOT DISTINCT FROM i.g1
) AS u

-- AWS Macie Evasion (aws_macic_evasion.yml)
WITH base AS (
    SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time, 0 AS rule_idx, sourceipaddress AS g1
    FROM cloudtrail_logs
    WHERE lower(eventname) IN ('archivefindings', 'createfindingsfilter', 'deletemember', 'disassociatefrommasteraccount', 'disassociatemember', 'disablemacie', 'disableorganizationadminaccount', 'updatefindingsfilter', 'updatemaciesession', 'updatemembersession', 'updateclassificationjob')
      AND from_iso8601_timestamp(eventtime) IS NOT NULL
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
        dense_rank() OVER (PARTITION BY g1 ORDER BY event_id) AS id_rank
    FROM (SELECT g1, event_id, event_time FROM kept GROUP BY g1, event_id, event_time) AS b
),
occ AS (
    SELECT g1, event_time, lag(event_time) OVER (PARTITION BY g1, k ORDER BY event_time) AS prev
    FROM (SELECT g1, event_id AS k, event_time FROM ev) AS b
),
steps AS (
    SELECT g1, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN prev ELSE event_time - INTERVAL '600' SECOND END AS ts, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN 2 ELSE 0 END AS ord, 1 AS d, CAST(NULL AS BIGINT) AS lo, CAST(NULL AS BIGINT) AS hi
    FROM occ
    UNION ALL
    SELECT g1, event_time, 2, -1, NULL, NULL
    FROM occ
    UNION ALL
    SELECT g1, event_time, 1, 0, lo, hi
    FROM ev
    WHERE rn = lo
),
windows AS (
    SELECT g1, ts AS window_start, lo, hi, match_count
    FROM (
        SELECT g1, ts, ord, lo, hi, CAST(sum(d) OVER (PARTITION BY g1 ORDER BY ts, ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS match_count
        FROM steps
    ) AS s
    WHERE ord = 1 AND match_count > 5
),
grouped AS (
    SELECT g1, array_agg(window_start ORDER BY window_start) AS starts, array_agg(lo ORDER BY window_start) AS los, array_agg(hi ORDER BY window_start) AS his, array_agg(match_count ORDER BY window_start) AS counts
    FROM windows
    GROUP BY g1
),
ids AS (
    SELECT e.g1, array_agg(e.id_rank ORDER BY e.rn) AS ranks, array_sort(array_agg(DISTINCT e.event_id)) AS ids_sorted, max(e.id_rank) < count(*) AS reused
    FROM ev AS e
    JOIN (SELECT DISTINCT g1 FROM windows) AS q ON e.g1 IS NOT DISTINCT FROM q.g1
    GROUP BY e.g1
)
SELECT g1 AS "sourceIPAddress", window_start, window_start + INTERVAL '600' SECOND AS window_end, match_count, transform(array_distinct(array_sort(slice(ranks, lo, hi - lo + 1))), r -> ids_sorted[r]) AS event_ids
FROM (
    SELECT w.g1, i.ranks, i.ids_sorted, i.reused, x.window_start, x.lo, x.hi, x.match_count
    FROM grouped AS w
    JOIN ids AS i ON w.g1 IS NOT DISTINCT FROM i.g1
    CROSS JOIN UNNEST(w.starts, w.los, w.his, w.counts) AS x(window_start, lo, hi, match_count)
) AS u

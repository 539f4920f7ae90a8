-- Trail tampering shortly after an IAM change by the same principal (trail_tamper_after_iam_change.yml)
WITH base AS (
    SELECT eventID AS event_id, eventTime AS event_time, 0 AS rule_idx, userIdentity.arn AS g1
    FROM <event-data-store-id>
    WHERE lower(eventSource) = 'iam.amazonaws.com'
      AND lower(CAST(readOnly AS varchar)) = 'false'
      AND eventTime IS NOT NULL
    UNION ALL
    SELECT eventID AS event_id, eventTime AS event_time, 1 AS rule_idx, userIdentity.arn AS g1
    FROM <event-data-store-id>
    WHERE lower(eventSource) = 'cloudtrail.amazonaws.com'
      AND lower(eventName) IN ('stoplogging', 'deletetrail')
      AND eventTime IS NOT NULL
),
kept AS (
    SELECT b.*
    FROM base AS b
    JOIN (SELECT g1 FROM base GROUP BY g1 HAVING count(DISTINCT rule_idx) >= 2) AS k ON b.g1 IS NOT DISTINCT FROM k.g1
),
ev AS (
    SELECT g1, event_id, event_time,
        row_number() OVER (PARTITION BY g1 ORDER BY event_time) AS rn,
        rank() OVER (PARTITION BY g1 ORDER BY event_time) AS lo,
        count(*) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL '1800' SECOND FOLLOWING) AS hi,
        dense_rank() OVER (PARTITION BY g1 ORDER BY event_id) AS id_rank,
        min(CASE WHEN r0 THEN event_time END) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS n0,
        min(CASE WHEN r1 THEN event_time END) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS n1
    FROM (SELECT g1, event_id, event_time, bool_or(rule_idx = 0) AS r0, bool_or(rule_idx = 1) AS r1 FROM kept GROUP BY g1, event_id, event_time) AS b
),
windows AS (
    SELECT g1, window_start, lo, hi, match_count
    FROM (
        SELECT x0.g1, x0.event_time AS window_start, x0.lo, x0.hi, CAST(2 AS BIGINT) AS match_count
        FROM ev AS x0
        WHERE x0.rn = x0.lo AND x0.n0 = x0.event_time AND x0.n1 <= x0.event_time + INTERVAL '1800' SECOND
    ) AS s
    WHERE match_count >= 2
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
SELECT g1 AS "userIdentity.arn", window_start, window_start + INTERVAL '1800' SECOND AS window_end, match_count, transform(array_distinct(array_sort(slice(ranks, lo, hi - lo + 1))), r -> ids_sorted[r]) AS event_ids
FROM (
    SELECT w.g1, i.ranks, i.ids_sorted, i.reused, x.window_start, x.lo, x.hi, x.match_count
    FROM grouped AS w
    JOIN ids AS i ON w.g1 IS NOT DISTINCT FROM i.g1
    CROSS JOIN UNNEST(w.starts, w.los, w.his, w.counts) AS x(window_start, lo, hi, match_count)
) AS u

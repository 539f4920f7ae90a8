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
s1 AS (
    SELECT DISTINCT g1, event_time AS t1
    FROM base
    WHERE rule_idx = 0
),
s2 AS (
    SELECT s.g1, s.t1, min(b.event_time) AS t2
    FROM s1 AS s
    JOIN base AS b ON b.rule_idx = 1 AND b.g1 IS NOT DISTINCT FROM s.g1 AND b.event_time BETWEEN s.t1 AND s.t1 + INTERVAL '1800' SECOND
    GROUP BY s.g1, s.t1
),
windows AS (
    SELECT s.g1, s.t1 AS window_start, s.t1 + INTERVAL '1800' SECOND AS window_end, count(DISTINCT b.rule_idx) AS match_count, array_sort(array_agg(DISTINCT b.event_id)) AS event_ids
    FROM s2 AS s
    JOIN base AS b ON b.g1 IS NOT DISTINCT FROM s.g1 AND b.event_time BETWEEN s.t1 AND s.t1 + INTERVAL '1800' SECOND
    GROUP BY s.g1, s.t1
)
SELECT g1 AS "userIdentity.arn", window_start, window_end, match_count, event_ids
FROM windows
WHERE match_count >= 2
ORDER BY window_start, g1

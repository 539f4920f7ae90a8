-- AWS CloudTrail Important Change (aws_cloudtrail_disable_logging.yml)
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM cloudtrail_logs
WHERE lower(eventsource) = 'cloudtrail.amazonaws.com'
  AND lower(eventname) IN ('stoplogging', 'updatetrail', 'deletetrail')

-- AWS CloudTrail Important Change (aws_cloudtrail_disable_logging.yml)
SELECT event_id, event_time
FROM events
WHERE lower(event_source) = 'cloudtrail.amazonaws.com'
  AND lower(event_name) IN ('stoplogging', 'updatetrail', 'deletetrail')

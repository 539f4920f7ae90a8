-- AWS CloudTrail Important Change (aws_cloudtrail_disable_logging.yml)
SELECT eventID AS event_id, eventTime AS event_time
FROM <event-data-store-id>
WHERE lower(eventSource) = 'cloudtrail.amazonaws.com'
  AND lower(eventName) IN ('stoplogging', 'updatetrail', 'deletetrail')

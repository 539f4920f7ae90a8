-- Malicious Usage Of IMDS Credentials Outside Of AWS Infrastructure (aws_cloudtrail_imds_malicious_usage.yml)
SELECT eventID AS event_id, eventTime AS event_time
FROM <event-data-store-id>
WHERE regexp_like(userIdentity.arn, '.+:assumed-role/aws:.+')
  AND NOT (COALESCE(lower(eventSource) = 'ssm.amazonaws.com', FALSE) OR COALESCE(lower(eventName) = 'registermanagedinstance', FALSE) OR COALESCE(lower(sourceIPAddress) = 'aws internal', FALSE))

-- Malicious Usage Of IMDS Credentials Outside Of AWS Infrastructure (aws_cloudtrail_imds_malicious_usage.yml)
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM cloudtrail_logs
WHERE regexp_like(useridentity.arn, '.+:assumed-role/aws:.+')
  AND NOT (COALESCE(lower(eventsource) = 'ssm.amazonaws.com', FALSE) OR COALESCE(lower(eventname) = 'registermanagedinstance', FALSE) OR COALESCE(lower(sourceipaddress) = 'aws internal', FALSE))

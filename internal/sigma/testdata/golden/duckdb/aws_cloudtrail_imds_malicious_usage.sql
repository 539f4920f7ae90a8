-- Malicious Usage Of IMDS Credentials Outside Of AWS Infrastructure (aws_cloudtrail_imds_malicious_usage.yml)
SELECT event_id, event_time
FROM events
WHERE regexp_matches(user_arn, '.+:assumed-role/aws:.+')
  AND NOT (COALESCE(lower(event_source) = 'ssm.amazonaws.com', FALSE) OR COALESCE(lower(event_name) = 'registermanagedinstance', FALSE) OR COALESCE(lower(source_ip) = 'aws internal', FALSE))

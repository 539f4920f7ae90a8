-- AWS IAM S3Browser Templated S3 Bucket Policy Creation (aws_iam_s3browser_templated_s3_bucket_policy_creation.yml)
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM cloudtrail_logs
WHERE lower(eventsource) = 'iam.amazonaws.com'
  AND lower(eventname) = 'putuserpolicy'
  AND lower(useragent) LIKE '%s3 browser%' ESCAPE '\'
  AND (lower(requestparameters) LIKE '%"arn:aws:s3:::<your-bucket-name>/%"%' ESCAPE '\' AND lower(requestparameters) LIKE '%"s3:getobject"%' ESCAPE '\' AND lower(requestparameters) LIKE '%"allow"%' ESCAPE '\')

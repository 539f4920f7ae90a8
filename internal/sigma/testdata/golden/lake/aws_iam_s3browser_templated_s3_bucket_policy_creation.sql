-- AWS IAM S3Browser Templated S3 Bucket Policy Creation (aws_iam_s3browser_templated_s3_bucket_policy_creation.yml)
SELECT eventID AS event_id, eventTime AS event_time
FROM <event-data-store-id>
WHERE lower(eventSource) = 'iam.amazonaws.com'
  AND lower(eventName) = 'putuserpolicy'
  AND lower(userAgent) LIKE '%s3 browser%' ESCAPE '\'
  AND (lower(json_format(CAST(requestParameters AS JSON))) LIKE '%"arn:aws:s3:::<your-bucket-name>/%"%' ESCAPE '\' AND lower(json_format(CAST(requestParameters AS JSON))) LIKE '%"s3:getobject"%' ESCAPE '\' AND lower(json_format(CAST(requestParameters AS JSON))) LIKE '%"allow"%' ESCAPE '\')

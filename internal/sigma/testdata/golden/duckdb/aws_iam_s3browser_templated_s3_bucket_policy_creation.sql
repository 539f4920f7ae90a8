-- AWS IAM S3Browser Templated S3 Bucket Policy Creation (aws_iam_s3browser_templated_s3_bucket_policy_creation.yml)
SELECT event_id, event_time
FROM events
WHERE lower(event_source) = 'iam.amazonaws.com'
  AND lower(event_name) = 'putuserpolicy'
  AND contains(lower(user_agent), 's3 browser')
  AND (request_parameters ILIKE '%"arn:aws:s3:::<YOUR-BUCKET-NAME>/%"%' ESCAPE '\' AND contains(lower(request_parameters), '"s3:getobject"') AND contains(lower(request_parameters), '"allow"'))

-- AWS IAM S3Browser Templated S3 Bucket Policy Creation (aws_iam_s3browser_templated_s3_bucket_policy_creation.yml)
SELECT event_id, event_time
FROM events
WHERE lower(event_source) = 'iam.amazonaws.com'
  AND lower(event_name) = 'putuserpolicy'
  AND user_agent ILIKE '%S3 Browser%' ESCAPE '\'
  AND (request_parameters ILIKE '%"arn:aws:s3:::<YOUR-BUCKET-NAME>/%"%' ESCAPE '\' AND request_parameters ILIKE '%"s3:GetObject"%' ESCAPE '\' AND request_parameters ILIKE '%"Allow"%' ESCAPE '\')

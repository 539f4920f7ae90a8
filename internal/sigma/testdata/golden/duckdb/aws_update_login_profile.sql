-- AWS User Login Profile Was Modified (aws_update_login_profile.yml)
SELECT event_id, event_time
FROM (
    SELECT *,
        flatten(list_transform(CASE WHEN json_type(request_parameters) = 'ARRAY' THEN json_extract(request_parameters, '$[*].userName') ELSE [json_extract(request_parameters, '$.userName')] END, x -> CASE WHEN json_type(x) = 'ARRAY' THEN json_extract_string(x, '$[*]') ELSE [json_extract_string(x, '$')] END)) AS "requestParameters.userName"
    FROM events
) AS e
WHERE (lower(event_source) = 'iam.amazonaws.com' AND lower(event_name) = 'updateloginprofile')
  AND NOT COALESCE(list_has_any(list_transform([user_arn], x -> lower(x)), list_transform("requestParameters.userName", x -> lower(x))), FALSE)

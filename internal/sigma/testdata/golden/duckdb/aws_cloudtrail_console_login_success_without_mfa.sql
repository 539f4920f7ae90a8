-- AWS Successful Console Login Without MFA (aws_cloudtrail_console_login_success_without_mfa.yml)
SELECT event_id, event_time
FROM (
    SELECT *,
        flatten(list_transform(CASE WHEN json_type(additional_event_data) = 'ARRAY' THEN json_extract(additional_event_data, '$[*].MFAUsed') ELSE [json_extract(additional_event_data, '$.MFAUsed')] END, x -> CASE WHEN json_type(x) = 'ARRAY' THEN json_extract_string(x, '$[*]') ELSE [json_extract_string(x, '$')] END)) AS "additionalEventData.MFAUsed",
        flatten(list_transform(CASE WHEN json_type(response_elements) = 'ARRAY' THEN json_extract(response_elements, '$[*].ConsoleLogin') ELSE [json_extract(response_elements, '$.ConsoleLogin')] END, x -> CASE WHEN json_type(x) = 'ARRAY' THEN json_extract_string(x, '$[*]') ELSE [json_extract_string(x, '$')] END)) AS "responseElements.ConsoleLogin"
    FROM events
) AS e
WHERE lower(event_name) = 'consolelogin'
  AND len(list_filter("additionalEventData.MFAUsed", v -> lower(v) = 'no')) > 0
  AND len(list_filter("responseElements.ConsoleLogin", v -> lower(v) = 'success')) > 0

-- AWS Successful Console Login Without MFA (aws_cloudtrail_console_login_success_without_mfa.yml)
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM (
    SELECT *,
        transform(filter(CAST(json_parse(json_query(additionaleventdata, 'lax $.MFAUsed[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "additionalEventData.MFAUsed",
        transform(filter(CAST(json_parse(json_query(responseelements, 'lax $.ConsoleLogin[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "responseElements.ConsoleLogin"
    FROM cloudtrail_logs
) AS e
WHERE lower(eventname) = 'consolelogin'
  AND any_match("additionalEventData.MFAUsed", v -> lower(v) = 'no')
  AND any_match("responseElements.ConsoleLogin", v -> lower(v) = 'success')

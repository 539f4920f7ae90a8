-- AWS Successful Console Login Without MFA (aws_cloudtrail_console_login_success_without_mfa.yml)
SELECT eventID AS event_id, eventTime AS event_time
FROM (
    SELECT *,
        filter(COALESCE(TRY(CAST(json_parse(element_at(additionalEventData, 'MFAUsed')) AS ARRAY(varchar))), ARRAY[element_at(additionalEventData, 'MFAUsed')]), x -> x IS NOT NULL) AS "additionalEventData.MFAUsed",
        filter(COALESCE(TRY(CAST(json_parse(element_at(responseElements, 'ConsoleLogin')) AS ARRAY(varchar))), ARRAY[element_at(responseElements, 'ConsoleLogin')]), x -> x IS NOT NULL) AS "responseElements.ConsoleLogin"
    FROM <event-data-store-id>
) AS e
WHERE lower(eventName) = 'consolelogin'
  AND any_match("additionalEventData.MFAUsed", v -> lower(v) = 'no')
  AND any_match("responseElements.ConsoleLogin", v -> lower(v) = 'success')

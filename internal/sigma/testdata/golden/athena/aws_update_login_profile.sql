-- AWS User Login Profile Was Modified (aws_update_login_profile.yml)
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM (
    SELECT *,
        transform(filter(CAST(json_parse(json_query(requestparameters, 'lax $.userName[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "requestParameters.userName"
    FROM cloudtrail_logs
) AS e
WHERE (lower(eventsource) = 'iam.amazonaws.com' AND lower(eventname) = 'updateloginprofile')
  AND NOT COALESCE(COALESCE(arrays_overlap(transform(ARRAY[useridentity.arn], x -> lower(x)), transform("requestParameters.userName", x -> lower(x))), FALSE), FALSE)

-- AWS User Login Profile Was Modified (aws_update_login_profile.yml)
SELECT eventID AS event_id, eventTime AS event_time
FROM (
    SELECT *,
        filter(COALESCE(TRY(CAST(json_parse(element_at(requestParameters, 'userName')) AS ARRAY(varchar))), ARRAY[element_at(requestParameters, 'userName')]), x -> x IS NOT NULL) AS "requestParameters.userName"
    FROM <event-data-store-id>
) AS e
WHERE (lower(eventSource) = 'iam.amazonaws.com' AND lower(eventName) = 'updateloginprofile')
  AND NOT COALESCE(COALESCE(arrays_overlap(transform(ARRAY[userIdentity.arn], x -> lower(x)), transform("requestParameters.userName", x -> lower(x))), FALSE), FALSE)

-- AWS New Lambda Layer Attached (aws_new_lambda_layer_attached.yml)
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM (
    SELECT *,
        transform(filter(CAST(json_parse(json_query(requestparameters, 'lax $.layers[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "requestParameters.layers"
    FROM cloudtrail_logs
) AS e
WHERE lower(eventsource) = 'lambda.amazonaws.com'
  AND lower(eventname) LIKE 'updatefunctionconfiguration%' ESCAPE '\'
  AND any_match("requestParameters.layers", v -> lower(v) LIKE '%' ESCAPE '\')

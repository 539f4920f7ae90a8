-- AWS New Lambda Layer Attached (aws_new_lambda_layer_attached.yml)
SELECT eventID AS event_id, eventTime AS event_time
FROM (
    SELECT *,
        filter(COALESCE(TRY(CAST(json_parse(element_at(requestParameters, 'layers')) AS ARRAY(varchar))), ARRAY[element_at(requestParameters, 'layers')]), x -> x IS NOT NULL) AS "requestParameters.layers"
    FROM <event-data-store-id>
) AS e
WHERE lower(eventSource) = 'lambda.amazonaws.com'
  AND lower(eventName) LIKE 'updatefunctionconfiguration%' ESCAPE '\'
  AND any_match("requestParameters.layers", v -> lower(v) LIKE '%' ESCAPE '\')

-- AWS New Lambda Layer Attached (aws_new_lambda_layer_attached.yml)
SELECT event_id, event_time
FROM (
    SELECT *,
        flatten(list_transform(CASE WHEN json_type(request_parameters) = 'ARRAY' THEN json_extract(request_parameters, '$[*].layers') ELSE [json_extract(request_parameters, '$.layers')] END, x -> CASE WHEN json_type(x) = 'ARRAY' THEN json_extract_string(x, '$[*]') ELSE [json_extract_string(x, '$')] END)) AS "requestParameters.layers"
    FROM events
) AS e
WHERE lower(event_source) = 'lambda.amazonaws.com'
  AND starts_with(lower(event_name), 'updatefunctionconfiguration')
  AND len(list_filter("requestParameters.layers", v -> v ILIKE '%' ESCAPE '\')) > 0

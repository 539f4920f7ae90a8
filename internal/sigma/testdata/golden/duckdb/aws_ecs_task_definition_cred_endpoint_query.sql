-- AWS ECS Task Definition That Queries The Credential Endpoint (aws_ecs_task_definition_cred_endpoint_query.yml)
SELECT event_id, event_time
FROM (
    SELECT *,
        flatten(list_transform(flatten(list_transform(CASE WHEN json_type(request_parameters) = 'ARRAY' THEN json_extract(request_parameters, '$[*].containerDefinitions') ELSE [json_extract(request_parameters, '$.containerDefinitions')] END, x -> CASE WHEN json_type(x) = 'ARRAY' THEN json_extract(x, '$[*].command') ELSE [json_extract(x, '$.command')] END)), x -> CASE WHEN json_type(x) = 'ARRAY' THEN json_extract_string(x, '$[*]') ELSE [json_extract_string(x, '$')] END)) AS "requestParameters.containerDefinitions.command"
    FROM events
) AS e
WHERE lower(event_source) = 'ecs.amazonaws.com'
  AND lower(event_name) IN ('describetaskdefinition', 'registertaskdefinition', 'runtask')
  AND len(list_filter("requestParameters.containerDefinitions.command", v -> contains(lower(v), '$aws_container_credentials_relative_uri'))) > 0

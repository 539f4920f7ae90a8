-- AWS ECS Task Definition That Queries The Credential Endpoint (aws_ecs_task_definition_cred_endpoint_query.yml)
SELECT eventID AS event_id, eventTime AS event_time
FROM (
    SELECT *,
        transform(filter(CAST(json_parse(json_query(TRY(json_format(json_parse(element_at(requestParameters, 'containerDefinitions')))), 'lax $.command[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "requestParameters.containerDefinitions.command"
    FROM <event-data-store-id>
) AS e
WHERE lower(eventSource) = 'ecs.amazonaws.com'
  AND lower(eventName) IN ('describetaskdefinition', 'registertaskdefinition', 'runtask')
  AND any_match("requestParameters.containerDefinitions.command", v -> lower(v) LIKE '%$aws\_container\_credentials\_relative\_uri%' ESCAPE '\')

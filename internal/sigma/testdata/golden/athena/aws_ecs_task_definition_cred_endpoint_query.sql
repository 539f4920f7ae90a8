-- AWS ECS Task Definition That Queries The Credential Endpoint (aws_ecs_task_definition_cred_endpoint_query.yml)
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM (
    SELECT *,
        transform(filter(CAST(json_parse(json_query(requestparameters, 'lax $.containerDefinitions.command[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "requestParameters.containerDefinitions.command"
    FROM cloudtrail_logs
) AS e
WHERE lower(eventsource) = 'ecs.amazonaws.com'
  AND lower(eventname) IN ('describetaskdefinition', 'registertaskdefinition', 'runtask')
  AND any_match("requestParameters.containerDefinitions.command", v -> lower(v) LIKE '%$aws\_container\_credentials\_relative\_uri%' ESCAPE '\')

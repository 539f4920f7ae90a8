-- athena: credential grants
SELECT eventversion AS "eventVersion",
       useridentity.type AS "userIdentity.type",
       useridentity.principalid AS "userIdentity.principalId",
       useridentity.arn AS "userIdentity.arn",
       useridentity.accountid AS "userIdentity.accountId",
       useridentity.invokedby AS "userIdentity.invokedBy",
       useridentity.accesskeyid AS "userIdentity.accessKeyId",
       useridentity.username AS "userIdentity.userName",
       useridentity.onbehalfof.userid AS "userIdentity.onBehalfOf.userId",
       useridentity.onbehalfof.identitystorearn AS "userIdentity.onBehalfOf.identityStoreArn",
       useridentity.sessioncontext.attributes.mfaauthenticated AS "userIdentity.sessionContext.attributes.mfaAuthenticated",
       useridentity.sessioncontext.attributes.creationdate AS "userIdentity.sessionContext.attributes.creationDate",
       useridentity.sessioncontext.sessionissuer.type AS "userIdentity.sessionContext.sessionIssuer.type",
       useridentity.sessioncontext.sessionissuer.principalid AS "userIdentity.sessionContext.sessionIssuer.principalId",
       useridentity.sessioncontext.sessionissuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn",
       useridentity.sessioncontext.sessionissuer.accountid AS "userIdentity.sessionContext.sessionIssuer.accountId",
       useridentity.sessioncontext.sessionissuer.username AS "userIdentity.sessionContext.sessionIssuer.userName",
       useridentity.sessioncontext.ec2roledelivery AS "userIdentity.sessionContext.ec2RoleDelivery",
       useridentity.sessioncontext.webidfederationdata.federatedprovider AS "userIdentity.sessionContext.webIdFederationData.federatedProvider",
       eventtime AS "eventTime",
       eventsource AS "eventSource",
       eventname AS "eventName",
       awsregion AS "awsRegion",
       sourceipaddress AS "sourceIPAddress",
       useragent AS "userAgent",
       errorcode AS "errorCode",
       errormessage AS "errorMessage",
       requestparameters AS "requestParameters",
       responseelements AS "responseElements",
       additionaleventdata AS "additionalEventData",
       serviceeventdetails AS "serviceEventDetails",
       requestid AS "requestID",
       eventid AS "eventID",
       readonly AS "readOnly",
       json_format(CAST(resources AS JSON)) AS "resources",
       eventtype AS "eventType",
       apiversion AS "apiVersion",
       recipientaccountid AS "recipientAccountId",
       sharedeventid AS "sharedEventID",
       vpcendpointid AS "vpcEndpointId",
       vpcendpointaccountid AS "vpcEndpointAccountId",
       eventcategory AS "eventCategory",
       addendum.reason AS "addendum.reason",
       addendum.updatedfields AS "addendum.updatedFields",
       addendum.originalrequestid AS "addendum.originalRequestID",
       addendum.originaleventid AS "addendum.originalEventID",
       sessioncredentialfromconsole AS "sessionCredentialFromConsole",
       edgedevicedetails AS "edgeDeviceDetails",
       tlsdetails.tlsversion AS "tlsDetails.tlsVersion",
       tlsdetails.ciphersuite AS "tlsDetails.cipherSuite",
       tlsdetails.clientprovidedhostheader AS "tlsDetails.clientProvidedHostHeader"
FROM security.cloudtrail_logs
WHERE "timestamp" >= '2025/03/11'
  AND "timestamp" <= '2025/03/12'
  AND account IN ('493812077610')
  AND region IN ('us-east-1', 'eu-west-1')
  AND recipientaccountid IN ('493812077610')
  AND awsregion IN ('us-east-1', 'eu-west-1')
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
  AND eventname IN ('AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken', 'CreateAccessKey', 'CreateUser', 'CreateLoginProfile', 'UpdateLoginProfile', 'UpdateAssumeRolePolicy')
  AND errorcode IS NULL
  AND coalesce(useridentity.type, '') <> 'AWSService'
;

-- athena: events of indicators
SELECT eventversion AS "eventVersion",
       useridentity.type AS "userIdentity.type",
       useridentity.principalid AS "userIdentity.principalId",
       useridentity.arn AS "userIdentity.arn",
       useridentity.accountid AS "userIdentity.accountId",
       useridentity.invokedby AS "userIdentity.invokedBy",
       useridentity.accesskeyid AS "userIdentity.accessKeyId",
       useridentity.username AS "userIdentity.userName",
       useridentity.onbehalfof.userid AS "userIdentity.onBehalfOf.userId",
       useridentity.onbehalfof.identitystorearn AS "userIdentity.onBehalfOf.identityStoreArn",
       useridentity.sessioncontext.attributes.mfaauthenticated AS "userIdentity.sessionContext.attributes.mfaAuthenticated",
       useridentity.sessioncontext.attributes.creationdate AS "userIdentity.sessionContext.attributes.creationDate",
       useridentity.sessioncontext.sessionissuer.type AS "userIdentity.sessionContext.sessionIssuer.type",
       useridentity.sessioncontext.sessionissuer.principalid AS "userIdentity.sessionContext.sessionIssuer.principalId",
       useridentity.sessioncontext.sessionissuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn",
       useridentity.sessioncontext.sessionissuer.accountid AS "userIdentity.sessionContext.sessionIssuer.accountId",
       useridentity.sessioncontext.sessionissuer.username AS "userIdentity.sessionContext.sessionIssuer.userName",
       useridentity.sessioncontext.ec2roledelivery AS "userIdentity.sessionContext.ec2RoleDelivery",
       useridentity.sessioncontext.webidfederationdata.federatedprovider AS "userIdentity.sessionContext.webIdFederationData.federatedProvider",
       eventtime AS "eventTime",
       eventsource AS "eventSource",
       eventname AS "eventName",
       awsregion AS "awsRegion",
       sourceipaddress AS "sourceIPAddress",
       useragent AS "userAgent",
       errorcode AS "errorCode",
       errormessage AS "errorMessage",
       requestparameters AS "requestParameters",
       responseelements AS "responseElements",
       additionaleventdata AS "additionalEventData",
       serviceeventdetails AS "serviceEventDetails",
       requestid AS "requestID",
       eventid AS "eventID",
       readonly AS "readOnly",
       json_format(CAST(resources AS JSON)) AS "resources",
       eventtype AS "eventType",
       apiversion AS "apiVersion",
       recipientaccountid AS "recipientAccountId",
       sharedeventid AS "sharedEventID",
       vpcendpointid AS "vpcEndpointId",
       vpcendpointaccountid AS "vpcEndpointAccountId",
       eventcategory AS "eventCategory",
       addendum.reason AS "addendum.reason",
       addendum.updatedfields AS "addendum.updatedFields",
       addendum.originalrequestid AS "addendum.originalRequestID",
       addendum.originaleventid AS "addendum.originalEventID",
       sessioncredentialfromconsole AS "sessionCredentialFromConsole",
       edgedevicedetails AS "edgeDeviceDetails",
       tlsdetails.tlsversion AS "tlsDetails.tlsVersion",
       tlsdetails.ciphersuite AS "tlsDetails.cipherSuite",
       tlsdetails.clientprovidedhostheader AS "tlsDetails.clientProvidedHostHeader"
FROM security.cloudtrail_logs
WHERE "timestamp" >= '2025/03/11'
  AND "timestamp" <= '2025/03/12'
  AND account IN ('493812077610')
  AND region IN ('us-east-1', 'eu-west-1')
  AND recipientaccountid IN ('493812077610')
  AND awsregion IN ('us-east-1', 'eu-west-1')
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
  AND (
       useridentity.accesskeyid IN ('AKIAHF6L6KQVHSPLEFOS')
    OR useridentity.arn IN ('svc-backup-sync')
    OR useridentity.username IN ('svc-backup-sync')
    OR useridentity.sessioncontext.sessionissuer.arn IN ('svc-backup-sync')
    OR useridentity.sessioncontext.sessionissuer.username IN ('svc-backup-sync')
    OR contains('185.220.100.0/22', TRY_CAST(sourceipaddress AS IPADDRESS))
    OR sourceipaddress IN ('185.220.101.47')
  )
;

-- athena: rule aws/privilege-escalation/iam_admin_policy_attached_to_user.yml
SELECT event_id, to_iso8601(event_time) AS event_time
FROM (
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM (
    SELECT *,
        transform(filter(CAST(json_parse(json_query(requestparameters, 'lax $.policyArn[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "requestParameters.policyArn"
    FROM (SELECT * FROM security.cloudtrail_logs WHERE "timestamp" >= '2025/03/11' AND "timestamp" <= '2025/03/12' AND account IN ('493812077610') AND region IN ('us-east-1', 'eu-west-1') AND recipientaccountid IN ('493812077610') AND awsregion IN ('us-east-1', 'eu-west-1')) AS scoped
) AS e
WHERE lower(eventsource) = 'iam.amazonaws.com'
  AND lower(eventname) IN ('attachuserpolicy', 'attachgrouppolicy')
  AND any_match("requestParameters.policyArn", v -> (lower(v) LIKE '%:policy/administratoraccess' ESCAPE '\' OR lower(v) LIKE '%:policy/iamfullaccess' ESCAPE '\' OR lower(v) LIKE '%:policy/awsorganizationsfullaccess' ESCAPE '\'))
  AND errorcode IS NULL
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
) AS hit
;

-- athena: rule aws/discovery/api_enumeration_burst.yml
SELECT array_join(event_ids, ',') AS event_ids, to_iso8601(window_start) AS window_start, to_iso8601(window_end) AS window_end
FROM (
WITH base AS (
    SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time, 0 AS rule_idx, useridentity.accesskeyid AS g1, eventname AS val
    FROM (SELECT * FROM security.cloudtrail_logs WHERE "timestamp" >= '2025/03/11' AND "timestamp" <= '2025/03/12' AND account IN ('493812077610') AND region IN ('us-east-1', 'eu-west-1') AND recipientaccountid IN ('493812077610') AND awsregion IN ('us-east-1', 'eu-west-1')) AS scoped
    WHERE (lower(eventname) LIKE 'list%' ESCAPE '\' OR lower(eventname) LIKE 'describe%' ESCAPE '\' OR lower(eventname) LIKE 'get%' ESCAPE '\')
      AND NOT ((COALESCE(lower(useridentity.type) = 'awsservice', FALSE) OR COALESCE(NOT useridentity.invokedby IS NULL, FALSE) OR COALESCE(lower(useragent) LIKE '%.amazonaws.com' ESCAPE '\', FALSE)) OR (COALESCE(lower(sessioncredentialfromconsole) = 'true', FALSE) OR COALESCE(lower(useragent) = 'aws internal', FALSE) OR COALESCE((lower(useragent) LIKE '%console.amazonaws.com%' ESCAPE '\' OR lower(useragent) LIKE '%console.aws.amazon.com%' ESCAPE '\'), FALSE)) OR COALESCE((lower(useragent) LIKE '%terraform/%' ESCAPE '\' OR lower(useragent) LIKE '%pulumi/%' ESCAPE '\' OR lower(useragent) LIKE '%aws-cdk%' ESCAPE '\'), FALSE))
      AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
      AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
      AND from_iso8601_timestamp(eventtime) IS NOT NULL
),
kept AS (
    SELECT b.*
    FROM base AS b
    JOIN (SELECT g1 FROM base GROUP BY g1 HAVING count(DISTINCT val) >= 26) AS k ON b.g1 IS NOT DISTINCT FROM k.g1
),
ev AS (
    SELECT g1, event_id, event_time,
        row_number() OVER (PARTITION BY g1 ORDER BY event_time) AS rn,
        rank() OVER (PARTITION BY g1 ORDER BY event_time) AS lo,
        count(*) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL '600' SECOND FOLLOWING) AS hi,
        dense_rank() OVER (PARTITION BY g1 ORDER BY event_id) AS id_rank
    FROM (SELECT g1, event_id, event_time FROM kept GROUP BY g1, event_id, event_time) AS b
),
occ AS (
    SELECT g1, event_time, lag(event_time) OVER (PARTITION BY g1, k ORDER BY event_time) AS prev
    FROM (SELECT DISTINCT g1, val AS k, event_time FROM kept WHERE val IS NOT NULL) AS b
),
steps AS (
    SELECT g1, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN prev ELSE event_time - INTERVAL '600' SECOND END AS ts, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN 2 ELSE 0 END AS ord, 1 AS d, CAST(NULL AS BIGINT) AS lo, CAST(NULL AS BIGINT) AS hi
    FROM occ
    UNION ALL
    SELECT g1, event_time, 2, -1, NULL, NULL
    FROM occ
    UNION ALL
    SELECT g1, event_time, 1, 0, lo, hi
    FROM ev
    WHERE rn = lo
),
windows AS (
    SELECT g1, ts AS window_start, lo, hi, match_count
    FROM (
        SELECT g1, ts, ord, lo, hi, CAST(sum(d) OVER (PARTITION BY g1 ORDER BY ts, ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS match_count
        FROM steps
    ) AS s
    WHERE ord = 1 AND match_count >= 26
),
grouped AS (
    SELECT g1, array_agg(window_start ORDER BY window_start) AS starts, array_agg(lo ORDER BY window_start) AS los, array_agg(hi ORDER BY window_start) AS his, array_agg(match_count ORDER BY window_start) AS counts
    FROM windows
    GROUP BY g1
),
ids AS (
    SELECT e.g1, array_agg(e.id_rank ORDER BY e.rn) AS ranks, array_sort(array_agg(DISTINCT e.event_id)) AS ids_sorted, max(e.id_rank) < count(*) AS reused
    FROM ev AS e
    JOIN (SELECT DISTINCT g1 FROM windows) AS q ON e.g1 IS NOT DISTINCT FROM q.g1
    GROUP BY e.g1
)
SELECT g1 AS "userIdentity.accessKeyId", window_start, window_start + INTERVAL '600' SECOND AS window_end, match_count, transform(array_distinct(array_sort(slice(ranks, lo, hi - lo + 1))), r -> ids_sorted[r]) AS event_ids
FROM (
    SELECT w.g1, i.ranks, i.ids_sorted, i.reused, x.window_start, x.lo, x.hi, x.match_count
    FROM grouped AS w
    JOIN ids AS i ON w.g1 IS NOT DISTINCT FROM i.g1
    CROSS JOIN UNNEST(w.starts, w.los, w.his, w.counts) AS x(window_start, lo, hi, match_count)
) AS u
) AS hit
;

-- athena-timestamp: credential grants
SELECT eventversion AS "eventVersion",
       useridentity.type AS "userIdentity.type",
       useridentity.principalid AS "userIdentity.principalId",
       useridentity.arn AS "userIdentity.arn",
       useridentity.accountid AS "userIdentity.accountId",
       useridentity.invokedby AS "userIdentity.invokedBy",
       useridentity.accesskeyid AS "userIdentity.accessKeyId",
       useridentity.username AS "userIdentity.userName",
       useridentity.onbehalfof.userid AS "userIdentity.onBehalfOf.userId",
       useridentity.onbehalfof.identitystorearn AS "userIdentity.onBehalfOf.identityStoreArn",
       useridentity.sessioncontext.attributes.mfaauthenticated AS "userIdentity.sessionContext.attributes.mfaAuthenticated",
       useridentity.sessioncontext.attributes.creationdate AS "userIdentity.sessionContext.attributes.creationDate",
       useridentity.sessioncontext.sessionissuer.type AS "userIdentity.sessionContext.sessionIssuer.type",
       useridentity.sessioncontext.sessionissuer.principalid AS "userIdentity.sessionContext.sessionIssuer.principalId",
       useridentity.sessioncontext.sessionissuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn",
       useridentity.sessioncontext.sessionissuer.accountid AS "userIdentity.sessionContext.sessionIssuer.accountId",
       useridentity.sessioncontext.sessionissuer.username AS "userIdentity.sessionContext.sessionIssuer.userName",
       useridentity.sessioncontext.ec2roledelivery AS "userIdentity.sessionContext.ec2RoleDelivery",
       useridentity.sessioncontext.webidfederationdata.federatedprovider AS "userIdentity.sessionContext.webIdFederationData.federatedProvider",
       eventtime AS "eventTime",
       eventsource AS "eventSource",
       eventname AS "eventName",
       awsregion AS "awsRegion",
       sourceipaddress AS "sourceIPAddress",
       useragent AS "userAgent",
       errorcode AS "errorCode",
       errormessage AS "errorMessage",
       requestparameters AS "requestParameters",
       responseelements AS "responseElements",
       additionaleventdata AS "additionalEventData",
       serviceeventdetails AS "serviceEventDetails",
       requestid AS "requestID",
       eventid AS "eventID",
       readonly AS "readOnly",
       json_format(CAST(resources AS JSON)) AS "resources",
       eventtype AS "eventType",
       apiversion AS "apiVersion",
       recipientaccountid AS "recipientAccountId",
       sharedeventid AS "sharedEventID",
       vpcendpointid AS "vpcEndpointId",
       vpcendpointaccountid AS "vpcEndpointAccountId",
       eventcategory AS "eventCategory",
       addendum.reason AS "addendum.reason",
       addendum.updatedfields AS "addendum.updatedFields",
       addendum.originalrequestid AS "addendum.originalRequestID",
       addendum.originaleventid AS "addendum.originalEventID",
       sessioncredentialfromconsole AS "sessionCredentialFromConsole",
       edgedevicedetails AS "edgeDeviceDetails",
       tlsdetails.tlsversion AS "tlsDetails.tlsVersion",
       tlsdetails.ciphersuite AS "tlsDetails.cipherSuite",
       tlsdetails.clientprovidedhostheader AS "tlsDetails.clientProvidedHostHeader"
FROM cloudtrail_logs_pp
WHERE "timestamp" >= '2025/03/11'
  AND "timestamp" <= '2025/03/12'
  AND recipientaccountid IN ('493812077610')
  AND awsregion IN ('us-east-1', 'eu-west-1')
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
  AND eventname IN ('AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken', 'CreateAccessKey', 'CreateUser', 'CreateLoginProfile', 'UpdateLoginProfile', 'UpdateAssumeRolePolicy')
  AND errorcode IS NULL
  AND coalesce(useridentity.type, '') <> 'AWSService'
;

-- athena-timestamp: events of indicators
SELECT eventversion AS "eventVersion",
       useridentity.type AS "userIdentity.type",
       useridentity.principalid AS "userIdentity.principalId",
       useridentity.arn AS "userIdentity.arn",
       useridentity.accountid AS "userIdentity.accountId",
       useridentity.invokedby AS "userIdentity.invokedBy",
       useridentity.accesskeyid AS "userIdentity.accessKeyId",
       useridentity.username AS "userIdentity.userName",
       useridentity.onbehalfof.userid AS "userIdentity.onBehalfOf.userId",
       useridentity.onbehalfof.identitystorearn AS "userIdentity.onBehalfOf.identityStoreArn",
       useridentity.sessioncontext.attributes.mfaauthenticated AS "userIdentity.sessionContext.attributes.mfaAuthenticated",
       useridentity.sessioncontext.attributes.creationdate AS "userIdentity.sessionContext.attributes.creationDate",
       useridentity.sessioncontext.sessionissuer.type AS "userIdentity.sessionContext.sessionIssuer.type",
       useridentity.sessioncontext.sessionissuer.principalid AS "userIdentity.sessionContext.sessionIssuer.principalId",
       useridentity.sessioncontext.sessionissuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn",
       useridentity.sessioncontext.sessionissuer.accountid AS "userIdentity.sessionContext.sessionIssuer.accountId",
       useridentity.sessioncontext.sessionissuer.username AS "userIdentity.sessionContext.sessionIssuer.userName",
       useridentity.sessioncontext.ec2roledelivery AS "userIdentity.sessionContext.ec2RoleDelivery",
       useridentity.sessioncontext.webidfederationdata.federatedprovider AS "userIdentity.sessionContext.webIdFederationData.federatedProvider",
       eventtime AS "eventTime",
       eventsource AS "eventSource",
       eventname AS "eventName",
       awsregion AS "awsRegion",
       sourceipaddress AS "sourceIPAddress",
       useragent AS "userAgent",
       errorcode AS "errorCode",
       errormessage AS "errorMessage",
       requestparameters AS "requestParameters",
       responseelements AS "responseElements",
       additionaleventdata AS "additionalEventData",
       serviceeventdetails AS "serviceEventDetails",
       requestid AS "requestID",
       eventid AS "eventID",
       readonly AS "readOnly",
       json_format(CAST(resources AS JSON)) AS "resources",
       eventtype AS "eventType",
       apiversion AS "apiVersion",
       recipientaccountid AS "recipientAccountId",
       sharedeventid AS "sharedEventID",
       vpcendpointid AS "vpcEndpointId",
       vpcendpointaccountid AS "vpcEndpointAccountId",
       eventcategory AS "eventCategory",
       addendum.reason AS "addendum.reason",
       addendum.updatedfields AS "addendum.updatedFields",
       addendum.originalrequestid AS "addendum.originalRequestID",
       addendum.originaleventid AS "addendum.originalEventID",
       sessioncredentialfromconsole AS "sessionCredentialFromConsole",
       edgedevicedetails AS "edgeDeviceDetails",
       tlsdetails.tlsversion AS "tlsDetails.tlsVersion",
       tlsdetails.ciphersuite AS "tlsDetails.cipherSuite",
       tlsdetails.clientprovidedhostheader AS "tlsDetails.clientProvidedHostHeader"
FROM cloudtrail_logs_pp
WHERE "timestamp" >= '2025/03/11'
  AND "timestamp" <= '2025/03/12'
  AND recipientaccountid IN ('493812077610')
  AND awsregion IN ('us-east-1', 'eu-west-1')
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
  AND (
       useridentity.accesskeyid IN ('AKIAHF6L6KQVHSPLEFOS')
    OR useridentity.arn IN ('svc-backup-sync')
    OR useridentity.username IN ('svc-backup-sync')
    OR useridentity.sessioncontext.sessionissuer.arn IN ('svc-backup-sync')
    OR useridentity.sessioncontext.sessionissuer.username IN ('svc-backup-sync')
    OR contains('185.220.100.0/22', TRY_CAST(sourceipaddress AS IPADDRESS))
    OR sourceipaddress IN ('185.220.101.47')
  )
;

-- athena-timestamp: rule aws/privilege-escalation/iam_admin_policy_attached_to_user.yml
SELECT event_id, to_iso8601(event_time) AS event_time
FROM (
SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time
FROM (
    SELECT *,
        transform(filter(CAST(json_parse(json_query(requestparameters, 'lax $.policyArn[*]' WITH ARRAY WRAPPER)) AS ARRAY(JSON)), x -> json_format(x) <> 'null'), x -> COALESCE(TRY_CAST(x AS varchar), json_format(x))) AS "requestParameters.policyArn"
    FROM (SELECT * FROM cloudtrail_logs_pp WHERE "timestamp" >= '2025/03/11' AND "timestamp" <= '2025/03/12' AND recipientaccountid IN ('493812077610') AND awsregion IN ('us-east-1', 'eu-west-1')) AS scoped
) AS e
WHERE lower(eventsource) = 'iam.amazonaws.com'
  AND lower(eventname) IN ('attachuserpolicy', 'attachgrouppolicy')
  AND any_match("requestParameters.policyArn", v -> (lower(v) LIKE '%:policy/administratoraccess' ESCAPE '\' OR lower(v) LIKE '%:policy/iamfullaccess' ESCAPE '\' OR lower(v) LIKE '%:policy/awsorganizationsfullaccess' ESCAPE '\'))
  AND errorcode IS NULL
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
) AS hit
;

-- athena-timestamp: rule aws/discovery/api_enumeration_burst.yml
SELECT array_join(event_ids, ',') AS event_ids, to_iso8601(window_start) AS window_start, to_iso8601(window_end) AS window_end
FROM (
WITH base AS (
    SELECT eventid AS event_id, from_iso8601_timestamp(eventtime) AS event_time, 0 AS rule_idx, useridentity.accesskeyid AS g1, eventname AS val
    FROM (SELECT * FROM cloudtrail_logs_pp WHERE "timestamp" >= '2025/03/11' AND "timestamp" <= '2025/03/12' AND recipientaccountid IN ('493812077610') AND awsregion IN ('us-east-1', 'eu-west-1')) AS scoped
    WHERE (lower(eventname) LIKE 'list%' ESCAPE '\' OR lower(eventname) LIKE 'describe%' ESCAPE '\' OR lower(eventname) LIKE 'get%' ESCAPE '\')
      AND NOT ((COALESCE(lower(useridentity.type) = 'awsservice', FALSE) OR COALESCE(NOT useridentity.invokedby IS NULL, FALSE) OR COALESCE(lower(useragent) LIKE '%.amazonaws.com' ESCAPE '\', FALSE)) OR (COALESCE(lower(sessioncredentialfromconsole) = 'true', FALSE) OR COALESCE(lower(useragent) = 'aws internal', FALSE) OR COALESCE((lower(useragent) LIKE '%console.amazonaws.com%' ESCAPE '\' OR lower(useragent) LIKE '%console.aws.amazon.com%' ESCAPE '\'), FALSE)) OR COALESCE((lower(useragent) LIKE '%terraform/%' ESCAPE '\' OR lower(useragent) LIKE '%pulumi/%' ESCAPE '\' OR lower(useragent) LIKE '%aws-cdk%' ESCAPE '\'), FALSE))
      AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
      AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
      AND from_iso8601_timestamp(eventtime) IS NOT NULL
),
kept AS (
    SELECT b.*
    FROM base AS b
    JOIN (SELECT g1 FROM base GROUP BY g1 HAVING count(DISTINCT val) >= 26) AS k ON b.g1 IS NOT DISTINCT FROM k.g1
),
ev AS (
    SELECT g1, event_id, event_time,
        row_number() OVER (PARTITION BY g1 ORDER BY event_time) AS rn,
        rank() OVER (PARTITION BY g1 ORDER BY event_time) AS lo,
        count(*) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL '600' SECOND FOLLOWING) AS hi,
        dense_rank() OVER (PARTITION BY g1 ORDER BY event_id) AS id_rank
    FROM (SELECT g1, event_id, event_time FROM kept GROUP BY g1, event_id, event_time) AS b
),
occ AS (
    SELECT g1, event_time, lag(event_time) OVER (PARTITION BY g1, k ORDER BY event_time) AS prev
    FROM (SELECT DISTINCT g1, val AS k, event_time FROM kept WHERE val IS NOT NULL) AS b
),
steps AS (
    SELECT g1, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN prev ELSE event_time - INTERVAL '600' SECOND END AS ts, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN 2 ELSE 0 END AS ord, 1 AS d, CAST(NULL AS BIGINT) AS lo, CAST(NULL AS BIGINT) AS hi
    FROM occ
    UNION ALL
    SELECT g1, event_time, 2, -1, NULL, NULL
    FROM occ
    UNION ALL
    SELECT g1, event_time, 1, 0, lo, hi
    FROM ev
    WHERE rn = lo
),
windows AS (
    SELECT g1, ts AS window_start, lo, hi, match_count
    FROM (
        SELECT g1, ts, ord, lo, hi, CAST(sum(d) OVER (PARTITION BY g1 ORDER BY ts, ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS match_count
        FROM steps
    ) AS s
    WHERE ord = 1 AND match_count >= 26
),
grouped AS (
    SELECT g1, array_agg(window_start ORDER BY window_start) AS starts, array_agg(lo ORDER BY window_start) AS los, array_agg(hi ORDER BY window_start) AS his, array_agg(match_count ORDER BY window_start) AS counts
    FROM windows
    GROUP BY g1
),
ids AS (
    SELECT e.g1, array_agg(e.id_rank ORDER BY e.rn) AS ranks, array_sort(array_agg(DISTINCT e.event_id)) AS ids_sorted, max(e.id_rank) < count(*) AS reused
    FROM ev AS e
    JOIN (SELECT DISTINCT g1 FROM windows) AS q ON e.g1 IS NOT DISTINCT FROM q.g1
    GROUP BY e.g1
)
SELECT g1 AS "userIdentity.accessKeyId", window_start, window_start + INTERVAL '600' SECOND AS window_end, match_count, transform(array_distinct(array_sort(slice(ranks, lo, hi - lo + 1))), r -> ids_sorted[r]) AS event_ids
FROM (
    SELECT w.g1, i.ranks, i.ids_sorted, i.reused, x.window_start, x.lo, x.hi, x.match_count
    FROM grouped AS w
    JOIN ids AS i ON w.g1 IS NOT DISTINCT FROM i.g1
    CROSS JOIN UNNEST(w.starts, w.los, w.his, w.counts) AS x(window_start, lo, hi, match_count)
) AS u
) AS hit
;

-- lake: credential grants
SELECT eventVersion AS "eventVersion",
       userIdentity.type AS "userIdentity.type",
       userIdentity.principalId AS "userIdentity.principalId",
       userIdentity.arn AS "userIdentity.arn",
       userIdentity.accountId AS "userIdentity.accountId",
       userIdentity.invokedBy AS "userIdentity.invokedBy",
       userIdentity.accessKeyId AS "userIdentity.accessKeyId",
       userIdentity.userName AS "userIdentity.userName",
       userIdentity.identityProvider AS "userIdentity.identityProvider",
       userIdentity.onBehalfOf.userId AS "userIdentity.onBehalfOf.userId",
       userIdentity.onBehalfOf.identityStoreArn AS "userIdentity.onBehalfOf.identityStoreArn",
       userIdentity.sessionContext.sourceIdentity AS "userIdentity.sessionContext.sourceIdentity",
       userIdentity.sessionContext.attributes.mfaAuthenticated AS "userIdentity.sessionContext.attributes.mfaAuthenticated",
       userIdentity.sessionContext.attributes.creationDate AS "userIdentity.sessionContext.attributes.creationDate",
       userIdentity.sessionContext.sessionIssuer.type AS "userIdentity.sessionContext.sessionIssuer.type",
       userIdentity.sessionContext.sessionIssuer.principalId AS "userIdentity.sessionContext.sessionIssuer.principalId",
       userIdentity.sessionContext.sessionIssuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn",
       userIdentity.sessionContext.sessionIssuer.accountId AS "userIdentity.sessionContext.sessionIssuer.accountId",
       userIdentity.sessionContext.sessionIssuer.userName AS "userIdentity.sessionContext.sessionIssuer.userName",
       userIdentity.sessionContext.ec2RoleDelivery AS "userIdentity.sessionContext.ec2RoleDelivery",
       userIdentity.sessionContext.webIdFederationData.federatedProvider AS "userIdentity.sessionContext.webIdFederationData.federatedProvider",
       eventTime AS "eventTime",
       eventSource AS "eventSource",
       eventName AS "eventName",
       awsRegion AS "awsRegion",
       sourceIPAddress AS "sourceIPAddress",
       userAgent AS "userAgent",
       errorCode AS "errorCode",
       errorMessage AS "errorMessage",
       json_format(CAST(requestParameters AS JSON)) AS "requestParameters",
       json_format(CAST(responseElements AS JSON)) AS "responseElements",
       json_format(CAST(additionalEventData AS JSON)) AS "additionalEventData",
       json_format(CAST(serviceEventDetails AS JSON)) AS "serviceEventDetails",
       requestID AS "requestID",
       eventID AS "eventID",
       CAST(readOnly AS varchar) AS "readOnly",
       json_format(CAST(resources AS JSON)) AS "resources",
       eventType AS "eventType",
       apiVersion AS "apiVersion",
       CAST(managementEvent AS varchar) AS "managementEvent",
       recipientAccountId AS "recipientAccountId",
       sharedEventID AS "sharedEventID",
       vpcEndpointId AS "vpcEndpointId",
       vpcEndpointAccountId AS "vpcEndpointAccountId",
       eventCategory AS "eventCategory",
       addendum.reason AS "addendum.reason",
       addendum.updatedFields AS "addendum.updatedFields",
       addendum.originalRequestID AS "addendum.originalRequestID",
       addendum.originalEventID AS "addendum.originalEventID",
       sessionCredentialFromConsole AS "sessionCredentialFromConsole",
       tlsDetails.tlsVersion AS "tlsDetails.tlsVersion",
       tlsDetails.cipherSuite AS "tlsDetails.cipherSuite",
       tlsDetails.clientProvidedHostHeader AS "tlsDetails.clientProvidedHostHeader"
FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE
WHERE recipientAccountId IN ('493812077610')
  AND awsRegion IN ('us-east-1', 'eu-west-1')
  AND eventTime >= TIMESTAMP '2025-03-11 00:00:00'
  AND eventTime < TIMESTAMP '2025-03-12 00:00:00'
  AND eventName IN ('AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken', 'CreateAccessKey', 'CreateUser', 'CreateLoginProfile', 'UpdateLoginProfile', 'UpdateAssumeRolePolicy')
  AND errorCode IS NULL
  AND coalesce(userIdentity.type, '') <> 'AWSService'
;

-- lake: events of indicators
SELECT eventVersion AS "eventVersion",
       userIdentity.type AS "userIdentity.type",
       userIdentity.principalId AS "userIdentity.principalId",
       userIdentity.arn AS "userIdentity.arn",
       userIdentity.accountId AS "userIdentity.accountId",
       userIdentity.invokedBy AS "userIdentity.invokedBy",
       userIdentity.accessKeyId AS "userIdentity.accessKeyId",
       userIdentity.userName AS "userIdentity.userName",
       userIdentity.identityProvider AS "userIdentity.identityProvider",
       userIdentity.onBehalfOf.userId AS "userIdentity.onBehalfOf.userId",
       userIdentity.onBehalfOf.identityStoreArn AS "userIdentity.onBehalfOf.identityStoreArn",
       userIdentity.sessionContext.sourceIdentity AS "userIdentity.sessionContext.sourceIdentity",
       userIdentity.sessionContext.attributes.mfaAuthenticated AS "userIdentity.sessionContext.attributes.mfaAuthenticated",
       userIdentity.sessionContext.attributes.creationDate AS "userIdentity.sessionContext.attributes.creationDate",
       userIdentity.sessionContext.sessionIssuer.type AS "userIdentity.sessionContext.sessionIssuer.type",
       userIdentity.sessionContext.sessionIssuer.principalId AS "userIdentity.sessionContext.sessionIssuer.principalId",
       userIdentity.sessionContext.sessionIssuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn",
       userIdentity.sessionContext.sessionIssuer.accountId AS "userIdentity.sessionContext.sessionIssuer.accountId",
       userIdentity.sessionContext.sessionIssuer.userName AS "userIdentity.sessionContext.sessionIssuer.userName",
       userIdentity.sessionContext.ec2RoleDelivery AS "userIdentity.sessionContext.ec2RoleDelivery",
       userIdentity.sessionContext.webIdFederationData.federatedProvider AS "userIdentity.sessionContext.webIdFederationData.federatedProvider",
       eventTime AS "eventTime",
       eventSource AS "eventSource",
       eventName AS "eventName",
       awsRegion AS "awsRegion",
       sourceIPAddress AS "sourceIPAddress",
       userAgent AS "userAgent",
       errorCode AS "errorCode",
       errorMessage AS "errorMessage",
       json_format(CAST(requestParameters AS JSON)) AS "requestParameters",
       json_format(CAST(responseElements AS JSON)) AS "responseElements",
       json_format(CAST(additionalEventData AS JSON)) AS "additionalEventData",
       json_format(CAST(serviceEventDetails AS JSON)) AS "serviceEventDetails",
       requestID AS "requestID",
       eventID AS "eventID",
       CAST(readOnly AS varchar) AS "readOnly",
       json_format(CAST(resources AS JSON)) AS "resources",
       eventType AS "eventType",
       apiVersion AS "apiVersion",
       CAST(managementEvent AS varchar) AS "managementEvent",
       recipientAccountId AS "recipientAccountId",
       sharedEventID AS "sharedEventID",
       vpcEndpointId AS "vpcEndpointId",
       vpcEndpointAccountId AS "vpcEndpointAccountId",
       eventCategory AS "eventCategory",
       addendum.reason AS "addendum.reason",
       addendum.updatedFields AS "addendum.updatedFields",
       addendum.originalRequestID AS "addendum.originalRequestID",
       addendum.originalEventID AS "addendum.originalEventID",
       sessionCredentialFromConsole AS "sessionCredentialFromConsole",
       tlsDetails.tlsVersion AS "tlsDetails.tlsVersion",
       tlsDetails.cipherSuite AS "tlsDetails.cipherSuite",
       tlsDetails.clientProvidedHostHeader AS "tlsDetails.clientProvidedHostHeader"
FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE
WHERE recipientAccountId IN ('493812077610')
  AND awsRegion IN ('us-east-1', 'eu-west-1')
  AND eventTime >= TIMESTAMP '2025-03-11 00:00:00'
  AND eventTime < TIMESTAMP '2025-03-12 00:00:00'
  AND (
       userIdentity.accessKeyId IN ('AKIAHF6L6KQVHSPLEFOS')
    OR userIdentity.arn IN ('svc-backup-sync')
    OR userIdentity.userName IN ('svc-backup-sync')
    OR userIdentity.sessionContext.sessionIssuer.arn IN ('svc-backup-sync')
    OR userIdentity.sessionContext.sessionIssuer.userName IN ('svc-backup-sync')
    OR contains('185.220.100.0/22', TRY_CAST(sourceIPAddress AS IPADDRESS))
    OR sourceIPAddress IN ('185.220.101.47')
  )
;

-- lake: rule aws/privilege-escalation/iam_admin_policy_attached_to_user.yml
SELECT event_id, CAST(event_time AS varchar) AS event_time
FROM (
SELECT eventID AS event_id, eventTime AS event_time
FROM (
    SELECT *,
        filter(COALESCE(TRY(CAST(json_parse(element_at(requestParameters, 'policyArn')) AS ARRAY(varchar))), ARRAY[element_at(requestParameters, 'policyArn')]), x -> x IS NOT NULL) AS "requestParameters.policyArn"
    FROM (SELECT * FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE WHERE recipientAccountId IN ('493812077610') AND awsRegion IN ('us-east-1', 'eu-west-1')) AS scoped
) AS e
WHERE lower(eventSource) = 'iam.amazonaws.com'
  AND lower(eventName) IN ('attachuserpolicy', 'attachgrouppolicy')
  AND any_match("requestParameters.policyArn", v -> (lower(v) LIKE '%:policy/administratoraccess' ESCAPE '\' OR lower(v) LIKE '%:policy/iamfullaccess' ESCAPE '\' OR lower(v) LIKE '%:policy/awsorganizationsfullaccess' ESCAPE '\'))
  AND errorCode IS NULL
  AND eventTime >= TIMESTAMP '2025-03-11 00:00:00'
  AND eventTime < TIMESTAMP '2025-03-12 00:00:00'
) AS hit
;

-- lake: rule aws/discovery/api_enumeration_burst.yml
SELECT array_join(event_ids, ',') AS event_ids, CAST(window_start AS varchar) AS window_start, CAST(window_end AS varchar) AS window_end
FROM (
WITH base AS (
    SELECT eventID AS event_id, eventTime AS event_time, 0 AS rule_idx, userIdentity.accessKeyId AS g1, eventName AS val
    FROM (SELECT * FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE WHERE recipientAccountId IN ('493812077610') AND awsRegion IN ('us-east-1', 'eu-west-1')) AS scoped
    WHERE (lower(eventName) LIKE 'list%' ESCAPE '\' OR lower(eventName) LIKE 'describe%' ESCAPE '\' OR lower(eventName) LIKE 'get%' ESCAPE '\')
      AND NOT ((COALESCE(lower(userIdentity.type) = 'awsservice', FALSE) OR COALESCE(NOT userIdentity.invokedBy IS NULL, FALSE) OR COALESCE(lower(userAgent) LIKE '%.amazonaws.com' ESCAPE '\', FALSE)) OR (COALESCE(lower(sessionCredentialFromConsole) = 'true', FALSE) OR COALESCE(lower(userAgent) = 'aws internal', FALSE) OR COALESCE((lower(userAgent) LIKE '%console.amazonaws.com%' ESCAPE '\' OR lower(userAgent) LIKE '%console.aws.amazon.com%' ESCAPE '\'), FALSE)) OR COALESCE((lower(userAgent) LIKE '%terraform/%' ESCAPE '\' OR lower(userAgent) LIKE '%pulumi/%' ESCAPE '\' OR lower(userAgent) LIKE '%aws-cdk%' ESCAPE '\'), FALSE))
      AND eventTime >= TIMESTAMP '2025-03-11 00:00:00'
      AND eventTime < TIMESTAMP '2025-03-12 00:00:00'
      AND eventTime IS NOT NULL
),
kept AS (
    SELECT b.*
    FROM base AS b
    JOIN (SELECT g1 FROM base GROUP BY g1 HAVING count(DISTINCT val) >= 26) AS k ON b.g1 IS NOT DISTINCT FROM k.g1
),
ev AS (
    SELECT g1, event_id, event_time,
        row_number() OVER (PARTITION BY g1 ORDER BY event_time) AS rn,
        rank() OVER (PARTITION BY g1 ORDER BY event_time) AS lo,
        count(*) OVER (PARTITION BY g1 ORDER BY event_time RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL '600' SECOND FOLLOWING) AS hi,
        dense_rank() OVER (PARTITION BY g1 ORDER BY event_id) AS id_rank
    FROM (SELECT g1, event_id, event_time FROM kept GROUP BY g1, event_id, event_time) AS b
),
occ AS (
    SELECT g1, event_time, lag(event_time) OVER (PARTITION BY g1, k ORDER BY event_time) AS prev
    FROM (SELECT DISTINCT g1, val AS k, event_time FROM kept WHERE val IS NOT NULL) AS b
),
steps AS (
    SELECT g1, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN prev ELSE event_time - INTERVAL '600' SECOND END AS ts, CASE WHEN prev >= event_time - INTERVAL '600' SECOND THEN 2 ELSE 0 END AS ord, 1 AS d, CAST(NULL AS BIGINT) AS lo, CAST(NULL AS BIGINT) AS hi
    FROM occ
    UNION ALL
    SELECT g1, event_time, 2, -1, NULL, NULL
    FROM occ
    UNION ALL
    SELECT g1, event_time, 1, 0, lo, hi
    FROM ev
    WHERE rn = lo
),
windows AS (
    SELECT g1, ts AS window_start, lo, hi, match_count
    FROM (
        SELECT g1, ts, ord, lo, hi, CAST(sum(d) OVER (PARTITION BY g1 ORDER BY ts, ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS match_count
        FROM steps
    ) AS s
    WHERE ord = 1 AND match_count >= 26
),
grouped AS (
    SELECT g1, array_agg(window_start ORDER BY window_start) AS starts, array_agg(lo ORDER BY window_start) AS los, array_agg(hi ORDER BY window_start) AS his, array_agg(match_count ORDER BY window_start) AS counts
    FROM windows
    GROUP BY g1
),
ids AS (
    SELECT e.g1, array_agg(e.id_rank ORDER BY e.rn) AS ranks, array_sort(array_agg(DISTINCT e.event_id)) AS ids_sorted, max(e.id_rank) < count(*) AS reused
    FROM ev AS e
    JOIN (SELECT DISTINCT g1 FROM windows) AS q ON e.g1 IS NOT DISTINCT FROM q.g1
    GROUP BY e.g1
)
SELECT g1 AS "userIdentity.accessKeyId", window_start, window_start + INTERVAL '600' SECOND AS window_end, match_count, transform(array_distinct(array_sort(slice(ranks, lo, hi - lo + 1))), r -> ids_sorted[r]) AS event_ids
FROM (
    SELECT w.g1, i.ranks, i.ids_sorted, i.reused, x.window_start, x.lo, x.hi, x.match_count
    FROM grouped AS w
    JOIN ids AS i ON w.g1 IS NOT DISTINCT FROM i.g1
    CROSS JOIN UNNEST(w.starts, w.los, w.his, w.counts) AS x(window_start, lo, hi, match_count)
) AS u
) AS hit
;


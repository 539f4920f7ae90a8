SELECT useridentity.accesskeyid AS access_key_id, useridentity.arn AS arn, count(*) AS events
FROM security.cloudtrail_logs
WHERE "timestamp" >= '2025/03/11'
  AND "timestamp" <= '2025/03/12'
  AND account IN ('493812077610')
  AND region IN ('us-east-1', 'eu-west-1')
  AND recipientaccountid IN ('493812077610')
  AND awsregion IN ('us-east-1', 'eu-west-1')
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
  AND eventid IN ('1d6f1f3e-0000-4000-8000-000000000001')
GROUP BY 1, 2
;

SELECT useridentity.accesskeyid AS access_key_id, useridentity.arn AS arn, count(*) AS events
FROM security.cloudtrail_logs
WHERE "timestamp" >= '2025/03/11'
  AND "timestamp" <= '2025/03/12'
  AND account IN ('493812077610')
  AND region IN ('us-east-1', 'eu-west-1')
  AND recipientaccountid IN ('493812077610')
  AND awsregion IN ('us-east-1', 'eu-west-1')
  AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2025-03-11T00:00:00Z')
  AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2025-03-12T00:00:00Z')
  AND regexp_like(useragent, '(?i)(pacu|scout ?suite|prowler|cloudfox|cloudsplaining|pmapper|principalmapper|weirdaal|stratus-red-team|cloudgoat|awspx|nimbostratus|enumerate-iam|cloudbrute|trufflehog|endgame|grimoire|kali|parrot|pentoo|blackarch)')
GROUP BY 1, 2
;

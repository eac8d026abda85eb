SELECT date_trunc($grain, ts)::DATE AS bucket, count(*) AS violations__value, count(*) FILTER (WHERE severity = 'severe') AS severe_violations__value, count(*) FILTER (WHERE severity = 'minor') AS minor_violations__value, count(*) FILTER (WHERE severity = 'moderate') AS moderate_violations__value
FROM (
SELECT v.inspection_id, v.item, v.category AS violation_category, v.severity,
       q.ts, q.team, q.agent
FROM qa_violations v
JOIN (SELECT qi.*, qi.inspected_at AS ts, agt.team AS team
FROM qa_inspections qi
LEFT JOIN (WITH latest AS (SELECT agent, max(created_at) FILTER (WHERE created_at >= $date_from AND created_at < $date_to_excl) AS in_period, max(created_at) AS ever FROM tickets WHERE agent IS NOT NULL AND team IS NOT NULL GROUP BY agent) SELECT l.agent, coalesce(arg_max(t.team, t.ticket_id) FILTER (WHERE t.created_at = l.in_period), arg_max(t.team, t.ticket_id) FILTER (WHERE t.created_at = l.ever)) AS team FROM latest l JOIN (SELECT agent, created_at, team, ticket_id FROM tickets WHERE team IS NOT NULL AND (agent, created_at) IN (SELECT agent, in_period FROM latest UNION ALL SELECT agent, ever FROM latest)) t ON t.agent = l.agent GROUP BY l.agent) agt ON agt.agent = qi.agent) q ON q.inspection_id = v.inspection_id) s
WHERE ts >= $date_from AND ts < $date_to_excl AND list_contains($f_team::VARCHAR[], team)
GROUP BY ALL
ORDER BY bucket

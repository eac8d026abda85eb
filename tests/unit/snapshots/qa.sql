SELECT date_trunc($grain, ts)::DATE AS bucket, avg(qa_score) AS qa_score_mean__value, count(qa_score) AS qa_score_mean__den, count(*) AS inspections__value, count(*) FILTER (WHERE n_violations = 0) AS violation_free_rate__num, count(*) AS violation_free_rate__den
FROM (SELECT qi.*, qi.inspected_at AS ts, agt.team AS team, coalesce(nv.n, 0) AS n_violations
FROM qa_inspections qi
LEFT JOIN (SELECT inspection_id, count(*) AS n FROM qa_violations GROUP BY inspection_id) nv ON nv.inspection_id = qi.inspection_id
LEFT JOIN (WITH latest AS (SELECT agent, max(created_at) FILTER (WHERE created_at >= $date_from AND created_at < $date_to_excl) AS in_period, max(created_at) AS ever FROM tickets WHERE agent IS NOT NULL AND team IS NOT NULL GROUP BY agent) SELECT l.agent, coalesce(arg_max(t.team, t.ticket_id) FILTER (WHERE t.created_at = l.in_period), arg_max(t.team, t.ticket_id) FILTER (WHERE t.created_at = l.ever)) AS team FROM latest l JOIN (SELECT agent, created_at, team, ticket_id FROM tickets WHERE team IS NOT NULL AND (agent, created_at) IN (SELECT agent, in_period FROM latest UNION ALL SELECT agent, ever FROM latest)) t ON t.agent = l.agent GROUP BY l.agent) agt ON agt.agent = qi.agent) s
WHERE ts >= $date_from AND ts < $date_to_excl AND list_contains($f_team::VARCHAR[], team)
GROUP BY ALL
ORDER BY bucket

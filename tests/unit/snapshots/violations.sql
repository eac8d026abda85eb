SELECT date_trunc($grain, ts)::DATE AS bucket, count(*) AS violations__value, count(*) FILTER (WHERE severity = 'severe') AS severe_violations__value, count(*) FILTER (WHERE severity = 'minor') AS minor_violations__value, count(*) FILTER (WHERE severity = 'moderate') AS moderate_violations__value
FROM (
SELECT v.inspection_id, v.item, v.category AS violation_category, v.severity,
       q.ts, q.channel, q.team, q.agent, q.request_type, q.category, q.product, q.priority
FROM qa_violations v
JOIN (
SELECT qi.*, qi.inspected_at AS ts, coalesce(nv.n, 0) AS n_violations,
       tk.channel, agt.team AS team, tk.request_type, tk.category, tk.product, tk.priority
FROM qa_inspections qi
LEFT JOIN tickets tk ON tk.ticket_id = qi.ticket_id
LEFT JOIN (SELECT inspection_id, count(*) AS n FROM qa_violations GROUP BY inspection_id) nv
       ON nv.inspection_id = qi.inspection_id
LEFT JOIN (SELECT agent, coalesce(arg_max(team, created_at) FILTER (WHERE created_at >= $date_from AND created_at < $date_to_excl), arg_max(team, created_at)) AS team FROM tickets WHERE agent IS NOT NULL AND team IS NOT NULL GROUP BY agent) agt ON agt.agent = qi.agent) q ON q.inspection_id = v.inspection_id) s
WHERE ts >= $date_from AND ts < $date_to_excl AND list_contains($f_team::VARCHAR[], team)
GROUP BY ALL
ORDER BY bucket

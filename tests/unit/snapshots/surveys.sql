SELECT date_trunc($grain, ts)::DATE AS bucket, count(*) AS surveys_sent__value, count(*) FILTER (WHERE answered) AS survey_response_rate__num, count(*) AS survey_response_rate__den, count(*) FILTER (WHERE (score BETWEEN 1 AND 5) AND (score >= 4)) AS csat__num, count(*) FILTER (WHERE score BETWEEN 1 AND 5) AS csat__den, avg(score) FILTER (WHERE score BETWEEN 1 AND 5) AS mean_score__value, count(score) FILTER (WHERE score BETWEEN 1 AND 5) AS mean_score__den, count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6) AS nps__num, count(*) FILTER (WHERE nps BETWEEN 0 AND 10) AS nps__den, count(*) FILTER (WHERE score BETWEEN 1 AND 5) AS surveys_answered__value, count(*) FILTER (WHERE dont_know) AS dont_know__value, count(*) FILTER (WHERE nullif(trim(comment), '') IS NOT NULL) AS comments__value
FROM (SELECT sv.*, sv.sent_at AS ts, tk.channel, tk.team, tk.agent, tk.request_type, tk.category, tk.product, tk.priority, (sv.responded_at IS NOT NULL OR sv.score IS NOT NULL OR sv.dont_know
        OR sv.nps IS NOT NULL OR nullif(trim(sv.comment), '') IS NOT NULL
        OR dims.survey_id IS NOT NULL) AS answered
FROM surveys sv
LEFT JOIN tickets tk ON tk.ticket_id = sv.ticket_id
LEFT JOIN (SELECT DISTINCT survey_id FROM survey_dimension_scores) dims ON dims.survey_id = sv.survey_id) s
WHERE ts >= $date_from AND ts < $date_to_excl AND list_contains($f_team::VARCHAR[], team)
GROUP BY ALL
ORDER BY bucket

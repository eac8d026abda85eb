SELECT bucket AS bucket, count(*) FILTER (WHERE surveyed) AS survey_coverage_rate__num, count(*) AS survey_coverage_rate__den
FROM (
WITH t AS (
    SELECT customer_id, date_trunc($grain, ts)::DATE AS bucket
    FROM (
SELECT tk.*, tk.created_at AS ts,
       epoch(tk.first_response_at - tk.created_at) AS frt_s,
       epoch(coalesce(tk.resolved_at, tk.closed_at) - tk.created_at) AS res_s,
       epoch(coalesce(tk.resolved_at, tk.closed_at) - tk.created_at) AS res_cal_s,
       epoch($as_of - tk.created_at) AS age_s,
       epoch($as_of - tk.created_at) AS age_cal_s,
       cs.standard_s
FROM tickets tk
LEFT JOIN (SELECT unnest($std_channels::VARCHAR[]) AS channel,
                  unnest($std_seconds::DOUBLE[]) AS standard_s) cs
       ON cs.channel = tk.channel) s
    WHERE ts >= $date_from AND ts < $date_to_excl AND list_contains($f_team::VARCHAR[], team) AND customer_id IS NOT NULL
), surveyed AS (
    SELECT DISTINCT coalesce(sv.customer_id, tk.customer_id) AS customer_id, date_trunc($grain, sv.sent_at)::DATE AS bucket
    FROM surveys sv LEFT JOIN tickets tk ON tk.ticket_id = sv.ticket_id
    WHERE sv.sent_at >= $date_from AND sv.sent_at < $date_to_excl
)
SELECT DISTINCT t.customer_id, t.bucket, (s.customer_id IS NOT NULL) AS surveyed
FROM t LEFT JOIN surveyed s ON s.customer_id = t.customer_id AND s.bucket = t.bucket) c
GROUP BY ALL
ORDER BY bucket

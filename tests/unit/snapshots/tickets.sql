SELECT date_trunc($grain, ts)::DATE AS bucket, count(*) AS tickets__value, quantile_cont(frt_s, 0.5) AS first_response_median_s__value, count(frt_s) AS first_response_median_s__den, quantile_cont(frt_s, 0.9) AS first_response_p90_s__value, count(frt_s) AS first_response_p90_s__den, count(*) FILTER (WHERE (standard_s IS NOT NULL AND (frt_s IS NOT NULL OR age_s >= standard_s)) AND (frt_s <= standard_s)) AS response_within_standard_rate__num, count(*) FILTER (WHERE standard_s IS NOT NULL AND (frt_s IS NOT NULL OR age_s >= standard_s)) AS response_within_standard_rate__den, quantile_cont(res_s, 0.5) AS resolution_median_s__value, count(res_s) AS resolution_median_s__den, quantile_cont(res_s, 0.9) AS resolution_p90_s__value, count(res_s) AS resolution_p90_s__den, count(*) FILTER (WHERE res_s IS NOT NULL) AS resolution_rate__num, count(*) AS resolution_rate__den, count(*) FILTER (WHERE request_type = 'complaint') AS complaints__value, count(*) FILTER (WHERE request_type = 'complaint') AS complaint_rate__num, count(*) AS complaint_rate__den, count(*) FILTER (WHERE (request_type = 'complaint') AND (res_cal_s <= $complaint_limit_s)) AS complaint_closed_within_limit_rate__num, count(*) FILTER (WHERE request_type = 'complaint') AS complaint_closed_within_limit_rate__den, count(*) FILTER (WHERE (res_s IS NOT NULL) AND (coalesce(contacts, 1) <= 1 AND coalesce(reopen_count, 0) = 0)) AS fcr_rate__num, count(*) FILTER (WHERE res_s IS NOT NULL) AS fcr_rate__den, count(*) FILTER (WHERE (res_s IS NOT NULL) AND (coalesce(reopen_count, 0) >= 1)) AS reopen_rate__num, count(*) FILTER (WHERE res_s IS NOT NULL) AS reopen_rate__den, count(*) FILTER (WHERE coalesce(escalated, false)) AS escalation_rate__num, count(*) AS escalation_rate__den, count(*) FILTER (WHERE res_s IS NULL) AS open_tickets__value, count(*) FILTER (WHERE frt_s IS NULL AND res_s IS NULL) AS unanswered__value, count(*) FILTER (WHERE frt_s IS NULL AND res_s IS NULL AND age_s >= standard_s) AS unanswered_overdue__value
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
WHERE ts >= $date_from AND ts < $date_to_excl AND list_contains($f_team::VARCHAR[], team)
GROUP BY ALL
ORDER BY bucket

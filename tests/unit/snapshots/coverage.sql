SELECT bucket AS bucket, count(*) FILTER (WHERE surveyed) AS survey_coverage_rate__num, count(*) AS survey_coverage_rate__den
FROM (
WITH t AS (
    SELECT DISTINCT customer_id, date_trunc($grain, ts)::DATE AS bucket
    FROM (SELECT tk.*, tk.created_at AS ts FROM tickets tk) s
    WHERE ts >= $date_from AND ts < $date_to_excl AND list_contains($f_team::VARCHAR[], team) AND customer_id IS NOT NULL
), sent AS (
    SELECT customer_id, ticket_id, sent_at FROM surveys
    WHERE sent_at >= $date_from AND sent_at < $date_to_excl
), surveyed AS (
    -- The survey's own customer, else its ticket's: the ticket join is for the surveys
    -- without one only (joining every ticket to every survey took 2.9 s a year at 10M).
    SELECT DISTINCT customer_id, date_trunc($grain, sv.sent_at)::DATE AS bucket FROM (
        SELECT sv.customer_id, sv.sent_at FROM sent sv WHERE sv.customer_id IS NOT NULL
        UNION ALL
        SELECT tk.customer_id, sv.sent_at FROM sent sv
        JOIN tickets tk ON tk.ticket_id = sv.ticket_id WHERE sv.customer_id IS NULL
    ) sv
)
SELECT t.customer_id, t.bucket, (s.customer_id IS NOT NULL) AS surveyed
FROM t LEFT JOIN surveyed s ON s.customer_id = t.customer_id AND s.bucket = t.bucket) c
GROUP BY ALL
ORDER BY bucket

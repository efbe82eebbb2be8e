-- Runs bench/experiments/drain_lease.sql's three leases, three times each in
-- alternating order, on the claim connection's planner settings (store/connect.rs).
-- synchronous_commit off: the figures are the statements' work, not the disk's flush.
SET client_min_messages = warning; SET synchronous_commit = off; SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_hashjoin = off; SET enable_mergejoin = off;
TRUNCATE results;
CREATE PROCEDURE one(variant text, ff int) LANGUAGE plpgsql AS $$
BEGIN
 EXECUTE format('ALTER TABLE delivery SET (fillfactor = %s)', ff);
 IF variant = 'hot' THEN DROP INDEX IF EXISTS idx_delivery_leased;
 ELSE CREATE INDEX IF NOT EXISTS idx_delivery_leased ON delivery (lease_until) WHERE status = 3; END IF;
 CALL fill(100000);
 COMMIT;
 CALL drain(variant, 256, 4);
END $$;
CALL one('status', 100); CALL one('table', 100); CALL one('hot', 50); CALL one('status', 50);
CALL one('status', 50); CALL one('hot', 50); CALL one('table', 100); CALL one('status', 100);
CALL one('status', 100); CALL one('table', 100); CALL one('hot', 50); CALL one('status', 50);
SELECT variant, string_agg(round((ms * 1000 / rows)::numeric, 1)::text, ' · ') AS us_a_row,
  round(avg(wal_bytes / rows)) AS wal_bytes_a_row
FROM results GROUP BY variant ORDER BY variant;

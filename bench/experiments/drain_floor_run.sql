-- Runs bench/experiments/drain_floor.sql's eight designs, three times each in
-- alternating order, on the claim connection's planner settings (store/connect.rs).
-- synchronous_commit off: the figures are the statements' work, not the disk's flush.
SET client_min_messages = warning; SET synchronous_commit = off; SET enable_seqscan = off;
SET enable_bitmapscan = off; SET jit = off;
SET enable_hashjoin = off; SET enable_mergejoin = off;
TRUNCATE results;
CREATE OR REPLACE PROCEDURE one(variant text) LANGUAGE plpgsql AS $$
BEGIN
 EXECUTE format('ALTER TABLE queue SET (fillfactor = %s)', CASE WHEN variant = 'queuehot' THEN 50 ELSE 100 END);
 CALL fill(100000);
 COMMIT;
 CALL drain(variant, 256, 4);
END $$;
CALL one('today'); CALL one('nolease'); CALL one('claim'); CALL one('queue'); CALL one('queueclaim'); CALL one('queuecursor'); CALL one('queuelease'); CALL one('queuehot');
CALL one('queuehot'); CALL one('queuelease'); CALL one('queuecursor'); CALL one('queueclaim'); CALL one('queue'); CALL one('claim'); CALL one('nolease'); CALL one('today');
CALL one('today'); CALL one('nolease'); CALL one('claim'); CALL one('queue'); CALL one('queueclaim'); CALL one('queuecursor'); CALL one('queuelease'); CALL one('queuehot');
SELECT variant, string_agg(round((ms * 1000 / rows)::numeric, 1)::text, ' · ') AS us_a_row,
  round(avg(wal_bytes / rows)) AS wal_bytes_a_row, min(rows) AS rows
FROM results GROUP BY variant ORDER BY variant;

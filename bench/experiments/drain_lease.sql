-- The drain's lease, measured before building anything (BENCHMARKS.md, "The drain's
-- lease in plain SQL"). Not part of hookrelay: one backend drains a backlog of
-- 100,000 deliveries to one endpoint, 256 rows a claim, with four claims in flight
-- (each claim's rows are finished four claims later, as the engine's slots let
-- leased rows pile up ahead of the pending index's walk), and times the lease and
-- the outcome `UPDATE` per row, with the WAL each writes. No HTTP, no attempt rows.
-- Three ways to hold a lease:
--   status: today's, the lease `UPDATE` sets `status = 3` (a new row version in
--           four indexes, as `store/claim.rs` writes it);
--   table:  an UNLOGGED lease table (one narrow row a lease, deleted at the outcome);
--   hot:    the lease sets only lease_owner/lease_until, no indexed column, so the
--           update can be HOT (`idx_delivery_leased` dropped; the pick skips rows
--           whose lease still runs).
--
--   psql -h 127.0.0.1 -U postgres -d test -q -f bench/experiments/drain_lease.sql
--   psql -h 127.0.0.1 -U postgres -d leaselab -q -f bench/experiments/drain_lease_run.sql
-- (creates, and drops first, a database `leaselab`; the run prints µs and WAL bytes a row)
DROP DATABASE IF EXISTS leaselab;
CREATE DATABASE leaselab;
\c leaselab
\ir delivery_table.sql
CREATE UNLOGGED TABLE lease (delivery_id text COLLATE "C" primary key, owner text not null, until timestamptz not null);
CREATE TABLE results (variant text, ms float8, wal_bytes bigint, rows int);
CREATE OR REPLACE PROCEDURE fill(n int) LANGUAGE sql AS $$
 TRUNCATE delivery; TRUNCATE lease;
 INSERT INTO delivery SELECT 'dlv_01J' || lpad(g::text, 23, '0'), 'ten_01J' || lpad('1',23,'0'), 'app_01J' || lpad('1',23,'0'), 'msg_01J' || lpad(g::text,23,'0'),
   'ep_01J' || lpad('1',24,'0'), 1, 0, 0, now() - interval '1 hour' + g * interval '1 ms', null, null, now(), now()
 FROM generate_series(1, n) g;
$$;
-- Drains the backlog `fill` made, leasing as `variant` says, `size` rows a claim,
-- finishing each claim `inflight` claims after it was made.
CREATE OR REPLACE PROCEDURE drain(variant text, size int, inflight int) LANGUAGE plpgsql AS $$
DECLARE ring text[][] := '{}'; ids text[]; t0 timestamptz; w0 pg_lsn; total int := 0; k int := 0; slots text[] := array_fill(''::text, ARRAY[inflight]); old text;
BEGIN
 t0 := clock_timestamp(); w0 := pg_current_wal_lsn();
 LOOP
  k := k + 1;
  IF variant = 'status' THEN
   WITH u AS (UPDATE delivery SET status = 3, lease_owner = 'w' || k, lease_until = now() + interval '1 min', updated_at = now()
    WHERE id = ANY(ARRAY(SELECT id FROM delivery WHERE status = 1 AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT size FOR UPDATE SKIP LOCKED)) RETURNING id)
   SELECT coalesce(array_agg(id), '{}') INTO ids FROM u;
  ELSIF variant = 'hot' THEN
   WITH u AS (UPDATE delivery SET lease_owner = 'w' || k, lease_until = clock_timestamp() + interval '1 min', updated_at = now()
    WHERE id = ANY(ARRAY(SELECT id FROM delivery WHERE status = 1 AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < clock_timestamp()) ORDER BY next_attempt_at LIMIT size FOR UPDATE SKIP LOCKED)) RETURNING id)
   SELECT coalesce(array_agg(id), '{}') INTO ids FROM u;
  ELSE
   WITH u AS (INSERT INTO lease SELECT id, 'w' || k, now() + interval '1 min' FROM delivery d
     WHERE status = 1 AND next_attempt_at <= now() AND NOT EXISTS (SELECT 1 FROM lease l WHERE l.delivery_id = d.id)
     ORDER BY next_attempt_at LIMIT size FOR UPDATE SKIP LOCKED RETURNING delivery_id)
   SELECT coalesce(array_agg(delivery_id), '{}') INTO ids FROM u;
  END IF;
  COMMIT;
  total := total + cardinality(ids);
  -- the outcome of the claim made `inflight` claims ago
  old := slots[(k % inflight) + 1];
  slots[(k % inflight) + 1] := array_to_string(ids, ',');
  IF old <> '' THEN
   UPDATE delivery SET status = 2, attempt_count = attempt_count + 1, lease_owner = null, lease_until = null, updated_at = now() WHERE id = ANY(string_to_array(old, ','));
   IF variant = 'table' THEN DELETE FROM lease WHERE delivery_id = ANY(string_to_array(old, ',')); END IF;
   COMMIT;
  END IF;
  EXIT WHEN cardinality(ids) = 0 AND k > inflight + 1 AND NOT EXISTS (SELECT 1 FROM unnest(slots) s WHERE s <> '');
 END LOOP;
 INSERT INTO results VALUES (variant || ' ff' || (SELECT coalesce((regexp_match(array_to_string(reloptions, ','), 'fillfactor=(\d+)'))[1], '100') FROM pg_class WHERE relname = 'delivery') || ' inflight ' || inflight, extract(epoch from clock_timestamp()-t0)*1000, pg_current_wal_lsn() - w0, total);
 COMMIT;
END $$;

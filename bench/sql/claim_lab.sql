-- Claim lab: the claim's two PostgreSQL statements (fair pass, fill pass) draining a
-- 100,000-row backlog of one tenant and endpoint, claim after claim, with the rows
-- finished (status 2) in their own transaction as the engine does; for claim sizes
-- 64, 256 and 1,024 and for both ways of leasing the picked rows (`id IN (pick)`,
-- `id = ANY(ARRAY(pick))`). Statement-level only: no HTTP, no engine. Prints the
-- claim time per row. Creates (and drops first) a database `claimlab`.
--
--   psql -h 127.0.0.1 -U postgres -d test -f bench/sql/claim_lab.sql
--
-- The table and its indexes are the migrations' (`migration/src`), reduced to the
-- delivery table and one tenant.
DROP DATABASE IF EXISTS claimlab;
CREATE DATABASE claimlab;
\c claimlab
CREATE TABLE tenant (id text primary key);
INSERT INTO tenant VALUES ('ten_a');
CREATE TABLE delivery (
 id text primary key, tenant_id text not null, app_id text not null, message_id text not null,
 endpoint_id text not null, status smallint not null, "trigger" smallint not null,
 attempt_count int not null, next_attempt_at timestamptz not null, lease_owner text,
 lease_until timestamptz, created_at timestamptz not null, updated_at timestamptz not null);
CREATE INDEX idx_delivery_endpoint ON delivery (endpoint_id, status, id);
CREATE INDEX idx_delivery_message ON delivery (message_id, endpoint_id);
CREATE INDEX idx_delivery_pending ON delivery (next_attempt_at) WHERE status = 1;
CREATE INDEX idx_delivery_tenant_pending ON delivery (tenant_id, next_attempt_at) WHERE status = 1;
CREATE INDEX idx_delivery_leased ON delivery (lease_until) WHERE status = 3;
CREATE INDEX idx_delivery_endpoint_pending ON delivery (endpoint_id, next_attempt_at) WHERE status = 1;
-- size < 0: the same size leased with `= ANY(ARRAY(…))` (procedure drain_any).
CREATE TABLE timings (size int, claim_no int, fair_ms float8, fill_ms float8, rows int);
CREATE OR REPLACE PROCEDURE fill(n int) LANGUAGE sql AS $$
 TRUNCATE delivery;
 INSERT INTO delivery SELECT 'dlv_' || lpad(g::text, 10, '0'), 'ten_a', 'app_a', 'msg_' || lpad(g::text,10,'0'),
   'ep_a', 1, 0, 0, now() - interval '1 hour' + g * interval '1 ms', null, null, now(), now()
 FROM generate_series(1, n) g;
$$;
-- drains: claim `size` (fair = size/4 then fill = rest), finish them, commit; repeat.
CREATE OR REPLACE PROCEDURE drain(size int, claims int) LANGUAGE plpgsql AS $$
DECLARE ids1 text[]; ids2 text[]; t0 timestamptz; t1 timestamptz; t2 timestamptz; n1 int; n2 int; per int := greatest(size/4,1); tok text;
BEGIN
 FOR i IN 1..claims LOOP
  tok := 'w.' || i;
  t0 := clock_timestamp();
  WITH u AS (UPDATE delivery SET status = 3, lease_owner = tok, lease_until = now() + interval '1 min', updated_at = now()
   WHERE id IN (SELECT d.id FROM tenant t CROSS JOIN LATERAL (SELECT id, next_attempt_at FROM delivery
     WHERE tenant_id = t.id AND status = 1 AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT per FOR UPDATE SKIP LOCKED) d
     ORDER BY d.next_attempt_at LIMIT size) RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO ids1 FROM u;
  n1 := cardinality(ids1);
  t1 := clock_timestamp();
  WITH u AS (UPDATE delivery SET status = 3, lease_owner = tok, lease_until = now() + interval '1 min', updated_at = now()
   WHERE id IN (SELECT id FROM delivery WHERE status = 1 AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT size - n1 FOR UPDATE SKIP LOCKED) RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO ids2 FROM u;
  n2 := cardinality(ids2);
  t2 := clock_timestamp();
  INSERT INTO timings VALUES (size, i, extract(epoch from t1-t0)*1000, extract(epoch from t2-t1)*1000, n1+n2);
  COMMIT;
  UPDATE delivery SET status = 2, attempt_count = 1, lease_owner = null, lease_until = null, updated_at = now() WHERE id = ANY(ids1 || ids2);
  COMMIT;
  EXIT WHEN n1 + n2 = 0;
 END LOOP;
END $$;

CREATE OR REPLACE PROCEDURE drain_any(size int, claims int) LANGUAGE plpgsql AS $$
DECLARE ids1 text[]; ids2 text[]; t0 timestamptz; t1 timestamptz; t2 timestamptz; n1 int; n2 int; per int := greatest(size/4,1); tok text;
BEGIN
 FOR i IN 1..claims LOOP
  tok := 'w.' || i;
  t0 := clock_timestamp();
  WITH u AS (UPDATE delivery SET status = 3, lease_owner = tok, lease_until = now() + interval '1 min', updated_at = now()
   WHERE id = ANY(ARRAY(SELECT d.id FROM tenant t CROSS JOIN LATERAL (SELECT id, next_attempt_at FROM delivery
     WHERE tenant_id = t.id AND status = 1 AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT per FOR UPDATE SKIP LOCKED) d
     ORDER BY d.next_attempt_at LIMIT size)) RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO ids1 FROM u;
  n1 := cardinality(ids1);
  t1 := clock_timestamp();
  WITH u AS (UPDATE delivery SET status = 3, lease_owner = tok, lease_until = now() + interval '1 min', updated_at = now()
   WHERE id = ANY(ARRAY(SELECT id FROM delivery WHERE status = 1 AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT size - n1 FOR UPDATE SKIP LOCKED)) RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO ids2 FROM u;
  n2 := cardinality(ids2);
  t2 := clock_timestamp();
  INSERT INTO timings VALUES (-size, i, extract(epoch from t1-t0)*1000, extract(epoch from t2-t1)*1000, n1+n2);
  COMMIT;
  UPDATE delivery SET status = 2, attempt_count = 1, lease_owner = null, lease_until = null, updated_at = now() WHERE id = ANY(ids1 || ids2);
  COMMIT;
  EXIT WHEN n1 + n2 = 0;
 END LOOP;
END $$;

CALL fill(100000); VACUUM ANALYZE delivery; CALL drain(256, 500);
CALL fill(100000); VACUUM ANALYZE delivery; CALL drain_any(256, 500);
CALL fill(100000); VACUUM ANALYZE delivery; CALL drain(1024, 200);
CALL fill(100000); VACUUM ANALYZE delivery; CALL drain_any(1024, 200);
CALL fill(100000); VACUUM ANALYZE delivery; CALL drain(64, 2000);
CALL fill(100000); VACUUM ANALYZE delivery; CALL drain_any(64, 2000);
SELECT CASE WHEN size < 0 THEN 'ANY' ELSE 'IN' END form, abs(size) size, count(*) claims, sum(rows) rows, round(sum(fair_ms+fill_ms)::numeric,0) total_ms,
  round((sum(fair_ms+fill_ms)/nullif(sum(rows),0)*1000)::numeric,1) us_per_row,
  round(avg(fair_ms)::numeric,2) fair_avg, round(avg(fill_ms)::numeric,2) fill_avg
FROM timings GROUP BY size ORDER BY abs(size), size desc;
\c test
DROP DATABASE claimlab;

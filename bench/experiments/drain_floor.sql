-- The drain's floor in PostgreSQL: what a drained delivery costs the database under
-- today's design and under two redesigns, measured before building either
-- (BENCHMARKS.md, "The drain's floor"). Not part of hookrelay:
-- one backend drains a backlog of 100,000 deliveries to one endpoint, 256 rows a
-- claim, each claim's outcome written four claims later (as the engine's slots let
-- claimed rows pile up ahead of the walk), and every outcome writes its attempt rows
-- with the attempt table's real indexes. No HTTP. Eight designs:
--   today:   the claim leases each row (`status = 3`, owner, until: a new row version
--            in four indexes, as `store/claim.rs`), the outcome updates it again
--            (`status = 0`) and inserts the attempt;
--   nolease: the worker's rows are held without a lease on each (the claim rows
--            of `claim` below, not timed here), so the claim is a plain read from a cursor past the
--            rows it already holds; the outcome updates the row and inserts the attempt;
--   queue:   a narrow queue table holds what is still to send, the delivery row is
--            never updated on success (not queued and still marked pending reads as
--            delivered); the claim reads the
--            queue from a cursor, the outcome deletes the queue row and inserts the
--            attempt. (Its accept writes one row more, not timed here.)
--   queuelease: the queue design with today's per-row lease kept, on the queue row
--            (owner and until, not indexed: the lease changes no indexed column).
--   claim, queueclaim: nolease and queue with what their bounds leave out, the claim
--            recorded as one row (its token, expiry and ids) that the next picks skip
--            (`id NOT IN` the ids of unexpired claims, a hashed subplan; ~1,000 held at a
--            time, at the front of the walk), deleted with the claim's outcome.
--   queuecursor: queueclaim as step 1 plans it: the worker skips its own claims' rows by
--            its cursor (as `queue` does) and only other workers' by their claim rows
--            (none here: the cost of writing the claim row and of the empty skip).
--   queuehot: the same at fill factor 50 on the queue table, so the lease's update
--            finds room on its page and is HOT (no index entry); the queue holds only
--            what waits, so the room costs little.
--
--   psql -h 127.0.0.1 -U postgres -d test -q -f bench/experiments/drain_floor.sql
--   psql -h 127.0.0.1 -U postgres -d floorlab -q -f bench/experiments/drain_floor_run.sql
-- (creates, and drops first, a database `floorlab`; the run prints µs and WAL bytes a row)
DROP DATABASE IF EXISTS floorlab;
CREATE DATABASE floorlab;
\c floorlab
\ir delivery_table.sql
-- The queue design's table: only what a claim reads and a retry changes.
CREATE TABLE queue (id text COLLATE "C" primary key, tenant_id text COLLATE "C" not null,
 endpoint_id text COLLATE "C" not null, next_attempt_at timestamptz not null, lease_owner text, lease_until timestamptz);
CREATE INDEX idx_queue_endpoint ON queue (endpoint_id, next_attempt_at);
CREATE INDEX idx_queue_tenant ON queue (tenant_id, next_attempt_at);
-- The attempt table as the migrations leave it on PostgreSQL (no foreign keys).
CREATE TABLE attempt (id text COLLATE "C" PRIMARY KEY, tenant_id text COLLATE "C" not null, app_id text COLLATE "C" not null,
 message_id text COLLATE "C" not null, endpoint_id text COLLATE "C" not null, delivery_id text COLLATE "C" not null, url text not null,
 status int2 not null, "trigger" int2 not null, attempt_number int4 not null, response_status_code int4 not null,
 response_body text not null, error text, duration_ms int8 not null, created_at timestamptz not null);
CREATE INDEX idx_attempt_endpoint ON attempt (app_id, endpoint_id, id);
CREATE INDEX idx_attempt_message ON attempt (app_id, message_id, id);
CREATE INDEX idx_attempt_app ON attempt (app_id, id);
CREATE TABLE claim (token text PRIMARY KEY, until timestamptz NOT NULL, ids text[] NOT NULL);
CREATE TABLE results (variant text, ms float8, wal_bytes bigint, rows int);
CREATE OR REPLACE PROCEDURE fill(n int) LANGUAGE sql AS $$
 TRUNCATE delivery; TRUNCATE queue; TRUNCATE attempt; TRUNCATE claim;
 INSERT INTO delivery SELECT 'dlv_01J' || lpad(g::text, 23, '0'), 'ten_01J' || lpad('1',23,'0'), 'app_01J' || lpad('1',23,'0'), 'msg_01J' || lpad(g::text,23,'0'),
   'ep_01J' || lpad('1',24,'0'), 1, 0, 0, now() - interval '1 hour' + g * interval '1 ms', null, null, now(), now()
 FROM generate_series(1, n) g;
 INSERT INTO queue SELECT id, tenant_id, endpoint_id, next_attempt_at, null, null FROM delivery;
$$;
-- The outcome every design writes: one attempt row per delivery.
CREATE OR REPLACE PROCEDURE record_attempts(ids text[]) LANGUAGE sql AS $$
 INSERT INTO attempt SELECT 'atm_01J' || substr(d, 8), 'ten_01J' || lpad('1',23,'0'), 'app_01J' || lpad('1',23,'0'),
   'msg_01J' || substr(d, 8), 'ep_01J' || lpad('1',24,'0'), d, 'http://127.0.0.1:9999/drain', 0, 0, 1, 204, '', null, 1, now()
 FROM unnest(ids) d;
$$;
-- Drains the backlog `fill` made the way `variant` says, `size` rows a claim,
-- finishing each claim `inflight` claims after it was made.
CREATE OR REPLACE PROCEDURE drain(variant text, size int, inflight int) LANGUAGE plpgsql AS $$
DECLARE ids text[]; t0 timestamptz; w0 pg_lsn; total int := 0; k int := 0;
 slots text[] := array_fill(''::text, ARRAY[inflight]); old text[]; at timestamptz := '-infinity'; last_id text := '';
 ep text := 'ep_01J' || lpad('1',24,'0');
BEGIN
 t0 := clock_timestamp(); w0 := pg_current_wal_lsn();
 LOOP
  k := k + 1;
  IF variant = 'today' THEN
   WITH u AS (UPDATE delivery SET status = 3, lease_owner = 'w' || k, lease_until = now() + interval '1 min', updated_at = now()
    WHERE id = ANY(ARRAY(SELECT id FROM delivery WHERE endpoint_id = ep AND status = 1 AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT size FOR UPDATE SKIP LOCKED)) RETURNING id)
   SELECT coalesce(array_agg(id), '{}') INTO ids FROM u;
  ELSIF variant = 'nolease' THEN
   SELECT coalesce(array_agg(id), '{}'), max(next_attempt_at) INTO ids, at FROM (
    SELECT id, next_attempt_at FROM delivery WHERE endpoint_id = ep AND status = 1 AND next_attempt_at <= now() AND next_attempt_at > at
    ORDER BY next_attempt_at LIMIT size) p;
  ELSIF variant = 'claim' THEN
   SELECT coalesce(array_agg(id), '{}') INTO ids FROM (
    SELECT id FROM delivery WHERE endpoint_id = ep AND status = 1 AND next_attempt_at <= now()
     AND id NOT IN (SELECT unnest(c.ids) FROM claim c WHERE c.until > now())
    ORDER BY next_attempt_at LIMIT size) p;
   IF cardinality(ids) > 0 THEN INSERT INTO claim VALUES ('w' || k, now() + interval '1 min', ids); END IF;
  ELSIF variant = 'queueclaim' THEN
   SELECT coalesce(array_agg(id), '{}') INTO ids FROM (
    SELECT id FROM queue WHERE endpoint_id = ep AND next_attempt_at <= now()
     AND id NOT IN (SELECT unnest(c.ids) FROM claim c WHERE c.until > now())
    ORDER BY next_attempt_at LIMIT size) p;
   IF cardinality(ids) > 0 THEN INSERT INTO claim VALUES ('w' || k, now() + interval '1 min', ids); END IF;
  ELSIF variant = 'queuecursor' THEN
   SELECT coalesce(array_agg(id), '{}'), max(next_attempt_at) INTO ids, at FROM (
    SELECT id, next_attempt_at FROM queue WHERE endpoint_id = ep AND next_attempt_at <= now() AND next_attempt_at > at
     AND id NOT IN (SELECT unnest(c.ids) FROM claim c WHERE c.until > now() AND c.token NOT LIKE 'w%')
    ORDER BY next_attempt_at LIMIT size) p;
   IF cardinality(ids) > 0 THEN INSERT INTO claim VALUES ('w' || k, now() + interval '1 min', ids); END IF;
  ELSIF variant IN ('queuelease', 'queuehot') THEN
   WITH u AS (UPDATE queue SET lease_owner = 'w' || k, lease_until = now() + interval '1 min'
    WHERE id = ANY(ARRAY(SELECT id FROM queue WHERE endpoint_id = ep AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
     ORDER BY next_attempt_at LIMIT size FOR UPDATE SKIP LOCKED)) RETURNING id)
   SELECT coalesce(array_agg(id), '{}') INTO ids FROM u;
  ELSE
   SELECT coalesce(array_agg(id), '{}'), max(next_attempt_at) INTO ids, at FROM (
    SELECT id, next_attempt_at FROM queue WHERE endpoint_id = ep AND next_attempt_at <= now() AND next_attempt_at > at
    ORDER BY next_attempt_at LIMIT size) p;
  END IF;
  at := coalesce(at, 'infinity');
  COMMIT;
  total := total + cardinality(ids);
  -- the outcome of the claim made `inflight` claims ago
  old := string_to_array(slots[(k % inflight) + 1], ',');
  slots[(k % inflight) + 1] := array_to_string(ids, ',');
  IF cardinality(old) > 0 THEN
   IF variant LIKE '%claim' OR variant = 'queuecursor' THEN DELETE FROM claim WHERE token = 'w' || (k - inflight); END IF;
   IF variant LIKE 'queue%' THEN
    DELETE FROM queue WHERE id = ANY(old);
   ELSE
    UPDATE delivery SET status = 0, attempt_count = attempt_count + 1, lease_owner = null, lease_until = null, updated_at = now() WHERE id = ANY(old);
   END IF;
   CALL record_attempts(old);
   COMMIT;
  END IF;
  EXIT WHEN cardinality(ids) = 0 AND k > inflight + 1 AND NOT EXISTS (SELECT 1 FROM unnest(slots) s WHERE s <> '');
 END LOOP;
 INSERT INTO results VALUES (variant, extract(epoch from clock_timestamp()-t0)*1000, pg_current_wal_lsn() - w0, total);
 COMMIT;
END $$;

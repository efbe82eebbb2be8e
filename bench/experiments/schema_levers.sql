-- Schema levers for the fan-out, measured before building them (BENCHMARKS.md,
-- "Two schema levers, measured before building"). Not part of hookrelay: plain SQL
-- that times, in one backend, the rows a fan-out delivery writes under the current
-- schema and under two alternatives, 400 batches of 100 rows each.
--
--   psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE levers'
--   psql -h 127.0.0.1 -U postgres -d levers -q -f bench/experiments/schema_levers.sql
--   psql -h 127.0.0.1 -U postgres -d levers -qtA \
--     -c "SELECT 'delivery now', run_now(400)" -c "SELECT 'delivery + queue table', run_hot(400)" \
--     -c "SELECT 'attempt, 4 indexes', run_att('a4', 400)" -c "SELECT 'attempt, (app_id, id) key', run_att('a3', 400)"
--   (TRUNCATE d_now, d_hot, q, a3, a4 between repetitions)

-- The delivery table as migrations 2, 7 and 8 leave it (collation C, as migration 10).
CREATE TABLE d_now (id text PRIMARY KEY COLLATE "C", tenant_id text COLLATE "C", app_id text COLLATE "C", message_id text COLLATE "C", endpoint_id text COLLATE "C", status int2, trigger int2, attempt_count int4, next_attempt_at timestamptz, lease_owner text, lease_until timestamptz, created_at timestamptz, updated_at timestamptz);
CREATE INDEX ON d_now (endpoint_id, status, id);
CREATE INDEX ON d_now (message_id, endpoint_id);
CREATE INDEX ON d_now (next_attempt_at) WHERE status = 1;
CREATE INDEX ON d_now (tenant_id, next_attempt_at) WHERE status = 1;
CREATE INDEX ON d_now (lease_until) WHERE status = 3;
CREATE INDEX ON d_now (endpoint_id, next_attempt_at) WHERE status = 1;
-- The alternative: a queue table holds the lease, so the delivery's outcome UPDATE
-- changes no indexed column and can be HOT (with room on the page: fillfactor 50;
-- at 90 only ~13 % of the updates were HOT and the design was slower).
CREATE TABLE d_hot (LIKE d_now) WITH (fillfactor = 50);
ALTER TABLE d_hot ADD PRIMARY KEY (id);
CREATE INDEX ON d_hot (endpoint_id, id);
CREATE INDEX ON d_hot (message_id, endpoint_id);
CREATE TABLE q (delivery_id text PRIMARY KEY COLLATE "C", lease_until timestamptz);
CREATE INDEX ON q (lease_until);

CREATE OR REPLACE FUNCTION ids(b int) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg('dlv_' || lpad((b*100+j)::text, 26, '0')) FROM generate_series(0,99) j $$;
CREATE OR REPLACE FUNCTION run_now(n int) RETURNS interval LANGUAGE plpgsql AS $$
DECLARE t timestamptz := clock_timestamp(); b int; a text[];
BEGIN
  FOR b IN 0..n-1 LOOP
    a := ids(b);
    INSERT INTO d_now SELECT x, 'org_'||lpad('1',26,'0'), 'app_'||lpad('1',26,'0'), 'msg_'||lpad(b::text,26,'0'), 'ep_'||lpad(j::text,26,'0'), 3, 0, 0, now(), 'w', now()+interval '1 min', now(), now()
      FROM unnest(a) WITH ORDINALITY u(x, j);
    UPDATE d_now SET status = 2, attempt_count = attempt_count + 1, lease_owner = NULL, lease_until = NULL, updated_at = now() WHERE id = ANY(a);
  END LOOP;
  RETURN clock_timestamp() - t;
END $$;
CREATE OR REPLACE FUNCTION run_hot(n int) RETURNS interval LANGUAGE plpgsql AS $$
DECLARE t timestamptz := clock_timestamp(); b int; a text[];
BEGIN
  FOR b IN 0..n-1 LOOP
    a := ids(b);
    INSERT INTO d_hot SELECT x, 'org_'||lpad('1',26,'0'), 'app_'||lpad('1',26,'0'), 'msg_'||lpad(b::text,26,'0'), 'ep_'||lpad(j::text,26,'0'), 3, 0, 0, now(), 'w', now()+interval '1 min', now(), now()
      FROM unnest(a) WITH ORDINALITY u(x, j);
    INSERT INTO q SELECT x, now()+interval '1 min' FROM unnest(a) x;
    UPDATE d_hot SET status = 2, attempt_count = attempt_count + 1, lease_owner = NULL, lease_until = NULL, updated_at = now() WHERE id = ANY(a);
    DELETE FROM q WHERE delivery_id = ANY(a);
  END LOOP;
  RETURN clock_timestamp() - t;
END $$;

-- The attempt table as it is (a4) and with (app_id, id) as its key in place of
-- the id key and idx_attempt_app (a3).
CREATE TABLE a4 (id text COLLATE "C" PRIMARY KEY, tenant_id text, app_id text COLLATE "C", message_id text COLLATE "C", endpoint_id text COLLATE "C", delivery_id text, url text, status int2, trigger int2, attempt_number int4, response_status_code int4, response_body text, error text, duration_ms int8, created_at timestamptz);
CREATE INDEX ON a4 (app_id, endpoint_id, id); CREATE INDEX ON a4 (app_id, message_id, id); CREATE INDEX ON a4 (app_id, id);
CREATE TABLE a3 (LIKE a4); ALTER TABLE a3 ADD PRIMARY KEY (app_id, id);
CREATE INDEX ON a3 (app_id, endpoint_id, id); CREATE INDEX ON a3 (app_id, message_id, id);
CREATE OR REPLACE FUNCTION run_att(tbl text, n int) RETURNS interval LANGUAGE plpgsql AS $$
DECLARE t timestamptz := clock_timestamp(); b int;
BEGIN
  FOR b IN 0..n-1 LOOP
    EXECUTE format('INSERT INTO %I SELECT ''atmpt_''||lpad(($1*100+j)::text,26,''0''), ''org_1'', ''app_''||lpad(''1'',26,''0''), ''msg_''||lpad($1::text,26,''0''), ''ep_''||lpad(j::text,26,''0''), ''dlv_''||lpad(($1*100+j)::text,26,''0''), ''http://127.0.0.1:1234/fan/''||j, 0, 0, 1, 204, '''', NULL, 1, now() FROM generate_series(0,99) j', tbl) USING b;
  END LOOP;
  RETURN clock_timestamp() - t;
END $$;

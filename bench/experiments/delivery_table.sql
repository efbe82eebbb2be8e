-- The `delivery` table as the migrations leave it on PostgreSQL (2, 7, 8 and 10:
-- partial indexes of the queue, ids in byte order), for the lab scripts beside this
-- one, which include it with `\ir`.
CREATE TABLE delivery (
 id text COLLATE "C" primary key, tenant_id text COLLATE "C" not null, app_id text COLLATE "C" not null,
 message_id text COLLATE "C" not null, endpoint_id text COLLATE "C" not null, status smallint not null, "trigger" smallint not null,
 attempt_count int not null, next_attempt_at timestamptz not null, lease_owner text,
 lease_until timestamptz, created_at timestamptz not null, updated_at timestamptz not null);
CREATE INDEX idx_delivery_endpoint ON delivery (endpoint_id, status, id);
CREATE INDEX idx_delivery_message ON delivery (message_id, endpoint_id);
CREATE INDEX idx_delivery_pending ON delivery (next_attempt_at) WHERE status = 1;
CREATE INDEX idx_delivery_tenant_pending ON delivery (tenant_id, next_attempt_at) WHERE status = 1;
CREATE INDEX idx_delivery_leased ON delivery (lease_until) WHERE status = 3;
CREATE INDEX idx_delivery_endpoint_pending ON delivery (endpoint_id, next_attempt_at) WHERE status = 1;

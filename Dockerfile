# syntax=docker/dockerfile:1
#
# hookrelay in a container: `docker build -t hookrelay .`, or `docker compose up`
# (see docker-compose.yml). The binary embeds the dashboard's wasm bundle, so the
# runtime image needs nothing but the binary and CA certificates.

# ---- build -------------------------------------------------------------------
FROM rust:1-bookworm AS builder

# server/build.rs compiles the `frontend` crate to wasm32 with a nested cargo.
RUN rustup target add wasm32-unknown-unknown

WORKDIR /src
COPY . .

# The cache mounts keep downloaded crates and compiled dependencies between builds;
# the binary is copied out of the cached target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release -p hookrelay --locked \
    && cp target/release/hookrelay /usr/local/bin/hookrelay

# ---- run ---------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system hookrelay \
    && useradd --system --gid hookrelay --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin hookrelay \
    && mkdir -p /data \
    && chown hookrelay:hookrelay /data

COPY --from=builder /usr/local/bin/hookrelay /usr/local/bin/hookrelay

ENV HOOKRELAY_DATA_DIR=/data \
    HOOKRELAY_BIND=0.0.0.0:8080

VOLUME ["/data"]
WORKDIR /data
USER hookrelay
EXPOSE 8080

# No curl in the image: bash's /dev/tcp sends `GET /health` to the port
# HOOKRELAY_BIND listens on and expects a 200 status line.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HOOKRELAY_BIND##*:} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/hookrelay"]

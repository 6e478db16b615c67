#!/bin/sh
# The container's command (also runnable without Docker): wait for PostgreSQL,
# apply pending migrations, then become the server. `exec` hands the shell's
# process to node, so `docker stop`'s SIGTERM reaches the server's graceful
# shutdown directly.
#   APP_DIST               compiled app directory (default: dist)
#   DATABASE_WAIT_SECONDS  how long to wait for the database (default: 60)
set -eu

APP_DIST="${APP_DIST:-dist}"

if [ -z "${DATABASE_URL:-}" ]; then
  echo "container-start: DATABASE_URL must be set; the container image has no embedded PostgreSQL" >&2
  exit 1
fi

node "$APP_DIST/cli/manage.js" migrate --wait "${DATABASE_WAIT_SECONDS:-60}"
exec node "$APP_DIST/main.js"

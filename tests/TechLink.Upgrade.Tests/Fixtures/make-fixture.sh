#!/usr/bin/env bash
# Makes the upgrade fixture ONCE with a given release (default b92720f): builds that commit's server from `git archive`
# in a temp folder, runs it on loopback against a fresh DataPath (SQLite) and a throwaway PostgreSQL cluster, drives
# the public API with curl, stops it with SIGTERM and copies what it wrote into Fixtures/<commit>/{sqlite,postgres}.
#
#   bash tests/TechLink.Upgrade.Tests/Fixtures/make-fixture.sh [commit]
#
# Needs: dotnet, git, curl, jq, python3, PostgreSQL server binaries (initdb, pg_ctl, pg_dump). Run as root, the cluster
# runs as the postgres user (PostgreSQL refuses root). Takes about 5 minutes.
#
# Deliveries in the fixture, and how each state is made (every registration points at 127.0.0.1:<receiver port>):
#   succeeded  run 1, a receiver (python) answers 200 on the port;
#   failed     run 1, receiver gone (connection refused), MaxAttempts 3 and 0.2-0.3 s retries;
#   pending    run 2, receiver gone, the default 1-2 min retry delays: one failed attempt each, due 1-2 min after the
#              run (so due at once whenever the test runs later; the script waits that out before it ends);
#   pending    run 3, Node:Roles=api (no dispatcher): never attempted.
# The receiver port is fixed per provider (below the Linux ephemeral range 32768+, so no free-port pick collides):
# the upgrade test listens on it and the registrations keep their URL, token and secret as the old release stored them.
set -euo pipefail
commit=${1:-b92720f}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
full=$(git -C "$repo" rev-parse --short=7 "$commit")
out="$here/$full"
work=$(mktemp -d /tmp/techlink-fixture.XXXXXX)
server_pid="" receiver_pid="" pg_data=""
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && export PATH="$PATH:$pg_bin"

cleanup() {
  local status=$?
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null || true
  [ -n "$pg_data" ] && "${as_pg[@]}" pg_ctl -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true
  [ -n "$pg_data" ] && rm -rf "$(dirname "$pg_data")"
  if [ "$status" = 0 ]; then rm -rf "$work"; else echo "failed; logs in $work" >&2; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# TECHLINK_FIXTURE_BUILD names a folder to keep the build in (reused when it holds this commit's build).
server=${TECHLINK_FIXTURE_BUILD:-$work/server}
if [ "$(cat "$server/commit" 2>/dev/null)" != "$full" ]; then
  echo "building $full"
  mkdir -p "$work/src"
  git -C "$repo" archive "$full" | tar -x -C "$work/src"
  dotnet publish "$work/src/src/TechLink.Server/TechLink.Server.csproj" -c Release -o "$server" -nologo -v q >/dev/null
  echo "$full" >"$server/commit"
fi

# --- the server ------------------------------------------------------------------------------------------------
# start_server <run name> [KEY=VALUE...]: the release's server on a free loopback port with this fixture's settings.
start_server() {
  local run=$1; shift
  local port; port=$(free_port)
  base="http://127.0.0.1:$port"
  env "${server_env[@]}" "$@" dotnet "$server/TechLink.Server.dll" --urls "$base" >"$work/$provider-$run.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -sf "$base/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/$provider-$run.log"; echo "server exited" >&2; exit 1; }
    sleep 0.2
  done
  echo "server not ready" >&2; exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}

# api METHOD PATH KEY [JSON]: the body of a 2xx answer, or the script stops.
api() {
  local args=(-sS --fail-with-body -X "$1" -H "Authorization: Bearer $3")
  [ $# -ge 4 ] && args+=(-H "Content-Type: application/json" -d "$4")
  local body
  body=$(curl "${args[@]}" "$base/api/v1$2") || { echo "$1 $2 failed: $body" >&2; return 1; }
  printf '%s\n' "$body"
}

upload() { # upload KEY WORKORDER KIND FILE TYPE -> body
  local body
  body=$(curl -sS --fail-with-body -H "Authorization: Bearer $1" -F "file=@$4;type=$5" -F "caption=fixture $3" "$base/api/v1/workorders/$2/$3") \
    || { echo "upload $3 failed: $body" >&2; return 1; }
  printf '%s\n' "$body"
}

# until_deliveries KEY JQ-CONDITION: polls the staff delivery log (all pages of 200) until the condition holds.
until_deliveries() {
  local deadline=$((SECONDS + 120))
  while :; do
    api GET "/webhooks/deliveries?limit=1000" "$1" >"$work/deliveries.json"
    jq -e "(.next_cursor == null) and ($2)" "$work/deliveries.json" >/dev/null && return 0
    [ $SECONDS -lt $deadline ] || { echo "deliveries never reached: $2" >&2; jq -c '.items[] | [.delivery_id, .status, .attempt_count]' "$work/deliveries.json" >&2; exit 1; }
    sleep 0.5
  done
}

secret() { openssl rand -hex "$1"; }

# --- one fixture ------------------------------------------------------------------------------------------------
make_fixture() {
  provider=$1 environment=$2 receiver_port=$3 connection=${4:-}
  local data="$work/$provider-data"
  mkdir -p "$data"
  local staff_key="tlk_fixture_bootstrap_$(secret 16)"
  server_env=(
    "TechLink__DataPath=$data" "TechLink__Environment=$environment" "TechLink__Bootstrap__StaffApiKey=$staff_key"
    "TechLink__Delivery__AllowedNetworks__0=127.0.0.0/8" "TechLink__Delivery__MaxAttempts=3" "TechLink__Delivery__Timeout=00:00:02"
    "TechLink__Delivery__Lease=00:00:20" "TechLink__Delivery__IdlePollInterval=00:00:00.500" "ASPNETCORE_ENVIRONMENT=Production"
  )
  if [ "$provider" = postgres ]; then server_env+=("TechLink__Database__Provider=Postgres" "ConnectionStrings__TechLink=$connection"); fi
  local hook="http://127.0.0.1:$receiver_port"
  python3 - "$receiver_port" <<'PY' &
import http.server, sys
class Ok(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Ok).serve_forever()
PY
  receiver_pid=$!

  echo "[$provider] run 1: data, registrations, succeeded and failed deliveries"
  start_server run1 "TechLink__Delivery__RetryDelayMin=00:00:00.200" "TechLink__Delivery__RetryDelayMax=00:00:00.300"
  local demo='{}'
  if grep -q "demo data created" "$work/$provider-run1.log"; then
    local log="$work/$provider-run1.log"
    demo=$(jq -n --arg company "$(sed -n "s/.*company id: *\([0-9]*\).*/\1/p" "$log")" \
      --arg client_password "$(sed -n "s/.*username 'demo'  password '\([^']*\)'.*/\1/p" "$log")" \
      --arg staff_password "$(sed -n "s/.*username 'staff' password '\([^']*\)'.*/\1/p" "$log")" \
      --arg client_key "$(sed -n 's/.*client API key: *\(tlk_[^ ]*\).*/\1/p' "$log")" \
      --arg staff_key "$(sed -n 's/.*staff API key: *\(tlk_[^ ]*\).*/\1/p' "$log")" \
      '{company: $company, client_password: $client_password, staff_password: $staff_password, client_key: $client_key, staff_key: $staff_key}')
  fi

  local companies='[]' users='[]' keys='[]' hooks='[]' files='[]' orders=()
  for name in "North Retail" "South Foods"; do
    local company; company=$(api POST /companies "$staff_key" "$(jq -nc --arg n "$name" '{name: $n}')" | jq -r .company_id)
    local key; key=$(api POST "/companies/$company/api-keys" "$staff_key" '{"name":"ERP integration"}' | jq -r .key)
    companies=$(jq -c --arg c "$company" --arg n "$name" '. + [{company_id: $c, name: $n}]' <<<"$companies")
    keys=$(jq -c --arg c "$company" --arg k "$key" '. + [{company_id: $c, key: $k}]' <<<"$keys")
    local slug; slug=$(tr 'A-Z ' 'a-z.' <<<"$name")
    for who in manager dispatcher; do
      local password="Fx-$(secret 6)-Pw9"
      local user; user=$(api POST /users "$key" "$(jq -nc --arg u "$who.$slug" --arg p "$password" '{username: $u, first_name: "Fixture", last_name: "User", email: ($u + "@example.com"), password: $p}')" | jq -r .user_id)
      users=$(jq -c --arg c "$company" --arg u "$who.$slug" --arg p "$password" --arg id "$user" '. + [{company_id: $c, user_id: $id, username: $u, password: $p}]' <<<"$users")
    done

    local site; site=$(api POST /sites "$key" '{"name":"Store #1","site_number":"1","address1":"1 Main St","city":"Seattle","state":"WA","postal_code":"98101","country":"US","timezone":"America/Los_Angeles"}' | jq -r .site_id)
    api POST /sites "$key" '{"name":"Warehouse","site_number":"W1","city":"Tacoma","state":"WA","timezone":"America/Los_Angeles"}' >/dev/null

    # Registrations first, so that every event below has deliveries. The first is rotated later.
    local path types token
    for types in "work order note added" "(any webhooks)" "(all current webhooks)"; do
      path="/$slug/$(tr -dc 'a-z' <<<"$types" | head -c 12)"
      token="tok-$(secret 12)"
      local created; created=$(api POST /webhooks "$key" "$(jq -nc --arg t "$types" --arg u "$hook$path" --arg k "$token" '{type: $t, url: $u, token: $k}')")
      hooks=$(jq -c --argjson r "$created" --arg c "$company" --arg p "$path" --arg k "$token" \
        '. + [{webhook_id: $r.webhook_id, company_id: $c, type: $r.type, path: $p, token: $k, signing_secret: $r.signing_secret, previous_signing_secret: null, previous_secret_expires_at: null}]' <<<"$hooks")
    done

    for title in "Install POS terminals" "Replace network switch" "Repair badge reader"; do
      local wo; wo=$(api POST /workorders "$key" "$(jq -nc --arg s "$site" --arg t "$title" '{site_id: $s, title: $t, client_reference: ("REF-" + $t[0:3]), description: "Fixture work order."}')" | jq -r .workorder_id)
      orders+=("$key:$wo")
      api POST "/workorders/$wo/notes" "$key" '{"content":"<p>Gate code is 4711</p>"}' >/dev/null
      api POST "/workorders/$wo/tasks" "$key" '{"title":"Bring ladder","due":"2027-01-15T17:00:00Z"}' >/dev/null
      local task; task=$(api POST "/workorders/$wo/tasks" "$key" '{"title":"Call store manager"}' | jq -r .task_id)
      api PATCH "/workorders/$wo/tasks/$task" "$key" '{"status":"completed"}' >/dev/null
      head -c 1500 /dev/urandom >"$work/photo.png"
      printf '%%PDF-1.4 fixture %s\n' "$(secret 200)" >"$work/doc.pdf"
      printf 'client document of %s\n' "$title" >"$work/client.txt"
      # Photos and close-out documents are the technician's (staff); client documents the client's.
      for spec in "photos:$work/photo.png:image/png:$staff_key" "closeout-documents:$work/doc.pdf:application/pdf:$staff_key" "client-documents:$work/client.txt:text/plain:$key"; do
        IFS=: read -r kind file type uploader <<<"$spec"
        local body; body=$(upload "$uploader" "$wo" "$kind" "$file" "$type")
        local id; id=$(jq -r '.photo_id // .document_id' <<<"$body")
        files=$(jq -c --arg c "$company" --arg w "$wo" --arg k "$kind" --arg i "$id" --arg s "$(sha256sum "$file" | cut -d' ' -f1)" \
          '. + [{company_id: $c, workorder_id: $w, kind: $k, id: $i, sha256: $s}]' <<<"$files")
      done
    done
    # One work order through its whole life (staff actions), one cancelled by the client.
    local first=${orders[-3]#*:} last=${orders[-1]#*:}
    api POST "/workorders/$first/schedule" "$staff_key" '{"start":"2027-01-15 09:00:00"}' >/dev/null
    api POST "/workorders/$first/assign" "$staff_key" '{"tech_name":"John Smith","tech_phone":"123-4567-8900"}' >/dev/null
    api POST "/workorders/$first/check-in" "$staff_key" '{"tech_name":"John Smith","tech_phone":"123-4567-8900"}' >/dev/null
    local question; question=$(api POST "/workorders/$first/questions" "$staff_key" '{"question":"Were all terminals tested?"}' | jq -r .question_id)
    api PUT "/workorders/$first/questions/$question/answer" "$staff_key" '{"answer":"Yes, all six."}' >/dev/null
    api POST "/workorders/$first/questions" "$staff_key" '{"question":"Anything left to do?"}' >/dev/null
    api POST "/workorders/$first/check-out" "$staff_key" '{"disposition":"complete"}' >/dev/null
    api POST "/workorders/$first/close" "$staff_key" '{}' >/dev/null
    api POST "/workorders/$last/cancel" "$key" '{}' >/dev/null
  done
  until_deliveries "$staff_key" '[.items[] | select(.status != "succeeded")] | length == 0'

  # The receiver goes away: these notes' deliveries fail three times within a second.
  kill "$receiver_pid"; wait "$receiver_pid" 2>/dev/null || true; receiver_pid=""
  for order in "${orders[@]}"; do
    api POST "/workorders/${order#*:}/notes" "${order%%:*}" '{"content":"<p>Sent while the receiver was down</p>"}' >/dev/null
  done
  until_deliveries "$staff_key" '[.items[] | select(.status == "pending")] | length == 0'

  # Rotate the first registration's secret: the old one keeps signing for 24 h.
  local rotated; rotated=$(jq -r '.[0].webhook_id' <<<"$hooks")
  local old; old=$(jq -r '.[0].signing_secret' <<<"$hooks")
  local answer; answer=$(api POST "/webhooks/$rotated/secret/rotate" "$staff_key" '{}')
  hooks=$(jq -c --argjson a "$answer" --arg old "$old" \
    'map(if .webhook_id == $a.webhook_id then .previous_signing_secret = $old | .signing_secret = $a.signing_secret | .previous_secret_expires_at = $a.previous_secret_expires_at else . end)' <<<"$hooks")
  stop_server

  echo "[$provider] run 2: deliveries waiting for a retry (one failed attempt, default 1-2 min delays)"
  start_server run2 "TechLink__Delivery__RetryDelayMin=00:01:00" "TechLink__Delivery__RetryDelayMax=00:02:00"
  for order in "${orders[@]}"; do
    api POST "/workorders/${order#*:}/notes" "${order%%:*}" '{"content":"<p>Waiting for a retry at the upgrade</p>"}' >/dev/null
  done
  until_deliveries "$staff_key" '[.items[] | select(.status == "pending" and .attempt_count == 0)] | length == 0'
  api GET "/webhooks/deliveries?status=pending&limit=1000" "$staff_key" >"$work/retry.json"
  stop_server

  echo "[$provider] run 3: deliveries never attempted (an API-only node)"
  start_server run3 "TechLink__Node__Roles=api"
  for order in "${orders[@]:0:2}"; do
    api POST "/workorders/${order#*:}/notes" "${order%%:*}" '{"content":"<p>Written by an API node, never sent</p>"}' >/dev/null
  done
  api GET "/webhooks/deliveries?limit=1000" "$staff_key" >"$work/deliveries.json"
  stop_server

  local target="$out/$provider"
  rm -rf "$target"; mkdir -p "$target"
  cp -a "$data" "$target/data"
  if [ "$provider" = postgres ]; then
    pg_dump --no-owner --no-privileges -d "$pg_url" -f "$target/techlink.sql"
  fi
  jq -n --arg release "$full" --arg made_at "$(now)" --arg provider "$provider" --arg environment "$environment" --argjson port "$receiver_port" \
    --arg staff_key "$staff_key" --argjson demo "$demo" --argjson companies "$companies" --argjson keys "$keys" --argjson users "$users" \
    --argjson hooks "$hooks" --argjson files "$files" --slurpfile retry "$work/retry.json" --slurpfile all "$work/deliveries.json" '
    {
      release: $release, made_at: $made_at, provider: $provider, environment: $environment, receiver_port: $port,
      staff_api_keys: ([{name: "bootstrap staff key", key: $staff_key}] + (if $demo.staff_key then [{name: "demo staff key", key: $demo.staff_key}] else [] end)),
      client_api_keys: ($keys + (if $demo.client_key then [{company_id: $demo.company, key: $demo.client_key}] else [] end)),
      portal_users: ($users + (if $demo.client_password then [{company_id: $demo.company, username: "demo", password: $demo.client_password},
                                                              {company_id: null, username: "staff", password: $demo.staff_password}] else [] end)),
      companies: $companies, webhooks: $hooks, files: $files,
      deliveries: {
        succeeded: [$all[0].items[] | select(.status == "succeeded")] | length,
        failed: [$all[0].items[] | select(.status == "failed")] | length,
        pending_after_a_failed_attempt: [$all[0].items[] | select(.status == "pending" and .attempt_count > 0)] | length,
        pending_never_attempted: [$all[0].items[] | select(.status == "pending" and .attempt_count == 0)] | length,
        pending_due_by: ([$retry[0].items[].next_attempt_at] | max)
      }
    }' >"$target/manifest.json"
  echo "[$provider] $(jq -c .deliveries "$target/manifest.json")"
}

make_fixture sqlite Production 24731

# Its own folder: the postgres user cannot enter $work (mode 700, root's).
pg_dir=$(mktemp -d /tmp/techlink-fixture-pg.XXXXXX)
pg_data="$pg_dir/data"
[ ${#as_pg[@]} -gt 0 ] && chown postgres:postgres "$pg_dir"
pg_port=$(free_port)
"${as_pg[@]}" initdb -D "$pg_dir/data" -A trust -U postgres -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" pg_ctl -D "$pg_dir/data" -l "$pg_dir/log.txt" -w -o "-p $pg_port -k $pg_dir -h 127.0.0.1" start >/dev/null
"${as_pg[@]}" createdb -h 127.0.0.1 -p "$pg_port" -U postgres techlink
pg_url="postgresql://postgres@127.0.0.1:$pg_port/techlink"
make_fixture postgres Sandbox 24732 "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=techlink"

# The retries were due 1-2 minutes after run 2: let them fall due before anyone can use the fixture.
due=$(jq -r '.deliveries.pending_due_by' "$out"/*/manifest.json | sort | tail -n 1)
echo "waiting until $due, when the last pending retry is due"
while [ "$(now)" \< "$due" ]; do sleep 5; done
echo "fixture in $out"

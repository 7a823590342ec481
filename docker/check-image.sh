#!/usr/bin/env bash
# Builds docker/Dockerfile with podman and checks the image for real (see
# /work/shared/docs/container-check.md for why it is done this way on machines with no Docker
# engine and no registry): a local debian:bookworm-slim made with debootstrap, podman+runc,
# explicit ulimits. Run as root from anywhere:  docker/check-image.sh
#   IMAGE=xs3:dev      image tag to build and test
#   REBUILD_BASE=1     re-create the local base image even when present
#   SKIP_BUILD=1       test an already built $IMAGE
#   GIT_REF=HEAD       build a `git archive` of that commit instead of the working tree (useful
#                      while uncommitted edits are in progress)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${IMAGE:-xs3:dev}
BASE=docker.io/library/debian:bookworm-slim
NAME=xs3-check-$$
PODMAN=(podman --runtime runc)
RUN_LIMITS=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
WORK=$(mktemp -d /tmp/xs3-check.XXXXXX)
started=()

log() { printf '[check-image] %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
cleanup() {
  local c
  for c in "${started[@]}"; do timeout 30 "${PODMAN[@]}" rm -f -v -t 2 "$c" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root (podman, debootstrap)"

# 1. Tools.
missing=()
for t in podman runc debootstrap; do command -v "$t" >/dev/null || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y "${missing[@]}" >/dev/null
fi

# 2. Local base image, made once from this machine's apt mirror.
if [ "${REBUILD_BASE:-0}" = 1 ] || ! "${PODMAN[@]}" image exists "$BASE"; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs=$WORK/rootfs
  log "bootstrapping $BASE from $mirror"
  timeout 900 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap"; }
  # Trim and configure the way the official slim image does.
  cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
CFG
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'APT::Install-Recommends "false";' >"$rootfs/etc/apt/apt.conf.d/docker-no-recommends"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/{man,info,groff,lintian,linda,locale}/* \
         "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
         "$rootfs"/var/log/* "$rootfs"/tmp/*
  tar --numeric-owner -C "$rootfs" -c . | timeout 300 "${PODMAN[@]}" import \
      --change 'CMD ["bash"]' - "$BASE" >/dev/null 2>&1
  rm -rf "$rootfs"
  log "base image: $("${PODMAN[@]}" image inspect --format '{{.Size}}' "$BASE") bytes"
else
  log "base image $BASE present (REBUILD_BASE=1 to re-create)"
fi

# 3. Build as the README says (context = repository root). --format docker: podman's default
#    OCI image format has no HEALTHCHECK field and would drop it.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building $IMAGE"
  t0=$(date +%s)
  ctx=$ROOT
  if [ -n "${GIT_REF:-}" ]; then
    ctx=$WORK/src; mkdir -p "$ctx"
    git -C "$ROOT" archive "$GIT_REF" | tar -C "$ctx" -x
    log "context: git archive $GIT_REF ($(git -C "$ROOT" rev-parse --short "$GIT_REF"))"
  fi
  (cd "$ctx" && timeout 2400 "${PODMAN[@]}" build --format docker -f docker/Dockerfile -t "$IMAGE" .) >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; fail "podman build"; }
  log "built in $(( $(date +%s) - t0 )) s"
fi

# 4. Run on a free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
EP=http://127.0.0.1:$port
log "starting $NAME on $EP"
t_start=$(date +%s.%N)
"${PODMAN[@]}" run -d --name "$NAME" -p "127.0.0.1:$port:9000" "${RUN_LIMITS[@]}" \
    -e XS3_BUCKETS=preset,preset-dir--use1-az4--x-s3 "$IMAGE" >/dev/null 2>>"$WORK/podman.log"
started+=("$NAME")
healthy=""
for _ in $(seq 1 1000); do
  if curl -fsS -m 1 -o /dev/null "$EP/_xs3/health" 2>/dev/null; then healthy=$(date +%s.%N); break; fi
  sleep 0.01
done
[ -n "$healthy" ] || { "${PODMAN[@]}" logs "$NAME" >&2 || true; fail "no healthy response within 10 s"; }
ready_ms=$(python3 -c "print(round(($healthy - $t_start) * 1000))")
# From the moment the container process started (podman's StartedAt) to the first 200.
started_ns=$("${PODMAN[@]}" inspect --format '{{.State.StartedAt.UnixNano}}' "$NAME")
serve_ms=$(python3 -c "print(round($healthy * 1000 - $started_ns / 1e6))")
body=$(curl -fsS -m 2 "$EP/_xs3/health")
[ "$body" = ok ] || fail "health body '$body'"
# Captured first: `podman logs | grep -q` fails under pipefail when grep stops reading early.
logs=$("${PODMAN[@]}" logs "$NAME" 2>&1)
grep -q 'xs3d listening on http://0.0.0.0:9000' <<<"$logs" || { echo "$logs" >&2; fail "no 'listening on http://0.0.0.0:9000' line"; }
user=$("${PODMAN[@]}" exec "$NAME" /bin/bash -c 'echo $UID')
[ "$user" != 0 ] || fail "server runs as root"

# 5. Smoke test with real clients.
PY=python3
[ -x /root/.pyenv/shims/python3 ] && PY=/root/.pyenv/shims/python3
log "smoke test ($($PY -c 'import boto3; print("boto3", boto3.__version__)'))"
timeout 120 "$PY" - "$EP" <<'PYEOF' || fail "boto3 smoke test"
import sys, boto3
from botocore.config import Config
ep = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=ep, region_name="us-east-1",
                  aws_access_key_id="xs3devaccesskey", aws_secret_access_key="xs3devsecretkey",
                  config=Config(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=30))
s3.create_bucket(Bucket="smoke")
s3.put_object(Bucket="smoke", Key="a/b.txt", Body=b"hello from the container")
assert s3.get_object(Bucket="smoke", Key="a/b.txt")["Body"].read() == b"hello from the container"
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="smoke")["Contents"]]
assert keys == ["a/b.txt"], keys
names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
assert {"smoke", "preset"} <= names, names  # preset comes from XS3_BUCKETS
s3.put_object(Bucket="preset", Key="k", Body=b"v")
print("general-purpose: create/put/get/list ok, XS3_BUCKETS bucket usable")
if hasattr(s3, "list_directory_buckets"):
    d = "smoke--use1-az5--x-s3"
    s3.create_bucket(Bucket=d, CreateBucketConfiguration={
        "Location": {"Type": "AvailabilityZone", "Name": "use1-az5"},
        "Bucket": {"Type": "Directory", "DataRedundancy": "SingleAvailabilityZone"}})
    s3.put_object(Bucket=d, Key="x/y", Body=b"express")  # goes through CreateSession
    assert s3.get_object(Bucket=d, Key="x/y")["Body"].read() == b"express"
    dirs = {b["Name"] for b in s3.list_directory_buckets()["Buckets"]}
    assert {d, "preset-dir--use1-az4--x-s3"} <= dirs, dirs
    s3.put_object(Bucket="preset-dir--use1-az4--x-s3", Key="k", Body=b"v")
    print("directory buckets: create/session/put/get/list ok")
else:
    print("this boto3 has no directory buckets; skipped")
PYEOF
if command -v aws >/dev/null; then
  AWS_ACCESS_KEY_ID=xs3devaccesskey AWS_SECRET_ACCESS_KEY=xs3devsecretkey AWS_DEFAULT_REGION=us-east-1 \
    timeout 60 aws --endpoint-url "$EP" s3 cp - s3://smoke/cli.txt <<<"cli" >/dev/null || fail "aws s3 cp"
  got=$(AWS_ACCESS_KEY_ID=xs3devaccesskey AWS_SECRET_ACCESS_KEY=xs3devsecretkey AWS_DEFAULT_REGION=us-east-1 \
    timeout 60 aws --endpoint-url "$EP" s3 cp s3://smoke/cli.txt -) || fail "aws s3 cp back"
  [ "$got" = cli ] || fail "aws round trip: '$got'"
  log "aws CLI ($(aws --version 2>&1 | cut -d' ' -f1)): cp up and down ok"
fi

# 5b. The admin CLI inside the container (docker exec): a new user whose key works at once.
created=$(timeout 30 "${PODMAN[@]}" exec "$NAME" xs3 --json user create ci-user) || fail "xs3 user create"
timeout 60 "$PY" - "$EP" "$created" <<'PYEOF' || fail "the CLI-created user's key"
import json, sys, boto3
k = json.loads(sys.argv[2])
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id=k["access_key"], aws_secret_access_key=k["secret_key"])
s3.create_bucket(Bucket="ci-user-bucket")
s3.put_object(Bucket="ci-user-bucket", Key="k", Body=b"v")
PYEOF
timeout 30 "${PODMAN[@]}" exec "$NAME" xs3 bucket list | grep -Eq '^ci-user-bucket +general-purpose +- +ci-user$' \
  || fail "xs3 bucket list does not show ci-user's bucket"
log "xs3 CLI in the container: user create, its key used by boto3, bucket list ok"

# 6. HEALTHCHECK as declared in the image.
timeout 30 "${PODMAN[@]}" healthcheck run "$NAME" || fail "podman healthcheck run"
log "HEALTHCHECK passes"

# 7. Graceful stop.
t0=$(date +%s.%N)
timeout 30 "${PODMAN[@]}" stop -t 10 "$NAME" >/dev/null 2>>"$WORK/podman.log"
stop_s=$(python3 -c "print(round($(date +%s.%N) - $t0, 2))")
code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || { "${PODMAN[@]}" logs "$NAME" >&2; fail "exit code $code after SIGTERM"; }
python3 -c "import sys; sys.exit(0 if $stop_s < 10 else 1)" || fail "stop took ${stop_s} s"

# 8. Data persists in the /data volume across a restart.
"${PODMAN[@]}" start "$NAME" >/dev/null 2>>"$WORK/podman.log"
ok=""
for _ in $(seq 1 500); do curl -fsS -m 1 -o /dev/null "$EP/_xs3/health" 2>/dev/null && { ok=1; break; }; sleep 0.02; done
[ -n "$ok" ] || fail "no health after restart"
got=$(timeout 60 "$PY" -c '
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="xs3devaccesskey", aws_secret_access_key="xs3devsecretkey")
print(s3.get_object(Bucket="smoke", Key="a/b.txt")["Body"].read().decode(), end="")' "$EP" || true)
[ "$got" = "hello from the container" ] || fail "object lost across restart: '$got'"
timeout 30 "${PODMAN[@]}" stop -t 10 "$NAME" >/dev/null 2>>"$WORK/podman.log"
log "data survives a restart (volume /data)"

# 9. Ephemeral mode (data on the container's /dev/shm tmpfs) starts, serves and stops cleanly.
EPH=$NAME-eph
"${PODMAN[@]}" run -d --name "$EPH" -p "127.0.0.1:$port:9000" "${RUN_LIMITS[@]}" -e XS3_EPHEMERAL=1 \
    -e XS3_BUCKETS=eph "$IMAGE" >/dev/null 2>>"$WORK/podman.log"
started+=("$EPH")
ok=""
for _ in $(seq 1 500); do curl -fsS -m 1 -o /dev/null "$EP/_xs3/health" 2>/dev/null && { ok=1; break; }; sleep 0.02; done
[ -n "$ok" ] || { "${PODMAN[@]}" logs "$EPH" >&2; fail "ephemeral: no health"; }
timeout 60 "$PY" -c '
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="xs3devaccesskey", aws_secret_access_key="xs3devsecretkey")
s3.put_object(Bucket="eph", Key="k", Body=b"v" * 100000)
assert s3.get_object(Bucket="eph", Key="k")["Body"].read() == b"v" * 100000' "$EP" || fail "ephemeral put/get"
timeout 30 "${PODMAN[@]}" stop -t 10 "$EPH" >/dev/null 2>>"$WORK/podman.log"
code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$EPH")
[ "$code" = 0 ] || { "${PODMAN[@]}" logs "$EPH" >&2; fail "ephemeral: exit code $code"; }
log "XS3_EPHEMERAL=1: serves, exit 0 on SIGTERM"

# 10. The README's Testcontainers snippet, through podman's Docker-compatible API socket (runc and
#     the sandbox's ulimits as container defaults; no Ryuk reaper, whose image no registry serves).
if command -v npm >/dev/null; then
  tc=$WORK/testcontainers; mkdir -p "$tc"
  cp "$ROOT"/docker/testcontainers/{package.json,package-lock.json,snippet.mjs} "$tc"/
  (cd "$tc" && timeout 600 npm ci --no-audit --no-fund >"$WORK/npm.log" 2>&1) || { tail -20 "$WORK/npm.log" >&2; fail "npm ci (testcontainers)"; }
  printf '[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n' >"$WORK/containers.conf"
  sock=$WORK/podman.sock
  CONTAINERS_CONF=$WORK/containers.conf podman system service --time=0 "unix://$sock" >"$WORK/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
  tc_out=$(cd "$tc" && DOCKER_HOST="unix://$sock" TESTCONTAINERS_RYUK_DISABLED=true IMAGE="$IMAGE" \
           timeout 180 node snippet.mjs 2>&1) || { kill "$service_pid"; echo "$tc_out" >&2; fail "testcontainers snippet"; }
  kill "$service_pid"; wait "$service_pid" 2>/dev/null || true
  log "$tc_out"
else
  log "npm missing: Testcontainers snippet not checked"
fi

size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
echo "image $IMAGE: size $size bytes ($(( size / 1000000 )) MB)"
echo "start to first healthy response: ${serve_ms} ms after the container process started (${ready_ms} ms including podman run)"
echo "SIGTERM: exit 0 after ${stop_s} s"
echo "check-image: PASS"

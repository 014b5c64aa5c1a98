# syntax=docker/dockerfile:1
#
# Arsenal's container image: `deno compile` in the official Deno image, then the single binary on
# a distroless base, run as a non-root user.
#
#   docker build -t arsenal:0.1.0 .
#   docker run --rm -p 127.0.0.1:9835:9835 -e ARSENAL_API_TOKEN="$(openssl rand -hex 32)" arsenal:0.1.0
#
# The image listens on 0.0.0.0 (ARSENAL_API__HOST below), so Arsenal refuses to start (exit 2)
# unless it gets a bearer token (ARSENAL_API_TOKEN, or `[api] token_file` naming a mounted secret)
# or `[api] read_only = true` (ARSENAL_API__READ_ONLY=true). The bundled /etc/arsenal/arsenal.conf
# is the repository's example (the simulator, dry_run = True): mount your own over it.
# config/deploy/ has a Compose file, a Kubernetes manifest and a systemd unit.

# --- Stage 1: build -------------------------------------------------------------------------------
# The Deno version is the one CI tests with (.ci/run's DENO_VERSION; tests/deploy checks they
# agree). For reproducible builds also pin the digest, e.g.
#   FROM denoland/deno:2.9.6@sha256:<digest> AS build
# (`docker buildx imagetools inspect denoland/deno:2.9.6` prints it); likewise for the runtime
# stage below. Renovate or Dependabot can keep both digests current.
FROM denoland/deno:2.9.6 AS build
WORKDIR /src

# Dependencies first, exactly as deno.lock records them: this layer is rebuilt only when
# deno.json or deno.lock change, not on every source edit.
COPY deno.json deno.lock ./
RUN deno install --frozen

COPY main.ts ./
COPY src ./src
COPY plugins ./plugins
COPY config ./config

# The build context has no .git (see .dockerignore), so the compile task would stamp the binary
# with commit "unknown". Given `--build-arg REVISION=$(git rev-parse HEAD)`, a detached HEAD
# (.git/HEAD holding the commit, as git itself writes it) makes `arsenal version` report it.
ARG REVISION=unknown
RUN if printf '%s' "$REVISION" | grep -Eqx '[0-9a-f]{40}'; then \
      mkdir -p .git && printf '%s\n' "$REVISION" > .git/HEAD; \
    fi

# `deno compile` downloads its base runtime (denort) from dl.deno.land. Where that is unreachable,
# COPY a denort of the same version into this stage and set `ENV DENORT_BIN=/path/to/denort`:
# the compile task honours it.
RUN deno task compile \
  && ./dist/arsenal --version \
  && ./dist/arsenal check-config --config-file config/arsenal.conf >/dev/null

# --- Stage 2: runtime -----------------------------------------------------------------------------
# A compiled Deno binary is dynamically linked against glibc (libc, libm, libdl, librt,
# libpthread) and libgcc_s, so a static base (distroless/static, scratch) cannot run it; `cc` is
# distroless' base with exactly those libraries, and no shell, package manager, curl or wget.
# The `nonroot` tag runs as uid/gid 65532. A debian:12-slim base works too (for a shell while
# debugging): add `RUN useradd --system --uid 65532 --user-group nonroot` before USER.
FROM gcr.io/distroless/cc-debian12:nonroot

# Keep VERSION equal to src/version.ts (tests/deploy checks it); pass REVISION at build time:
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" .
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="arsenal" \
      org.opencontainers.image.description="Image-caching director for OpenStack Ironic: keeps idle nodes pre-loaded with the images tenants are likely to deploy" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"

COPY --from=build /src/dist/arsenal /usr/local/bin/arsenal
COPY --from=build /src/config/arsenal.conf /etc/arsenal/arsenal.conf
# The example arsenal.conf names its weights file relative to the working directory
# (image_weights_filename = config/image_weights.json, as the original did): with the WORKDIR
# below that is /etc/arsenal/config/image_weights.json. A mounted arsenal.conf should use absolute
# paths. Everything here is owned by root and read-only to the service user.
COPY --from=build /src/config/image_weights.json /etc/arsenal/config/image_weights.json
WORKDIR /etc/arsenal

# Numeric, so that Kubernetes' runAsNonRoot can verify it (a user name cannot be checked).
USER 65532:65532

ENV ARSENAL_API__HOST=0.0.0.0
EXPOSE 9835

# No curl in this image: Arsenal probes itself. `arsenal healthcheck` reads the same configuration
# and environment, GETs /livez on the API's address (0.0.0.0 -> 127.0.0.1) and exits 0 on a 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/arsenal", "healthcheck", "--config-file", "/etc/arsenal/arsenal.conf"]

# SIGTERM (also `docker stop`'s default) stops gracefully: in-flight directives get
# [director] shutdown_grace_period seconds (30 by default), then Arsenal exits 0. Give `docker stop`
# longer than that: `docker stop -t 45`, or `stop_grace_period: 45s` in Compose.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/arsenal"]
# Append `--log-format json` for one JSON object per log line.
CMD ["run", "--config-file", "/etc/arsenal/arsenal.conf"]

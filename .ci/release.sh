#!/usr/bin/env bash
# Builds the release archives into dist/ (nothing is published):
#   lpetrust_VERSION_windows_amd64.zip, lpetrust_VERSION_windows_arm64.zip,
#   lpetrust_VERSION_linux_amd64.tar.gz, lpetrust_VERSION_linux_arm64.tar.gz,
#   lpetrust_VERSION_darwin_arm64.tar.gz and SHA256SUMS,
# each archive holding the binary, README.md and the JSON reference. The
# version, commit, build date and data snapshot are stamped into the binary
# (lpetrust version -o json shows them), then the archives are checked:
# checksums, the host's binary's version output, and each binary's format
# and architecture (Windows ones are console PE files of the right machine).
#
#   .ci/release.sh [VERSION]     VERSION defaults to git describe
#   DIST=out/ .ci/release.sh     another output directory
#   SOURCE_DATE_EPOCH=...        the build date (default: now)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

version="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
commit="$(git rev-parse HEAD)"
if ! git diff --quiet HEAD -- . 2>/dev/null; then
  commit="$commit-modified"
fi
epoch="${SOURCE_DATE_EPOCH:-$(date +%s)}"
build_date="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
# The data snapshot: when the embedded data last changed, and its tree.
snapshot="$(git log -1 --format=%cs -- truststore) truststore@$(git rev-parse --short=12 HEAD:truststore)"
if ! git diff --quiet HEAD -- truststore 2>/dev/null; then
  snapshot="$snapshot-modified"
fi
dist="${DIST:-dist}"
rm -rf "$dist"
mkdir -p "$dist"

ldflags="-s -w -X main.version=$version -X main.commit=$commit -X main.buildDate=$build_date -X 'main.dataStamp=$snapshot'"
targets=(windows/amd64 windows/arm64 linux/amd64 linux/arm64 darwin/arm64)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
docs=(README.md cmd/lpetrust/json.md)
for t in "${targets[@]}"; do
  os="${t%/*}" arch="${t#*/}"
  name="lpetrust_${version}_${os}_${arch}"
  exe=lpetrust
  [ "$os" = windows ] && exe=lpetrust.exe
  mkdir -p "$work/$name"
  printf '== building %s\n' "$t" >&2
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -ldflags="$ldflags" -o "$work/$name/$exe" ./cmd/lpetrust
  cp "${docs[@]}" "$work/$name/"
  if [ "$os" = windows ]; then
    go run ./.ci/release zip -epoch "$epoch" "$dist/$name.zip" "$work/$name"
  else
    go run ./.ci/release tgz -epoch "$epoch" "$dist/$name.tar.gz" "$work/$name"
  fi
done
(cd "$dist" && sha256sum -- *.zip *.tar.gz > SHA256SUMS)

printf '== checking the archives in %s\n' "$dist" >&2
go run ./.ci/release check -version "$version" -commit "$commit" -build-date "$build_date" -snapshot "$snapshot" "$dist"

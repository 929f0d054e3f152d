#!/usr/bin/env bash
# Checks FotoGal's Kubernetes manifests: installs the pinned kustomize
# (tools/kustomize/go.mod, from the Go module proxy) into tools/bin, then
# runs the Go checks of deploy/k8s/check, which build every base and
# overlay with it, decode every object strictly into the k8s.io/api types
# and apply the deployment rules (deploy/k8s/check/rules.go).
#
# Both modules stay outside go.work (GOWORK=off), so that neither moves a
# dependency of the workspace. GO names the go command (default go).
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
tools_bin=$PWD/tools/bin

(cd tools/kustomize && GOWORK=off GOBIN="$tools_bin" "$go" install tool)
echo "check-k8s.sh: $("$tools_bin/kustomize" version) builds deploy/k8s/{base/*,base,overlays/*}"
cd deploy/k8s/check
GOWORK=off "$go" vet .
GOWORK=off FOTOGAL_KUSTOMIZE="$tools_bin/kustomize" "$go" test -race -count=1 .

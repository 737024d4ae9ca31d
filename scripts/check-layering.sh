#!/usr/bin/env bash
# Fails on an include edge the architecture forbids (docs/architecture.md, "Layers"): each module
# of src/ may include only the modules below it. Run by `make test` before the build, so a
# forbidden edge fails CI as a compile error would.
#   core      -> core
#   smpp      -> core, smpp                (the SMPP wire format, pure)
#   store     -> core, store
#   providers -> core, smpp, providers
#   engine    -> core, store, providers, engine
#   http      -> core, engine, http          (surfaces never reach the store or a provider)
#   smpp_server -> core, smpp, engine, smpp_server
#   app       -> everything (the one place concrete classes meet)
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [core]="core"
  [store]="core store"
  [smpp]="core smpp"
  [providers]="core smpp providers"
  [engine]="core store providers engine"
  [http]="core engine http"
  [smpp_server]="core smpp engine smpp_server"
)

status=0
for module in "${!allowed[@]}"; do
  # Every project include ("module/...") in the module's sources and headers.
  while IFS=: read -r file line text; do
    target="$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([a-z_]+)\/.*/\1/' <<<"$text")"
    [ -d "src/$target" ] || continue  # not one of our modules (a generated .inc, say)
    case " ${allowed[$module]} " in
      *" $target "*) ;;
      *)
        echo "layering: $file:$line: $module may not include $target ($(sed -E 's/^[[:space:]]*//' <<<"$text"))" >&2
        status=1
        ;;
    esac
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' "src/$module" || true)
done
if [ "$status" -ne 0 ]; then
  echo "layering: forbidden include edges (see scripts/check-layering.sh for the allowed ones)" >&2
  exit 1
fi
echo "layering: ok"

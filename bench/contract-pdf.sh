#!/usr/bin/env bash
# The signed PDF of a six-page contract: how long the server's renderer takes, warm, on one
# core (server/benches/contract_pdf.rs, release build). The goal is under 50 ms a contract.
#
# usage: bench/contract-pdf.sh [--write]
#        --write updates docs/performance.md between its contract-pdf markers.
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
write=0
while [ $# -gt 0 ]; do
  case "$1" in
    --write) write=1; shift ;;
    *) echo "usage: $0 [--write]" >&2; exit 2 ;;
  esac
done
cd "$root"
line=$(cargo bench --locked -q -p proofroom-server --bench contract_pdf 2>/dev/null | grep '^contract pdf:')
echo "$line"
pdf=$(echo "$line" | sed -n 's/.*bytes (\(.*\.pdf\)).*/\1/p')
bytes=$(echo "$line" | sed -n 's/.* renders of \([0-9]*\) bytes.*/\1/p')
median=$(echo "$line" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
p95=$(echo "$line" | sed -n 's/.*p95 \([0-9.]*\) ms.*/\1/p')
pages=$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
conformance=$(pdfinfo -meta "$pdf" 2>/dev/null | grep -o 'pdfaid:part[^/]*' | head -1 | tr -dc '0-9')
level=$(pdfinfo -meta "$pdf" 2>/dev/null | grep -o 'pdfaid:conformance[^/]*' | head -1 | sed 's/.*[>"]\([AaBbUu]\)[<"].*/\1/')
echo "pages: $pages, PDF/A-${conformance:-?}${level:-?}"

if [ "$write" = 1 ]; then
  row=$(printf '| %s pages (document + certificate), %s KB | %s ms | %s ms | < 50 ms | %s |' \
    "$pages" "$((bytes / 1024))" "$median" "$p95" "$(date -u +%Y-%m-%d)")
  python3 "$root/bench/write-table.py" docs/performance.md \
    '<!-- contract-pdf:begin (rewritten by bench/contract-pdf.sh --write) -->' '<!-- contract-pdf:end -->' \
    '| signed PDF | median | p95 | goal | date |' "$row"
fi
awk -v m="$median" 'BEGIN { exit !(m < 50) }'

#!/bin/sh
# Syscalls between the /MARK-start and /MARK-end lstats of an `strace -f -o OUT` log
# (one-run.mts, stat-run.mts), counted by name. Usage: bench/tools/marked-calls.sh OUT
awk '/MARK-start/ { on = 1; next } /MARK-end/ { on = 0 } on {
  line = $0; sub(/^[0-9]+ +/, "", line)
  if (line ~ /^<\.\.\./) next
  n = index(line, "("); if (n > 1) c[substr(line, 1, n - 1)]++
} END { for (k in c) { printf "%6d %s\n", c[k], k; t += c[k] } printf "%6d total\n", t }' "$1" | sort -rn

#!/usr/bin/env bash
# Decodes the same input lines under every text command token of a trained mini-suite run (one problem
# per token: To-German, To-French, To-English, To-Parse-Tree) and prints them side by side: the check
# that the command token, not the input's surface, chooses the task.
# Usage: bash scripts/command_tokens.sh RUN_DIR [INPUT_FILE]   (default inputs: two English sentences)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?usage: bash scripts/command_tokens.sh RUN_DIR [INPUT_FILE]}
INPUT=${2:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ -z "$INPUT" ]; then
    INPUT="$TMP/inputs.txt"
    printf '%s\n' "The cat that follows the birds helps forty teachers ." \
                  "The big men play beside ninety-five balls." > "$INPUT"
fi
for problem in mini_translate_ende mini_translate_enfr mini_translate_deen mini_parsing; do
    .venv/bin/mm-decoder --output_dir="$RUN" --problem="$problem" --decode_from_file="$INPUT" \
        --decode_to_file="$TMP/$problem.txt" > /dev/null
done
n=0
while IFS= read -r line; do
    n=$((n + 1))
    echo "input: $line"
    for problem in mini_translate_ende mini_translate_enfr mini_translate_deen mini_parsing; do
        printf '  %-22s %s\n' "$problem" "$(sed -n "${n}p" "$TMP/$problem.txt")"
    done
done < "$INPUT"

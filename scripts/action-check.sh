#!/usr/bin/env bash
# The action's check step. Either SARIF for code scanning (its upload annotates the pull request) or
# the text report with annotations (GITHUB_ACTIONS is set: errors first), never both, so that each
# finding is reported once. The inputs come in the environment, never pasted into this script.
#   WASMLINT_PATHS, WASMLINT_ARGS  split at spaces
#   WASMLINT_UPLOAD_SARIF          true | false
#   WASMLINT_SARIF_FILE            where SARIF is written
# Exit code: wasmlint's (0 clean, 1 findings, 2 could not check); the upload step runs after a 1 too.
set -uo pipefail
wasmlint="${WASMLINT:-$RUNNER_TEMP/wasmlint-venv/bin/wasmlint}"
read -ra paths <<<"${WASMLINT_PATHS:-.}"
read -ra args <<<"${WASMLINT_ARGS:-}"
[[ ${#paths[@]} -gt 0 ]] || paths=(.)
case "${WASMLINT_UPLOAD_SARIF:-true}" in
    true)
        sarif="${WASMLINT_SARIF_FILE:-wasmlint.sarif}"
        mkdir -p "$(dirname "$sarif")"
        "$wasmlint" check "${paths[@]}" "${args[@]}" --format sarif --output "$sarif"
        code=$?
        # A report is written even with findings (1) or inputs that could not be checked (2).
        [[ -f "$sarif" ]] && echo "sarif-file=$sarif" >>"${GITHUB_OUTPUT:-/dev/null}"
        ;;
    false)
        "$wasmlint" check "${paths[@]}" "${args[@]}"
        code=$?
        ;;
    *)
        echo "::error title=wasmlint::upload-sarif must be true or false, not '${WASMLINT_UPLOAD_SARIF}'"
        code=2
        ;;
esac
echo "exit-code=$code" >>"${GITHUB_OUTPUT:-/dev/null}"
exit "$code"

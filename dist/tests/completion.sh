#!/bin/bash
# Drives the generated bash completion (bash-completion's framework, then isotrace.bash) the way
# Tab does: COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT set, the completion function called.
# Subcommands, an option name, sampler names after --sampler, policy files after --policy.
# Usage: completion.sh DIST
set -u
dist=$1
fail=0
[ -r /usr/share/bash-completion/bash_completion ] || { echo "FAIL: bash-completion is not installed (make deps)"; exit 1; }
source /usr/share/bash-completion/bash_completion
source "$dist/completions/isotrace.bash"
function_name=$(complete -p isotrace | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
[ -n "$function_name" ] || { echo "FAIL: isotrace.bash registers no completion function for isotrace"; exit 1; }

# complete WORD...: the candidates for the last word, one per line.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  "$function_name" isotrace "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}"
}
expect() {  # expect "what" "candidates" WORD...  (every candidate must be offered)
  local what=$1 wanted=$2; shift 2
  local got; got=$(complete_line "$@")
  local candidate
  for candidate in $wanted; do
    if ! grep -qx -- "$candidate" <<<"$got"; then
      echo "FAIL: $what: 'isotrace ${*:2}<Tab>' does not offer $candidate; it offers: $(tr '\n' ' ' <<<"$got")"
      fail=1
    fi
  done
}
refuse() {  # refuse "what" "candidates" WORD...  (no candidate may be offered)
  local what=$1 unwanted=$2; shift 2
  local got; got=$(complete_line "$@")
  local candidate
  for candidate in $unwanted; do
    if grep -qx -- "$candidate" <<<"$got"; then
      echo "FAIL: $what: 'isotrace ${*:2}<Tab>' offers $candidate"
      fail=1
    fi
  done
}

expect "subcommands" "snapshot audit check simulate policy keygen verify daemon query index prune db ship" isotrace ""
expect "a subcommand by prefix" "query" isotrace qu
expect "a nested subcommand" "lint" isotrace policy ""
expect "an option" "--format --policy --sampler --record" isotrace audit --
expect "sampler names" "auto bpf procfs" isotrace audit --sampler ""
expect "output formats" "table json html" isotrace query --format ""

# Policy files: in a scratch directory with a YAML file, a .yml, a subdirectory and a text file.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/site"
touch "$scratch/site.yaml" "$scratch/strict.yml" "$scratch/notes.txt"
cd "$scratch"
expect "policy files after --policy" "site.yaml strict.yml site" isotrace audit --policy ""
refuse "policy files after --policy" "notes.txt" isotrace audit --policy ""
expect "policy files after policy lint" "site.yaml strict.yml" isotrace policy lint ""
expect "policy files by prefix" "strict.yml" isotrace daemon --policy st

[ $fail -eq 0 ] || exit 1
echo "completion: bash completes subcommands, options, --sampler values, --format values and policy files"

# shellcheck shell=bash
# bash completion for safeops. Installed to /usr/share/bash-completion/completions/safeops, or
# sourced from ~/.bashrc. After a wrapped tool (`safeops rm ...`, `safeops exec CMD ...`), the
# tool's own completion takes over when bash-completion is loaded (_command_offset).
# A template: `safeops completions bash` (and the build, dist/completions/) fills the
# __SAFEOPS_*__ placeholders from src/contract.ts and the config's keys (src/shell/completions.ts).

# The guarded tools and sudo (a command line follows), the management commands (exec first),
# the config keys, the shells.
__safeops_comp_wrapped=__SAFEOPS_WRAPPED__
__safeops_comp_commands="$__safeops_comp_wrapped "__SAFEOPS_COMMANDS__
__safeops_comp_keys=__SAFEOPS_CONFIG_KEYS__
__safeops_comp_shells=__SAFEOPS_SHELLS__

_safeops() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]:-}
  local i=1 sub='' subidx=0 w
  COMPREPLY=()
  # The subcommand: the first word that is not a global option (`--confirm=HOST` arrives as
  # three words, `--confirm` `=` `HOST`, since `=` breaks words for readline).
  while (( i < COMP_CWORD )); do
    w=${COMP_WORDS[i]}
    if [[ $w == --confirm && ${COMP_WORDS[i+1]:-} == = ]]; then
      i=$((i + 3))
      continue
    fi
    if [[ $w != -* ]]; then
      sub=$w
      subidx=$i
      break
    fi
    i=$((i + 1))
  done

  if [[ -z $sub ]]; then
    if [[ $prev == = && ${COMP_WORDS[COMP_CWORD-2]:-} == --confirm ]] || [[ $prev == --confirm && $cur == = ]]; then
      [[ $cur == = ]] && cur=''
      mapfile -t COMPREPLY < <(compgen -W "${HOSTNAME%%.*}" -- "$cur")
    elif [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W '--confirm= --help --version' -- "$cur")
      [[ ${COMPREPLY[0]:-} == --confirm= ]] && { compopt -o nospace 2>/dev/null || :; }
    else
      mapfile -t COMPREPLY < <(compgen -W "$__safeops_comp_commands" -- "$cur")
    fi
    return 0
  fi

  local nargs=$((COMP_CWORD - subidx))
  # A guarded tool, sudo or exec: the rest of the line is the wrapped command's.
  if [[ " $__safeops_comp_wrapped exec " == *" $sub "* ]]; then
    local offset=$subidx
    [[ $sub == exec ]] && offset=$((subidx + 1))
    if [[ $sub == exec && $nargs -eq 1 ]]; then
      mapfile -t COMPREPLY < <(compgen -c -- "$cur")
    elif declare -F _command_offset >/dev/null; then
      _command_offset "$offset"
    else
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      compopt -o filenames 2>/dev/null || :
    fi
    return 0
  fi
  case $sub in
    status)
      mapfile -t COMPREPLY < <(compgen -W '--json --help' -- "$cur") ;;
    init)
      if (( nargs == 1 )); then mapfile -t COMPREPLY < <(compgen -W "$__safeops_comp_shells" -- "$cur"); fi ;;
    completions)
      if (( nargs == 1 )); then mapfile -t COMPREPLY < <(compgen -W "$__safeops_comp_shells" -- "$cur"); fi ;;
    watch)
      if [[ $prev == --state-dir ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        compopt -o filenames 2>/dev/null || :
      else
        mapfile -t COMPREPLY < <(compgen -W '--state-dir --once --user --help' -- "$cur")
      fi ;;
    demo)
      if [[ $prev == --shell ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$__safeops_comp_shells" -- "$cur")
      else
        mapfile -t COMPREPLY < <(compgen -W '--shell --no-shell --keep --help' -- "$cur")
      fi ;;
    config)
      if (( nargs == 1 )); then
        mapfile -t COMPREPLY < <(compgen -W 'get set unset path' -- "$cur")
      elif (( nargs == 2 )) && [[ $prev == get || $prev == set || $prev == unset ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$__safeops_comp_keys" -- "$cur")
      fi ;;
  esac
  return 0
}

complete -F _safeops safeops

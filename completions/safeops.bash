# shellcheck shell=bash
# bash completion for safeops. Installed to /usr/share/bash-completion/completions/safeops, or
# sourced from ~/.bashrc. After a wrapped tool (`safeops rm ...`, `safeops exec CMD ...`), the
# tool's own completion takes over when bash-completion is loaded (_command_offset).

__safeops_comp_commands='rm pg_ctl pg_ctlcluster wal-g pgbackrest pg_basebackup systemctl sudo exec status watch init demo config'
__safeops_comp_keys='protect discovery.roots discovery.maxDepth discovery.clusters sql.user sql.database sql.connectTimeoutMs audit.path watch.sqlIntervalMs watch.rediscoverIntervalMs watch.staleAfterSeconds shell.colors.primary shell.colors.standby shell.colors.recovering shell.colors.stopped shell.colors.unknown shell.colors.stale shell.colors.none shell.background shell.title shell.tmux shell.prompt'

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
  case $sub in
    rm | pg_ctl | pg_ctlcluster | wal-g | pgbackrest | pg_basebackup | systemctl | sudo | exec)
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
      ;;
    status)
      mapfile -t COMPREPLY < <(compgen -W '--json --help' -- "$cur") ;;
    init)
      if (( nargs == 1 )); then mapfile -t COMPREPLY < <(compgen -W 'bash zsh fish' -- "$cur"); fi ;;
    watch)
      if [[ $prev == --state-dir ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        compopt -o filenames 2>/dev/null || :
      else
        mapfile -t COMPREPLY < <(compgen -W '--state-dir --once --user --help' -- "$cur")
      fi ;;
    demo)
      if [[ $prev == --shell ]]; then
        mapfile -t COMPREPLY < <(compgen -W 'bash zsh fish' -- "$cur")
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

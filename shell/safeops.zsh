# safeops: shell integration for zsh 5.8+ (rendered by `safeops init zsh`, src/shell/render.ts).
#
#   Load it from ~/.zshrc:    eval "$(safeops init zsh)"
#   Escape hatch:             SAFEOPS_DISABLE=1 rm ...   runs the real command, without safeops.
#   State dir:                $SAFEOPS_STATE_DIR, else the first candidate holding a `prompt` file.
#
# Names: the guarded commands (rm pg_ctl pg_ctlcluster wal-g pgbackrest pg_basebackup systemctl
# sudo) and __safeops_* for everything else. The prompt hook forks nothing: it reads the state
# file with sysread, never sources or evaluates it, and prints escapes with the print builtin.
# A role change redraws the prompt at once: the watcher sends SIGUSR1 to registered shells.

# Values baked in at render time: validated and quoted by render.ts, never taken from the file.
typeset -ga __safeops_state_dirs
__safeops_state_dirs=(__SAFEOPS_STATE_DIRS__)
typeset -gi __safeops_stale_after=__SAFEOPS_STALE_AFTER__
typeset -g __safeops_want_prompt=__SAFEOPS_PROMPT__
typeset -g __safeops_want_bg=__SAFEOPS_BACKGROUND__
typeset -g __safeops_want_title=__SAFEOPS_TITLE__
typeset -g __safeops_want_tmux=__SAFEOPS_TMUX__
typeset -g __safeops_want_color=__SAFEOPS_COLOR__
# A bad byte in the state file: anything outside the label charset (printable ASCII subset).
typeset -g __safeops_bad_char=$'*[^\nA-Za-z0-9 ._,:/@()+=-]*'

typeset -g __safeops_segment='' __safeops_prefix='' __safeops_last_bg='' __safeops_last_title=''
typeset -g __safeops_reg='' __safeops_dir='' __safeops_why='' __safeops_role='' __safeops_label=''
typeset -g __safeops_bg='' __safeops_sgr='' __safeops_word=''
typeset -ga __safeops_alerts
__safeops_alerts=()

# sysread (bounded read), EPOCHSECONDS and a builtin rm for the exit hook; all ship with zsh.
zmodload -F zsh/system b:sysread 2>/dev/null || :
zmodload zsh/datetime 2>/dev/null || :
zmodload -F zsh/files b:zf_rm 2>/dev/null || :

# Colours and escapes only for a terminal that wants them (NO_COLOR, TERM=dumb, not a tty: none).
typeset -g __safeops_esc=0
if [[ $__safeops_want_color == 1 && -z ${NO_COLOR:-} && ${TERM:-dumb} != dumb && -t 1 ]]; then
  __safeops_esc=1
fi

# Run a guarded command through safeops (or the real one when SAFEOPS_DISABLE is set).
__safeops_guard() {
  if [[ -n ${SAFEOPS_DISABLE:-} && ${SAFEOPS_DISABLE:-} != 0 ]]; then
    \command "$@"
    return
  fi
  if [[ ! -x __SAFEOPS_BIN__ ]]; then
    \builtin printf 'safeops: %s is missing, so %s did not run (the guard is not installed). To run it anyway: SAFEOPS_DISABLE=1 %s ...\n' __SAFEOPS_BIN__ "$1" "$1" >&2
    return 127
  fi
  __SAFEOPS_BIN__ "$@"
}

function rm { __safeops_guard rm "$@"; }
function pg_ctl { __safeops_guard pg_ctl "$@"; }
function pg_ctlcluster { __safeops_guard pg_ctlcluster "$@"; }
function wal-g { __safeops_guard wal-g "$@"; }
function pgbackrest { __safeops_guard pgbackrest "$@"; }
function pg_basebackup { __safeops_guard pg_basebackup "$@"; }
function systemctl { __safeops_guard systemctl "$@"; }

# sudo goes through safeops only when a guarded tool is involved; anything else is plain sudo.
function sudo {
  if __safeops_sudo_guarded "$@"; then
    __safeops_guard sudo "$@"
  else
    \command sudo "$@"
  fi
}

# True when any word names a guarded tool (`sudo -u postgres rm x`, `sudo sh -c 'rm -rf y'`).
__safeops_sudo_guarded() {
  emulate -L zsh
  local w
  for w in "$@"; do
    if [[ $w == (|*[^A-Za-z0-9_.-])(rm|pg_ctl|pg_ctlcluster|wal-g|pgbackrest|pg_basebackup|systemctl)(|[^A-Za-z0-9_.-]*) ]]; then
      return 0
    fi
  done
  return 1
}

# The state dir: SAFEOPS_STATE_DIR, else the first candidate with a `prompt` file (or none).
__safeops_find_dir() {
  emulate -L zsh
  local d
  __safeops_dir=''
  if [[ -n ${SAFEOPS_STATE_DIR:-} ]]; then
    __safeops_dir=$SAFEOPS_STATE_DIR
    return 0
  fi
  for d in "${__safeops_state_dirs[@]}"; do
    if [[ $d == '$XDG_RUNTIME_DIR/'* ]]; then
      [[ ${XDG_RUNTIME_DIR:-} == /* ]] || continue
      d=$XDG_RUNTIME_DIR/${d#'$XDG_RUNTIME_DIR/'}
    fi
    if [[ -f $d/prompt ]]; then
      __safeops_dir=$d
      return 0
    fi
  done
  return 0
}

# Parse and validate the prompt file (DEVELOPERS.md); status 0 only when valid and fresh.
# Sets __safeops_role, __safeops_label, __safeops_alerts, or __safeops_why when stale.
__safeops_read() {
  emulate -L zsh
  setopt extended_glob no_multibyte
  local f=$1 buf='' line hb='' role='' label='' now age
  local -a lines
  integer n=0 fin=0
  __safeops_alerts=()
  __safeops_why='watcher not running'
  [[ -f $f && -r $f ]] || return 1
  __safeops_why='unreadable state file'
  (( ${+builtins[sysread]} )) || return 1
  # One bounded read: 32 lines of 200 bytes fit in 6464 bytes; a bigger file is not ours.
  { sysread -s 8192 buf } 2>/dev/null <$f || return 1
  (( ${#buf} <= 6464 )) || return 1
  [[ $buf == ${~__safeops_bad_char} ]] && return 1
  lines=("${(@f)${buf%$'\n'}}")
  for line in "${lines[@]}"; do
    (( ++n ))
    (( n <= 32 && ${#line} <= 200 )) || return 1
    if (( n == 1 )); then
      [[ $line == 'safeops-prompt 1' ]] || return 1
      continue
    fi
    case $line in
      (end) fin=1; break ;;
      ('heartbeat '*)
        [[ -z $hb ]] || return 1
        hb=${line#heartbeat }
        [[ $hb == [0-9](#c1,12) ]] || return 1 ;;
      ('role '*)
        [[ -z $role ]] || return 1
        role=${line#role }
        [[ $role == (primary|unknown|recovering|standby|stopped|none) ]] || return 1 ;;
      ('label '*)
        [[ -z $label ]] || return 1
        label=${line#label } ;;
      ('alert '*)
        (( ${#__safeops_alerts} < 8 )) || return 1
        __safeops_alerts+=("${line#alert }") ;;
      (*) return 1 ;;
    esac
  done
  (( fin )) && [[ -n $hb && -n $role ]] || return 1
  now=${EPOCHSECONDS:-${(%):-%D{%s}}}
  [[ $now == [0-9]## ]] || return 1
  age=$(( now - 10#$hb ))
  if (( age > __safeops_stale_after )); then
    __safeops_why="watcher not running, last update ${age}s ago"
    return 1
  fi
  if (( -age > __safeops_stale_after )); then
    __safeops_why="heartbeat $((-age))s in the future: clock changed?"
    return 1
  fi
  __safeops_role=$role
  __safeops_label=$label
  return 0
}

# Per role: __safeops_bg (#rrggbb or empty) and __safeops_sgr (SGR parameters or empty).
__safeops_style() {
  case $1 in
    (primary) __safeops_bg=__SAFEOPS_BG_PRIMARY__ __safeops_sgr=__SAFEOPS_SGR_PRIMARY__ __safeops_word=PRIMARY ;;
    (standby) __safeops_bg=__SAFEOPS_BG_STANDBY__ __safeops_sgr=__SAFEOPS_SGR_STANDBY__ __safeops_word=standby ;;
    (recovering) __safeops_bg=__SAFEOPS_BG_RECOVERING__ __safeops_sgr=__SAFEOPS_SGR_RECOVERING__ __safeops_word=recovering ;;
    (stopped) __safeops_bg=__SAFEOPS_BG_STOPPED__ __safeops_sgr=__SAFEOPS_SGR_STOPPED__ __safeops_word=stopped ;;
    (none) __safeops_bg=__SAFEOPS_BG_NONE__ __safeops_sgr=__SAFEOPS_SGR_NONE__ __safeops_word='no clusters' ;;
    (unknown) __safeops_bg=__SAFEOPS_BG_UNKNOWN__ __safeops_sgr=__SAFEOPS_SGR_UNKNOWN__ __safeops_word=UNKNOWN ;;
    (*) __safeops_bg=__SAFEOPS_BG_STALE__ __safeops_sgr=__SAFEOPS_SGR_STALE__ __safeops_word=STALE ;;
  esac
}

# Recompute the segment and our PROMPT prefix; emit OSC 11 / OSC 2 when they changed.
__safeops_refresh() {
  emulate -L zsh
  setopt extended_glob
  local text a title mark='!' p
  __safeops_why='watcher not running'
  __safeops_alerts=()
  __safeops_find_dir
  if [[ -n $__safeops_dir ]] && __safeops_read "$__safeops_dir/prompt"; then
    __safeops_style $__safeops_role
    text=$__safeops_label
    # The role word is always there: colour is never the only signal.
    [[ ${(L)text} == *"${(L)__safeops_word}"* ]] || text="$__safeops_word${text:+ $text}"
  else
    __safeops_alerts=()
    __safeops_style stale
    text="STALE ($__safeops_why)"
  fi
  [[ ${LC_ALL:-${LC_CTYPE:-${LANG:-}}} == *(#i)utf(-|)8* ]] && mark='⚠'
  for a in "${__safeops_alerts[@]}"; do text+=" $mark $a"; done
  title="${HOST%%.*}: $text"
  # The file's charset has no `%`; double it anyway so prompt expansion can only print it.
  text=${text//\%/%%}
  if [[ $__safeops_esc == 1 && -n $__safeops_sgr ]]; then
    __safeops_segment="%{"$'\e['"${__safeops_sgr}m%} $text %{"$'\e[0m'"%} "
  else
    __safeops_segment="[$text] "
  fi
  # Our text leads PROMPT: take the previous one off (if still there), put the new one on.
  if [[ $__safeops_want_prompt == 1 ]]; then
    p=${PROMPT-}
    if [[ -n $__safeops_prefix && ${p[1,${#__safeops_prefix}]} == "$__safeops_prefix" ]]; then
      p=${p[${#__safeops_prefix}+1,-1]}
    fi
    __safeops_prefix=$__safeops_segment
    PROMPT=$__safeops_prefix$p
  fi
  [[ $__safeops_esc == 1 ]] || return 0
  # Inside GNU screen OSC 11 needs passthrough; the Linux console misreads it: leave them be.
  if [[ $__safeops_want_bg == 1 && -z ${STY:-} && ${TERM:-} != linux && ( -z ${TMUX:-} || $__safeops_want_tmux == 1 ) ]]; then
    if [[ $__safeops_bg != "$__safeops_last_bg" ]]; then
      if [[ -n $__safeops_bg ]]; then
        \builtin printf '\e]11;%s\a' "$__safeops_bg"
      else
        \builtin printf '\e]111\a'
      fi
      __safeops_last_bg=$__safeops_bg
    fi
  fi
  if [[ $__safeops_want_title == 1 && ${TERM:-} != linux ]]; then
    if [[ $title != "$__safeops_last_title" ]]; then
      \builtin printf '\e]2;%s\a' "$title"
      __safeops_last_title=$title
    fi
  fi
  return 0
}

# Register this shell for live recolouring (DEVELOPERS.md, `shells/`): the watcher sends
# SIGUSR1 when a role changes, and TRAPUSR1 redraws the prompt without a keypress.
__safeops_register() {
  emulate -L zsh
  setopt no_clobber
  local dir=$1 reg stat rest
  local -a fields
  reg=$dir/shells/$$
  [[ -f $reg && -O $reg && ! -L $reg ]] && return 0
  [[ -o interactive && -t 0 && -O /proc/$$/fd/0 ]] || return 0
  [[ -d $dir/shells && -w $dir/shells && -x $dir/shells ]] || return 0
  # Someone else's file (or a link) under our pid: leave it to the watcher, which deletes it.
  [[ -L $reg || -e $reg ]] && return 0
  IFS= read -r stat 2>/dev/null </proc/$$/stat || return 0
  # Field 22 (start time), counted after the last ')': comm may hold spaces and parentheses.
  rest=${stat##*\)}
  fields=(${=rest})
  [[ ${fields[20]:-} == <-> ]] || return 0
  # no_clobber opens with O_EXCL: never follows a planted link, never writes an existing file.
  if { \builtin print -r -- "safeops-shell 1"$'\n'"pid $$"$'\n'"start ${fields[20]}"$'\n'"shell zsh" >$reg } 2>/dev/null; then
    __safeops_reg=$reg
  fi
  return 0
}

# The prompt hook (precmd_functions): zsh keeps `$?` for the hooks and prompt after it.
__safeops_precmd() {
  __safeops_refresh
  [[ -n $__safeops_dir ]] && __safeops_register "$__safeops_dir"
  return 0
}

# On exit: give the terminal its own background back, and drop our registration.
__safeops_exit() {
  if [[ -n $__safeops_last_bg ]]; then \builtin printf '\e]111\a'; fi
  if [[ -n $__safeops_reg && -f $__safeops_reg && -O $__safeops_reg ]] && (( ${+builtins[zf_rm]} )); then
    zf_rm -f -- $__safeops_reg 2>/dev/null || :
  fi
  return 0
}

# SIGUSR1 from the watcher: re-read the state and redraw the prompt now. A non-zero status
# from a TRAP function means "interrupted" to zsh, hence the explicit `return 0`.
if (( ${+functions[TRAPUSR1]} )) && [[ ${functions[TRAPUSR1]} != *__safeops_refresh* ]]; then
  functions -c TRAPUSR1 __safeops_user_trapusr1
fi
TRAPUSR1() {
  __safeops_refresh
  if (( ${+functions[__safeops_user_trapusr1]} )); then __safeops_user_trapusr1 "$@" || :; fi
  if zle; then zle reset-prompt; fi
  return 0
}

# The hooks, added once (loading this twice changes nothing), whatever the user's options.
typeset -ga precmd_functions zshexit_functions
() {
  emulate -L zsh
  (( ${precmd_functions[(I)__safeops_precmd]} )) || precmd_functions+=(__safeops_precmd)
  (( ${zshexit_functions[(I)__safeops_exit]} )) || zshexit_functions+=(__safeops_exit)
  return 0
}

# >>> no watcher (docs/release.md) >>>
# Once, when the integration loads in an interactive shell: when no watcher publishes (no fresh
# `prompt` file where this shell looks), say how to start one; with SAFEOPS_START_WATCHER=1 set
# before the init line, start one instead (`safeops watch --daemon`: one per state dir, so shells
# starting together still make one). Builtins only, unless it starts the watcher.
__safeops_watcher_notice() {
  emulate -L zsh
  local d f hb='' now
  local -a dirs
  if [[ -n ${SAFEOPS_STATE_DIR:-} ]]; then dirs=($SAFEOPS_STATE_DIR); else dirs=($__safeops_state_dirs); fi
  for d in $dirs; do
    if [[ $d == '$XDG_RUNTIME_DIR/'* ]]; then
      [[ ${XDG_RUNTIME_DIR:-} == /* ]] || continue
      d=$XDG_RUNTIME_DIR/${d#'$XDG_RUNTIME_DIR/'}
    fi
    f=$d/prompt
    if [[ -f $f && -r $f ]] && { IFS= read -r hb && IFS= read -r hb } <$f 2>/dev/null; then
      hb=${hb#heartbeat }
      now=${EPOCHSECONDS:-${(%):-%D{%s}}}
      if [[ $hb == <-> && ${#hb} -le 12 && $now == <-> ]] && (( now - 10#$hb <= __safeops_stale_after )); then return 0; fi
    fi
  done
  if [[ ${SAFEOPS_START_WATCHER:-} == 1 ]]; then
    __SAFEOPS_BIN__ watch --daemon >&2 || :
  else
    print -ru2 -- 'safeops: no watcher is running, so the prompt shows STALE and roles are not live. Start one: sudo systemctl enable --now safeops (with systemd), or safeops watch --daemon (without). To have shells start it: export SAFEOPS_START_WATCHER=1 before the safeops init line.'
  fi
  return 0
}
if [[ -o interactive ]]; then __safeops_watcher_notice; fi
unfunction __safeops_watcher_notice
# <<< no watcher <<<

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
# sysopen/syswrite (a registration opened O_CREAT|O_EXCL|O_NOFOLLOW), zstat (owners): no fork.
zmodload -F zsh/system b:sysopen b:syswrite 2>/dev/null || :
zmodload -F zsh/stat b:zstat 2>/dev/null || :
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
    if [[ $w == (|*[^A-Za-z0-9_.-])(rm|pg_ctl|pg_ctlcluster|wal-g|pgbackrest|pg_basebackup|systemctl|mv|cp|rsync|find|truncate|shred|dd|pg_dropcluster|pg_resetwal|pg_rewind|pg_upgrade|kill|pkill|killall|psql|reboot|shutdown|poweroff|halt|umount|mkfs|mkfs.*|wipefs)(|[^A-Za-z0-9_.-]*) ]]; then
      return 0
    fi
  done
  return 1
}

# --- Routing (docs/shell-routing.md): prefix commands and the guarded tools of TOOLS.md. ---
# A prefix command (nice, env, xargs, ...) runs through `safeops exec` when one of its words
# names a guarded tool (also inside a `-c` string); otherwise the real one runs, and nothing
# here forks. `command rm` stays the way around the guard; `time` is a keyword that runs our
# functions itself (`time rm x` is guarded); `/usr/bin/time rm` is not (see the doc).
__safeops_via() {
  if [[ -n ${SAFEOPS_DISABLE:-} && ${SAFEOPS_DISABLE:-} != 0 ]]; then
    \command "$@"
    return
  fi
  if [[ ! -x __SAFEOPS_BIN__ ]]; then
    \builtin printf 'safeops: %s is missing, so %s did not run (the guard is not installed). To run it anyway: SAFEOPS_DISABLE=1 %s ...\n' __SAFEOPS_BIN__ "$1" "$1" >&2
    return 127
  fi
  __SAFEOPS_BIN__ exec -- "$@"
}
__safeops_route() {
  if __safeops_sudo_guarded "$@"; then __safeops_via "$@"; else \command "$@"; fi
}
function nice { __safeops_route nice "$@"; }
function ionice { __safeops_route ionice "$@"; }
function nohup { __safeops_route nohup "$@"; }
function timeout { __safeops_route timeout "$@"; }
function env { __safeops_route env "$@"; }
function setsid { __safeops_route setsid "$@"; }
function stdbuf { __safeops_route stdbuf "$@"; }
function chrt { __safeops_route chrt "$@"; }
function taskset { __safeops_route taskset "$@"; }
function runuser { __safeops_route runuser "$@"; }
function su { __safeops_route su "$@"; }
function doas { __safeops_route doas "$@"; }
function xargs { __safeops_route xargs "$@"; }
function flock { __safeops_route flock "$@"; }
function script { __safeops_route script "$@"; }
function busybox { __safeops_route busybox "$@"; }
function parallel { __safeops_route parallel "$@"; }
function watch { __safeops_route watch "$@"; }
# `exec` is a precommand modifier that a function must not replace (`exec {fd}>&-` in
# completion code would then be undone): an alias (interactive shells, code parsed after it)
# sends `exec CMD...` here. A guarded command runs as a child, so a refusal stays readable;
# redirections alone are refused with a hint. `\exec` and `builtin exec` bypass the alias.
__safeops_exec() {
  if (( $# == 0 )); then
    \builtin printf 'safeops: `exec` with only redirections cannot pass the safeops alias; type `\\exec ...` or `builtin exec ...`\n' >&2
    return 2
  fi
  if __safeops_sudo_guarded "$@"; then
    if [[ $1 == -* ]]; then
      \builtin printf 'safeops: `exec %s` with a guarded tool was not run: run the command without exec (or with `safeops exec`)\n' "$1" >&2
      return 2
    fi
    __safeops_via "$@"
    return
  fi
  builtin exec "$@"
}
# The guarded tools of TOOLS.md; a cheap pre-filter where most calls are harmless.
function mv { __safeops_guard mv "$@"; }
function cp { __safeops_guard cp "$@"; }
function rsync { __safeops_guard rsync "$@"; }
function truncate { __safeops_guard truncate "$@"; }
function shred { __safeops_guard shred "$@"; }
function pg_dropcluster { __safeops_guard pg_dropcluster "$@"; }
function pg_resetwal { __safeops_guard pg_resetwal "$@"; }
function pg_rewind { __safeops_guard pg_rewind "$@"; }
function pg_upgrade { __safeops_guard pg_upgrade "$@"; }
function pkill { __safeops_guard pkill "$@"; }
function killall { __safeops_guard killall "$@"; }
function reboot { __safeops_guard reboot "$@"; }
function shutdown { __safeops_guard shutdown "$@"; }
function poweroff { __safeops_guard poweroff "$@"; }
function halt { __safeops_guard halt "$@"; }
function umount { __safeops_guard umount "$@"; }
function mkfs { __safeops_guard mkfs "$@"; }
function wipefs { __safeops_guard wipefs "$@"; }
# mkfs.* found at `safeops init` (names checked by render.ts: mkfs. and [A-Za-z0-9_]).
() {
  local t
  for t in "$@"; do functions[$t]="__safeops_guard $t \"\$@\""; done
} __SAFEOPS_MKFS_TOOLS__
# find: only with an action that deletes or runs something.
function find {
  local a
  for a in "$@"; do
    case $a in (-delete|-exec|-execdir|-ok|-okdir) __safeops_guard find "$@"; return ;; esac
  done
  \command find "$@"
}
# dd: only with an output file.
function dd {
  local a
  for a in "$@"; do
    case $a in (of=*) __safeops_guard dd "$@"; return ;; esac
  done
  \command dd "$@"
}
# psql: only with "promote" in an argument or a script file (-f, --file); SQL typed at its
# prompt or read from stdin is not seen (docs/shell-routing.md).
function psql {
  local a
  for a in "$@"; do
    case ${(L)a} in (*promote*|-f*|-[^-]*f*|--file|--file=*) __safeops_guard psql "$@"; return ;; esac
  done
  \command psql "$@"
}
# kill: job specs (%N) and listing stay the builtin (job control); everything else is judged.
function kill {
  if __safeops_kill_is_builtin "$@"; then builtin kill "$@"; else __safeops_guard kill "$@"; fi
}
__safeops_kill_is_builtin() {
  emulate -L zsh
  local a
  integer sig=1
  while (( $# > 0 )); do
    a=$1
    shift
    if (( sig )); then
      case $a in
        (-l|-L) return 0 ;;
        (-s|-n) (( $# > 0 )) && shift; continue ;;
        (--) sig=0; continue ;;
        (-*) continue ;;
      esac
      sig=0
    fi
    [[ $a == %* ]] || return 1
  done
  return 0
}
# Last: the functions above were parsed before it.
alias exec=__safeops_exec
# --- end of routing ---

# The state dir: SAFEOPS_STATE_DIR, else the first candidate with a `prompt` file (or none).
__safeops_find_dir() {
  emulate -L zsh
  local d
  __safeops_dir=''
  if [[ -n ${SAFEOPS_STATE_DIR:-} ]]; then
    __safeops_dir_ok $SAFEOPS_STATE_DIR && __safeops_dir=$SAFEOPS_STATE_DIR
    return 0
  fi
  for d in "${__safeops_state_dirs[@]}"; do
    if [[ $d == '$XDG_RUNTIME_DIR/'* ]]; then
      # Never for root: after `su` without `-` XDG_RUNTIME_DIR is still the user's.
      [[ ${XDG_RUNTIME_DIR:-} == /* && $EUID != 0 ]] || continue
      d=$XDG_RUNTIME_DIR/${d#'$XDG_RUNTIME_DIR/'}
    fi
    if [[ -f $d/prompt ]] && __safeops_dir_ok $d; then
      __safeops_dir=$d
      return 0
    fi
  done
  return 0
}

# A state dir this shell may read (docs/shell-routing.md): a real directory owned by us or
# by root, as zstat (zsh/stat, no fork) reports; without zstat, owned by us.
__safeops_dir_ok() {
  emulate -L zsh
  local -A st
  if [[ ! -d $1 || -L $1 ]]; then
    __safeops_why='state dir is not a directory'
    return 1
  fi
  if (( ${+builtins[zstat]} )) && zstat -H st -L -- $1 2>/dev/null; then
    [[ $st[uid] == ($EUID|0) ]] && return 0
  elif [[ -O $1 ]]; then
    return 0
  fi
  __safeops_why='state dir not owned by you or root'
  return 1
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
  local dir=$1 reg stat rest
  local -a fields
  integer fd=-1 ok=1
  reg=$dir/shells/$$
  [[ -f $reg && -O $reg && ! -L $reg ]] && return 0
  [[ -o interactive && -t 0 && -O /proc/$$/fd/0 ]] || return 0
  # A real directory, never a link to one (we would create files where it points); its
  # owner is the state dir's (checked by __safeops_dir_ok), the only one who can create it.
  [[ -d $dir/shells && ! -L $dir/shells && -w $dir/shells && -x $dir/shells ]] || return 0
  (( ${+builtins[sysopen]} && ${+builtins[syswrite]} )) || return 0
  # Someone else's file (or a link) under our pid: leave it to the watcher, which deletes it.
  [[ -L $reg || -e $reg ]] && return 0
  IFS= read -r stat 2>/dev/null </proc/$$/stat || return 0
  # Field 22 (start time), counted after the last ')': comm may hold spaces and parentheses.
  rest=${stat##*\)}
  fields=(${=rest})
  [[ ${fields[20]:-} == <-> ]] || return 0
  # O_CREAT|O_EXCL|O_NOFOLLOW: a planted link, FIFO or device is never opened (no_clobber
  # would reopen a non-regular file), and nothing existing is written.
  sysopen -w -o creat,excl,nofollow,cloexec -m 644 -u fd $reg 2>/dev/null || return 0
  syswrite -o $fd "safeops-shell 1"$'\n'"pid $$"$'\n'"start ${fields[20]}"$'\n'"shell zsh"$'\n' 2>/dev/null && ok=0
  \exec {fd}>&-
  (( ok == 0 )) && __safeops_reg=$reg
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

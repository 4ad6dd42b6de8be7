# safeops: shell integration for zsh 5.8+ (rendered by `safeops init zsh`, src/shell/render.ts).
#
#   Load it from ~/.zshrc:    eval "$(safeops init zsh)"
#   Escape hatch:             SAFEOPS_DISABLE=1 rm ...   runs the real command, without safeops.
#   State dir:                $SAFEOPS_STATE_DIR, else the first candidate holding a `prompt` file.
#
# Names: the guarded commands and prefix commands (src/contract.ts), sudo, and __safeops_* for
# everything else. The prompt hook forks nothing: it reads the state
# file with sysread, never sources or evaluates it, and prints escapes with the print builtin.
# A role change redraws the prompt at once: the watcher sends SIGUSR1 to registered shells.

# Values baked in at render time: validated and quoted by render.ts, never taken from the file.
# Placeholders __SAFEOPS_*__ are filled from the options and from src/contract.ts, the one
# place the guarded tools, the roles and their words, and the prompt file's grammar are listed.
typeset -ga __safeops_state_dirs
__safeops_state_dirs=(__SAFEOPS_STATE_DIRS__)
# A candidate starting with this is under $XDG_RUNTIME_DIR, expanded at each prompt (never for root).
typeset -g __safeops_xdg=__SAFEOPS_XDG_PREFIX__
typeset -gi __safeops_stale_after=__SAFEOPS_STALE_AFTER__
typeset -g __safeops_want_prompt=__SAFEOPS_PROMPT__
typeset -g __safeops_want_bg=__SAFEOPS_BACKGROUND__
typeset -g __safeops_want_title=__SAFEOPS_TITLE__
typeset -g __safeops_want_tmux=__SAFEOPS_TMUX__
typeset -g __safeops_want_color=__SAFEOPS_COLOR__
# A bad byte in the state file: anything outside the label charset (printable ASCII subset)
# and the newlines between lines; bytes listed, not ranges.
typeset -g __safeops_bad_char=__SAFEOPS_PROMPT_BAD_GLOB__
# The prompt file's limits: bytes (the file is smaller), lines (`end` included), bytes a line,
# alert lines, heartbeat digits.
typeset -gi __safeops_p_bytes=__SAFEOPS_PROMPT_BYTES_MAX__ __safeops_p_lines=__SAFEOPS_PROMPT_LINES_MAX__
typeset -gi __safeops_p_line=__SAFEOPS_PROMPT_LINE_MAX__ __safeops_p_alerts_max=__SAFEOPS_PROMPT_ALERTS_MAX__
typeset -gi __safeops_p_hb_digits=__SAFEOPS_HEARTBEAT_DIGITS_MAX__
# A guarded tool's name as a word of its own (a basename, or inside an `sh -c` string): a pattern.
typeset -g __safeops_guarded_glob=__SAFEOPS_GUARDED_GLOB__

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

# >>> safeops fast path (helper S1; docs/fast-path.md) >>>
# A harmless `rm` runs without Node: when the watcher's `footprint` file is fresh (heartbeat at
# most __safeops_fp_max_age s old) and trusted (a regular file, not a link, owned by us, in a
# directory owned by us), every flag is one the shell can read, and every target resolves with
# builtins (no symlink on the way, the working directory is what $PWD says) to a path that is
# not inside, equal to or above a published path (by string and by identity, -ef), and not in
# or below a directory holding PG_VERSION. Anything else goes to the Node guard as before.
# What the shell may decide, per tool (a table; only rm so far, other tools always go to Node):
#   rm   short flags f i I v d, the long ones in __safeops_fp_rm_flag, `--`; a recursive rm (-r -R --recursive) goes to Node.
typeset -g __safeops_fp_max_age=3 __safeops_fp_max_targets=256
typeset -g __safeops_fp_bad='*[^ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._,:/@+=~ '$'\n''-]*'
typeset -g __safeops_fp_cache='' __safeops_fp_rec=0 __safeops_fp_rc=0
typeset -ga __safeops_fp_paths __safeops_fp_above __safeops_fp_conf __safeops_fp_roots

# 0 for a long rm flag the fast path understands (exact spellings: abbreviations go to Node).
__safeops_fp_rm_flag() {
  case $1 in
    (--force|--verbose|--dir|--recursive|--interactive|--interactive=never|--interactive=no|--interactive=none|--interactive=once|--interactive=always|--interactive=yes) return 0 ;;
  esac
  return 1
}

# Read the footprint in state dir $1; status 0 only when fresh, trusted and valid.
__safeops_fp_load() {
  emulate -L zsh
  setopt extended_glob no_multibyte
  local dir=$1 f buf='' body hb now age line
  local -a lines paths above conf roots
  integer fin=0 rec=0
  f=$dir/footprint
  [[ -n $dir && -d $dir && ! -L $dir && -O $dir && -f $f && ! -L $f && -O $f && -r $f ]] || return 1
  (( ${+builtins[sysread]} )) || return 1
  { sysread -s 60001 buf } 2>/dev/null <$f || return 1
  (( ${#buf} <= 60000 )) || return 1
  [[ $buf == 'safeops-footprint 1'$'\n''heartbeat '* ]] || return 1
  body=${buf#*$'\n'heartbeat }
  hb=${body%%$'\n'*}
  body=${body#*$'\n'}
  [[ $hb == [0-9](#c1,12) ]] || return 1
  now=${EPOCHSECONDS:-${(%):-%D{%s}}}
  [[ $now == [0-9]## ]] || return 1
  age=$(( now - 10#$hb ))
  (( age <= __safeops_fp_max_age && age >= -1 )) || return 1
  [[ -n $body && $body == $__safeops_fp_cache ]] && return 0
  __safeops_fp_cache=''
  [[ $body == ${~__safeops_fp_bad} ]] && return 1
  [[ $body == *$'\n' ]] || return 1
  lines=("${(@f)${body%$'\n'}}")
  for line in "${lines[@]}"; do
    (( fin )) && return 1 # something after `end`
    case $line in
      ('generation '[0-9a-z]*) ;;
      ('recursive on') rec=1 ;;
      ('mounts '[0-9a-z]*) ;; # for the Node guard (docs/fast-path.md)
      ('recursive off') rec=0 ;;
      ('config /'*) conf+=("${line#config }") ;;
      ('path /'*) paths+=("${line#path }") ;;
      ('above /'*) above+=("${line#above }") ;;
      ('root /'*) roots+=("${line#root }") ;;
      (end) fin=1 ;;
      (*) return 1 ;; # `off REASON` included: the watcher is not sure, so neither are we
    esac
  done
  (( fin )) || return 1
  __safeops_fp_rec=$rec
  __safeops_fp_paths=("${paths[@]}") __safeops_fp_above=("${above[@]}") __safeops_fp_conf=("${conf[@]}") __safeops_fp_roots=("${roots[@]}")
  __safeops_fp_cache=$body
  return 0
}

# 0 when the config files the Node guard would read are the ones the watcher read (a user's
# own config may protect more).
__safeops_fp_conf_ok() {
  emulate -L zsh
  local c
  if [[ -n ${SAFEOPS_CONFIG:-} ]]; then
    (( ${__safeops_fp_conf[(Ie)$SAFEOPS_CONFIG]} )) && return 0
    return 1
  fi
  for c in /etc/safeops/config.json "${XDG_CONFIG_HOME:-${HOME:+$HOME/.config}}/safeops/config.json"; do
    [[ $c == /safeops/config.json ]] && continue # neither XDG_CONFIG_HOME nor HOME: no user file
    [[ -e $c || -L $c ]] || continue
    (( ${__safeops_fp_conf[(Ie)$c]} )) || return 1
  done
  return 0
}

# 0 when rm's operand $1 is surely outside every published place ($2: 1 for a recursive rm).
__safeops_fp_target() {
  emulate -L zsh
  local w=$1 rec=$2 abs base rest part cur='' t c p
  [[ -n $w ]] || return 1
  if [[ $w == /* ]]; then
    abs=$w
  else
    # The kernel resolves from the real working directory: it must be the one $PWD names.
    [[ $PWD == /* && . -ef $PWD ]] || return 1
    abs=$PWD/$w
  fi
  while [[ $abs == */ && $abs != / ]]; do abs=${abs%/}; done
  base=${abs##*/}
  [[ -z $base || $base == . || $base == .. ]] && return 1
  rest=${abs%/*}
  # Every directory on the way: a real directory, no symlink; `..` of one is its parent.
  while [[ -n $rest ]]; do
    part=${rest%%/*}
    if [[ $part == $rest ]]; then rest=''; else rest=${rest#*/}; fi
    case $part in
      (''|.) continue ;;
      (..) cur=${cur%/*}; continue ;;
    esac
    cur+=/$part
    [[ ! -L $cur && -d $cur ]] || return 1
  done
  t=$cur/$base
  [[ -L $t ]] && return 1
  for p in "${__safeops_fp_paths[@]}"; do
    [[ $p == / || $t == $p || $t == ${p}/* || $p == ${t}/* ]] && return 1
  done
  # Recursive, in or above a discovery root: a cluster made there since the last publish.
  if [[ $rec == 1 ]]; then
    for p in "${__safeops_fp_roots[@]}"; do
      [[ $p == / || $t == $p || $t == ${p}/* || $p == ${t}/* ]] && return 1
    done
  fi
  # A directory that is an ancestor of a published path under another name (bind mount).
  if [[ -d $t ]]; then
    for p in "${__safeops_fp_above[@]}"; do [[ $t -ef $p ]] && return 1; done
  fi
  # The target and its ancestors: no cluster (as the Node guard finds one), no published place
  # under another name (a bind mount made after the last publish, a hard link).
  c=$t
  while [[ -n $c ]]; do
    [[ -e $c/PG_VERSION ]] && return 1
    for p in "${__safeops_fp_paths[@]}"; do [[ $c -ef $p ]] && return 1; done
    c=${c%/*}
  done
  [[ -e /PG_VERSION ]] && return 1
  return 0
}

# "$@" = rm ARGS. Status 0 when it ran rm itself (its status in __safeops_fp_rc), else 1: the
# caller goes to the Node guard.
__safeops_fast() {
  emulate -L zsh
  local a w
  integer opts=1 rec=0
  local -a targets
  [[ $1 == rm && -z ${POSIXLY_CORRECT+x} ]] || return 1
  shift
  for a in "$@"; do
    if (( opts )) && [[ $a == -?* ]]; then
      if [[ $a == -- ]]; then
        opts=0
      elif [[ $a == --* ]]; then
        __safeops_fp_rm_flag "$a" || return 1
        [[ $a == --recursive ]] && rec=1
      else
        [[ ${a:1} == *[^fiIvrRd]* ]] && return 1
        [[ $a == *[rR]* ]] && rec=1
      fi
    else
      targets+=("$a")
    fi
  done
  (( ${#targets} > 0 && ${#targets} <= __safeops_fp_max_targets )) || return 1
  __safeops_find_dir
  __safeops_fp_load "$__safeops_dir" || return 1
  # A recursive rm goes to Node: the guard asks when another user could swap a directory on its
  # walk for a link to a data dir (docs/races.md), and no builtin reads a directory's mode.
  (( rec == 0 )) || return 1
  __safeops_fp_conf_ok || return 1
  for w in "${targets[@]}"; do __safeops_fp_target "$w" $rec || return 1; done
  if [[ -n ${SAFEOPS_FASTPATH_TRACE:-} ]]; then \builtin printf 'fast rm %s\n' "$#" >>"$SAFEOPS_FASTPATH_TRACE"; fi
  \command rm "$@"
  __safeops_fp_rc=$?
  return 0
}
# <<< safeops fast path <<<

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
  if [[ $1 == rm ]] && __safeops_fast "$@"; then return $__safeops_fp_rc; fi # fast path (S1)
  __SAFEOPS_BIN__ "$@"
}

# The guarded tools without a pre-filter of their own (src/contract.ts SHELL_PLAIN_TOOLS), each
# a function that hands its command line to safeops: `function rm { __safeops_guard rm "$@"; }`.
# The names are plain command names (checked by render.ts: [a-z0-9_-]).
() {
  local t
  for t in "$@"; do functions[$t]="__safeops_guard $t \"\$@\""; done
} __SAFEOPS_PLAIN_TOOLS__

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
    if [[ $w == ${~__safeops_guarded_glob} ]]; then
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
# The prefix commands (src/contract.ts SHELL_PREFIX_COMMANDS): `function nice { __safeops_route nice "$@"; }`.
() {
  local t
  for t in "$@"; do functions[$t]="__safeops_route $t \"\$@\""; done
} __SAFEOPS_PREFIX_COMMANDS__
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
# The guarded tools with a cheap pre-filter where most calls are harmless (src/contract.ts
# SHELL_PREFILTERED_TOOLS); the others are defined above.
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
    if [[ $d == "$__safeops_xdg"* ]]; then
      # Never for root: after `su` without `-` XDG_RUNTIME_DIR is still the user's.
      [[ ${XDG_RUNTIME_DIR:-} == /* && $EUID != 0 ]] || continue
      d=$XDG_RUNTIME_DIR/${d#"$__safeops_xdg"}
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
  # One bounded read: a file of __safeops_p_bytes bytes or more is not ours.
  { sysread -s $__safeops_p_bytes buf } 2>/dev/null <$f || return 1
  (( ${#buf} < __safeops_p_bytes )) || return 1
  [[ $buf == ${~__safeops_bad_char} ]] && return 1
  lines=("${(@f)${buf%$'\n'}}")
  for line in "${lines[@]}"; do
    (( ++n ))
    (( n <= __safeops_p_lines && ${#line} <= __safeops_p_line )) || return 1
    if (( n == 1 )); then
      [[ $line == __SAFEOPS_PROMPT_FIRST_LINE__ ]] || return 1
      continue
    fi
    # The heartbeat is the second line, and only there.
    if (( n == 2 )); then
      [[ $line == 'heartbeat '* ]] || return 1
      hb=${line#heartbeat }
      [[ $hb == [0-9]## && ${#hb} -le __safeops_p_hb_digits ]] || return 1
      continue
    fi
    case $line in
      (end) fin=1; break ;;
      ('role '*)
        [[ -z $role ]] || return 1
        role=${line#role }
        [[ $role == (__SAFEOPS_ROLES_ALT__) ]] || return 1 ;;
      ('label '*)
        [[ -z $label ]] || return 1
        label=${line#label } ;;
      ('alert '*)
        (( ${#__safeops_alerts} < __safeops_p_alerts_max )) || return 1
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
    (primary) __safeops_bg=__SAFEOPS_BG_PRIMARY__ __safeops_sgr=__SAFEOPS_SGR_PRIMARY__ __safeops_word=__SAFEOPS_WORD_PRIMARY__ ;;
    (standby) __safeops_bg=__SAFEOPS_BG_STANDBY__ __safeops_sgr=__SAFEOPS_SGR_STANDBY__ __safeops_word=__SAFEOPS_WORD_STANDBY__ ;;
    (recovering) __safeops_bg=__SAFEOPS_BG_RECOVERING__ __safeops_sgr=__SAFEOPS_SGR_RECOVERING__ __safeops_word=__SAFEOPS_WORD_RECOVERING__ ;;
    (stopped) __safeops_bg=__SAFEOPS_BG_STOPPED__ __safeops_sgr=__SAFEOPS_SGR_STOPPED__ __safeops_word=__SAFEOPS_WORD_STOPPED__ ;;
    (none) __safeops_bg=__SAFEOPS_BG_NONE__ __safeops_sgr=__SAFEOPS_SGR_NONE__ __safeops_word=__SAFEOPS_WORD_NONE__ ;;
    (unknown) __safeops_bg=__SAFEOPS_BG_UNKNOWN__ __safeops_sgr=__SAFEOPS_SGR_UNKNOWN__ __safeops_word=__SAFEOPS_WORD_UNKNOWN__ ;;
    (*) __safeops_bg=__SAFEOPS_BG_STALE__ __safeops_sgr=__SAFEOPS_SGR_STALE__ __safeops_word=__SAFEOPS_WORD_STALE__ ;;
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
    if [[ $d == "$__safeops_xdg"* ]]; then
      [[ ${XDG_RUNTIME_DIR:-} == /* ]] || continue
      d=$XDG_RUNTIME_DIR/${d#"$__safeops_xdg"}
    fi
    f=$d/prompt
    if [[ -f $f && -r $f ]] && { IFS= read -r hb && IFS= read -r hb } <$f 2>/dev/null; then
      hb=${hb#heartbeat }
      now=${EPOCHSECONDS:-${(%):-%D{%s}}}
      if [[ $hb == <-> && ${#hb} -le __safeops_p_hb_digits && $now == <-> ]] && (( now - 10#$hb <= __safeops_stale_after )); then return 0; fi
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

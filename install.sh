#!/usr/bin/env bash
# install.sh: install safeops on this host from this checkout (docs/design.md §5) or from a release
# tarball (npm run release: no Node, no npm, no network), or --uninstall it.
#
# What goes where (PREFIX defaults to /usr/local):
#   PREFIX/lib/safeops/                      the built dist/ (self-contained: no node_modules)
#   PREFIX/bin/safeops                       symlink to PREFIX/lib/safeops/safeops.cjs
#   PREFIX/lib/systemd/user/safeops.service  the user unit (`systemctl --user enable --now safeops`;
#                                            PREFIX/share/systemd/user for a prefix like ~/.local)
#   /etc/systemd/system/safeops.service      the system unit: only for PREFIX /usr/local or /usr,
#                                            or under --systemd-dir DIR
#   PREFIX/share/bash-completion/completions/safeops, PREFIX/share/zsh/site-functions/_safeops,
#   PREFIX/share/fish/vendor_completions.d/safeops.fish
#   PREFIX/lib/safeops/install-manifest      every path this script created (for --uninstall)
#
# Idempotent: files are compared before they are copied, so a second run changes nothing.
# --uninstall removes what the manifest names (rc blocks included, units disabled first) and
# nothing else: a directory that existed before the install stays.
set -euo pipefail

readonly MIN_NODE=20.19.0
readonly BLOCK_BEGIN='# >>> safeops >>>'
readonly BLOCK_END='# <<< safeops <<<'

usage() {
  cat <<'EOF'
Usage: ./install.sh [options]          (from a release tarball, or from a safeops checkout)

From a release tarball (safeops-VERSION-linux-ARCH.tar.gz: it has a RELEASE file): installs the
single executable as PREFIX/bin/safeops, the systemd units, the bash/zsh/fish completions, the
man page and (as root, when absent) /etc/safeops/config.json. No Node.js, npm or network needed.
From a checkout: checks Node.js (>= 20.19) and npm, runs `npm ci` and `npm run build`, copies
dist/ to PREFIX/lib/safeops, links PREFIX/bin/safeops, and installs the same units and
completions. Either way it says how to load the shell integration. Running it again changes
nothing; --uninstall removes everything it added.

The watcher: as root where systemd runs, the system unit is enabled and started (as the .deb
package does). Where systemd does not run, nothing is started unless --enable-service is given
(then `safeops watch --daemon`); otherwise the integrated shell says how to start one.

Options:
  --prefix DIR        install under DIR (default /usr/local; e.g. --prefix ~/.local, no root needed)
  --systemd-dir DIR   install the system unit into DIR (default /etc/systemd/system, and only
                      when PREFIX is /usr/local or /usr)
  --enable-service    start the watcher now: as root without systemd, `safeops watch --daemon`;
                      as another user, the user unit (systemctl --user enable --now), else
                      `safeops watch --daemon --user`. (As root where systemd runs, the system
                      unit is enabled and started with or without this option.)
  --shell-rc          add the shell integration to your ~/.bashrc, ~/.zshrc and
                      ~/.config/fish/config.fish (between "# >>> safeops >>>" markers; for each
                      shell whose rc exists or which is installed; through sudo: $SUDO_USER's)
  --no-build          install the existing dist/ (no npm ci, no build; a release needs none)
  --uninstall         remove everything the install added (give the same --prefix; the list is
                      PREFIX/lib/safeops/install-manifest)
  -h, --help          this help
EOF
}

die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}
say() { printf '%s\n' "$*"; }

# ---------- options ----------

prefix=/usr/local
systemd_dir=''
enable_service=0
shell_rc=0
build=1
uninstall=0
while (($# > 0)); do
  case $1 in
    --prefix) (($# >= 2)) || die '--prefix needs a directory'; prefix=$2; shift ;;
    --prefix=*) prefix=${1#--prefix=} ;;
    --systemd-dir) (($# >= 2)) || die '--systemd-dir needs a directory'; systemd_dir=$2; shift ;;
    --systemd-dir=*) systemd_dir=${1#--systemd-dir=} ;;
    --enable-service) enable_service=1 ;;
    --shell-rc) shell_rc=1 ;;
    --no-build) build=0 ;;
    --uninstall) uninstall=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see ./install.sh --help)" ;;
  esac
  shift
done

# Absolute, no trailing slash; only characters that need no quoting anywhere we write paths.
abs_dir() {
  local d=$1
  [[ $d == /* ]] || d=$PWD/$d
  while [[ $d == */ && $d != / ]]; do d=${d%/}; done
  [[ $d =~ ^[A-Za-z0-9._/+@:,-]+$ ]] || die "$1: use a path made of letters, digits and ._/+@:,- (no spaces or quotes)"
  printf '%s' "$d"
}
prefix=$(abs_dir "$prefix")
[[ -n $systemd_dir ]] && systemd_dir=$(abs_dir "$systemd_dir")

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A release tarball: the single executable beside this script, and a RELEASE file.
release=0
if [[ -f $src/RELEASE && -f $src/safeops && -x $src/safeops ]]; then release=1; build=0; fi
libdir=$prefix/lib/safeops
bin=$prefix/bin/safeops
manifest=$libdir/install-manifest
# Where `systemctl --user` looks: PREFIX/lib/systemd/user for /usr and /usr/local, else (a
# per-user prefix like ~/.local) PREFIX/share/systemd/user, which is $XDG_DATA_HOME/systemd/user.
if [[ $prefix == /usr/local || $prefix == /usr ]]; then
  user_unit=$prefix/lib/systemd/user/safeops.service
else
  user_unit=$prefix/share/systemd/user/safeops.service
fi
system_unit=''
if [[ -n $systemd_dir ]]; then
  system_unit=$systemd_dir/safeops.service
elif [[ $prefix == /usr/local || $prefix == /usr ]]; then
  system_unit=/etc/systemd/system/safeops.service
fi
systemd_runs=0
[[ -d /run/systemd/system ]] && systemd_runs=1

# The user whose rc files --shell-rc edits: the one who ran sudo, else ourselves.
rc_user=$(id -un)
rc_home=${HOME:-}
if [[ $(id -u) == 0 && -n ${SUDO_USER:-} && ${SUDO_USER} != root ]]; then
  rc_user=$SUDO_USER
  rc_home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
fi

# ---------- the manifest: one "KIND PATH" per line, in creation order ----------
# dir: a directory we created; file, link: files we wrote; rc: an rc file we added a block to;
# rcfile: an rc file that did not exist before we added the block; rcnonl: an rc file whose
# last line had no newline before we added the block.

entries=()
load_manifest() {
  local line
  [[ -f $manifest ]] || return 0
  while IFS= read -r line; do
    [[ -n $line && $line != '#'* ]] && entries+=("$line")
  done <"$manifest"
}
remember() {
  local e
  for e in "${entries[@]}"; do [[ $e == "$1 $2" ]] && return 0; done
  entries+=("$1 $2")
}
in_manifest() {
  local e
  for e in "${entries[@]}"; do [[ $e == "$1 $2" ]] && return 0; done
  return 1
}
forget() {
  local e keep=()
  for e in "${entries[@]}"; do [[ $e == "$1 $2" ]] || keep+=("$e"); done
  entries=("${keep[@]}")
}

# mkdir -p, remembering each level it creates.
ensure_dir() {
  local d=$1 missing=() m
  while [[ ! -d $d ]]; do
    missing=("$d" "${missing[@]}")
    d=$(dirname "$d")
  done
  for m in "${missing[@]}"; do
    mkdir -m 0755 "$m"
    remember dir "$m"
  done
}

changed=0
# Copy SRC to DST with MODE unless DST already has that content and mode (so mtimes stay).
put_file() {
  local from=$1 to=$2 mode=$3
  ensure_dir "$(dirname "$to")"
  if [[ -f $to && ! -L $to ]] && cmp -s "$from" "$to" && [[ $(stat -c %a "$to") == "$mode" ]]; then
    # Ours if it is in our lib dir; an identical file elsewhere that we did not write stays someone else's.
    if [[ $to == "$libdir"/* ]]; then remember file "$to"; fi
    return 0
  fi
  local tmp
  tmp=$(mktemp "$(dirname "$to")/.safeops-install.XXXXXX")
  if ! cat "$from" >"$tmp" || ! chmod "$mode" "$tmp" || ! mv -f "$tmp" "$to"; then
    rm -f "$tmp"
    die "could not install $to from $from"
  fi
  remember file "$to"
  changed=1
}

# Write TEXT to DST (same rules as put_file).
put_text() {
  local text=$1 to=$2 mode=$3 tmp
  tmp=$(mktemp)
  printf '%s' "$text" >"$tmp"
  put_file "$tmp" "$to" "$mode"
  rm -f "$tmp"
}

put_link() {
  local target=$1 link=$2
  ensure_dir "$(dirname "$link")"
  if [[ -L $link && $(readlink "$link") == "$target" ]]; then
    return 0
  fi
  if [[ -e $link || -L $link ]]; then
    say "replacing $link (it was $(if [[ -L $link ]]; then printf 'a link to %s' "$(readlink "$link")"; else printf 'a file'; fi))"
  fi
  ln -sfn "$target" "$link"
  remember link "$link"
  changed=1
}

write_manifest() {
  local text
  remember file "$manifest"
  text=$(printf '# safeops install manifest: what install.sh created (read by install.sh --uninstall)\n'; printf '%s\n' "${entries[@]}")
  put_text "$text"$'\n' "$manifest" 644
}

# The rc file of each shell, for rc_home.
rc_file() {
  case $1 in
    bash) printf '%s/.bashrc' "$rc_home" ;;
    zsh) printf '%s/.zshrc' "$rc_home" ;;
    fish) printf '%s/.config/fish/config.fish' "$rc_home" ;;
  esac
}

# The block for one shell; it calls the installed bin by its absolute path (PREFIX/bin may not
# be on PATH) and does nothing once safeops is gone.
rc_block() {
  printf '%s\n' "$BLOCK_BEGIN"
  printf '# safeops shell integration, added by install.sh (removed by install.sh --uninstall)\n'
  # shellcheck disable=SC2016 # written to the rc file, expanded there
  case $1 in
    bash | zsh) printf 'if [ -x %s ]; then eval "$(%s init %s)"; fi\n' "$bin" "$bin" "$1" ;;
    fish) printf 'if test -x %s; %s init fish | source; end\n' "$bin" "$bin" ;;
  esac
  printf '%s\n' "$BLOCK_END"
}

# The file's lines outside our block.
without_block() {
  awk -v b="$BLOCK_BEGIN" -v e="$BLOCK_END" '$0 == b { skip = 1; next } skip && $0 == e { skip = 0; next } !skip' "$1"
}

# Replace FILE's content, keeping its inode, owner and mode (it is someone's rc file).
rewrite_keep_owner() {
  local file=$1 tmp=$2
  cmp -s "$tmp" "$file" || cat "$tmp" >"$file"
}

# ---------- uninstall ----------

if ((uninstall)); then
  [[ -f $manifest ]] || die "nothing to uninstall under $prefix: no $manifest"
  [[ -w $libdir ]] || die "cannot write to $libdir: run with sudo, or with the --prefix it was installed with"
  load_manifest
  # A watcher started with `safeops watch --daemon` (hosts without systemd): stopped while the
  # binary is still there.
  # Only one that runs this install's safeops (another install's watcher is not ours to stop).
  if [[ -x $bin ]]; then
    if [[ $(id -u) == 0 ]]; then state_dir=${SAFEOPS_STATE_DIR:-/run/safeops}; else state_dir=${SAFEOPS_STATE_DIR:-${XDG_RUNTIME_DIR:-/nonexistent}/safeops}; fi
    pid=$(sed -n 's/^pid \([0-9][0-9]*\)$/\1/p' "$state_dir/watch.pid" 2>/dev/null || true)
    if [[ -n $pid ]]; then
      exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
      cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
      if [[ ${exe% (deleted)} == "$(readlink -f "$bin")" || $cmd == *" $libdir/safeops.cjs "* ]]; then
        "$bin" watch --stop --state-dir "$state_dir" || true
      fi
    fi
  fi
  # Units first: stop and disable them while their files still exist.
  for e in "${entries[@]}"; do
    path=${e#* }
    [[ ${e%% *} == file && $path == */safeops.service ]] || continue
    if [[ $path == "$user_unit" ]]; then
      if [[ $(id -u) != 0 ]] && systemctl --user is-enabled safeops.service >/dev/null 2>&1; then
        systemctl --user disable --now safeops.service || say "could not disable the user unit: systemctl --user disable --now safeops.service"
      fi
    elif ((systemd_runs)) && systemctl is-enabled safeops.service >/dev/null 2>&1; then
      systemctl disable --now safeops.service || say "could not disable the system unit: systemctl disable --now safeops.service"
    fi
  done
  # Enablement links (`systemctl enable` made them; so may an administrator by hand, or systemd
  # while it ran): removed even where systemd does not run now, for the units we installed.
  for e in "${entries[@]}"; do
    path=${e#* }
    [[ ${e%% *} == file && $path == */safeops.service ]] || continue
    if [[ $path == "$user_unit" ]]; then link_dirs=("$rc_home"/.config/systemd/user/*.wants); else link_dirs=(/etc/systemd/system/*.wants); fi
    for d in "${link_dirs[@]}"; do
      l=$d/safeops.service
      if [[ -L $l ]] && [[ $(readlink "$l") == "$path" || $(readlink -f "$l") == "$(readlink -f "$path")" || ! -e $l ]]; then
        rm -f "$l"
        say "removed the unit link $l"
      fi
    done
  done
  for ((i = ${#entries[@]} - 1; i >= 0; i--)); do
    kind=${entries[i]%% *}
    path=${entries[i]#* }
    case $kind in
      conf)
        # The configuration stays when it was changed after the install.
        if [[ -f $path ]] && [[ $(cat "$path") == '{}' ]]; then rm -f "$path"; elif [[ -f $path ]]; then say "kept $path: it was changed after the install"; fi ;;
      rc)
        if [[ -f $path ]] && grep -qxF "$BLOCK_BEGIN" "$path"; then
          tmp=$(mktemp)
          without_block "$path" >"$tmp"
          if in_manifest rcnonl "$path" && [[ -s $tmp && $(tail -c1 "$tmp") == '' ]]; then truncate -s -1 "$tmp"; fi
          rewrite_keep_owner "$path" "$tmp"
          rm -f "$tmp"
          say "removed the safeops block from $path"
        fi ;;
      rcfile) if [[ -f $path && ! -s $path ]]; then rm -f "$path"; fi ;;
      file | link) rm -f "$path" ;;
      dir) rmdir "$path" 2>/dev/null || say "kept $path: it is not empty" ;;
    esac
  done
  if ((systemd_runs)) && [[ $(id -u) == 0 ]]; then systemctl daemon-reload || true; fi
  say "safeops uninstalled from $prefix"
  exit 0
fi

# ---------- checks ----------

if ((release)); then
  node=''
else
node_fix="install Node.js $MIN_NODE or newer (Debian 13 / Ubuntu 24.04: apt install nodejs npm; older releases: the NodeSource packages or nvm), make sure \`node\` on PATH is that one, and run install.sh again"
node=$(command -v node || true)
[[ -n $node ]] || die "Node.js is not installed (no \`node\` on PATH): $node_fix"
node_version=$("$node" --version 2>/dev/null || true)
[[ $node_version =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+) ]] || die "cannot tell the version of $node (\`node --version\` printed \"$node_version\"): $node_fix"
IFS=. read -r want_major want_minor _ <<<"$MIN_NODE"
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
if ((major < want_major || (major == want_major && minor < want_minor))); then
  die "Node.js $node_version at $node is too old: safeops needs $MIN_NODE or newer. To fix: $node_fix"
fi
fi
if ((build)); then
  command -v npm >/dev/null || die "npm is not installed (no \`npm\` on PATH): install it (apt install npm), or build elsewhere and use --no-build"
fi

# Writable: the prefix (or the nearest existing parent of it) and the parts of it we use.
nearest_existing() {
  local d=$1
  while [[ ! -e $d ]]; do d=$(dirname "$d"); done
  printf '%s' "$d"
}
for d in "$prefix" "$prefix/bin" "$prefix/lib" "$prefix/share" ${system_unit:+"$(dirname "$system_unit")"}; do
  e=$(nearest_existing "$d")
  [[ -w $e ]] || die "no permission to write to $e (installing under $prefix): run with sudo, or --prefix ~/.local"
done

# ---------- build ----------

cd "$src"
((release)) || [[ -f package.json && -f scripts/build.mjs ]] || die "$src is neither a release tarball (RELEASE, safeops) nor a safeops checkout (package.json, scripts/build.mjs)"
if ((build)); then
  # From sudo in someone's checkout: build as its owner, so node_modules/ and dist/ stay theirs.
  as_owner=()
  owner=$(stat -c %U "$src")
  if [[ $(id -u) == 0 && $owner != root && $owner != UNKNOWN ]]; then as_owner=(runuser -u "$owner" -- env "PATH=$PATH"); fi
  say "npm ci (downloads the npm packages in package-lock.json)"
  "${as_owner[@]}" npm ci --include=dev --no-audit --no-fund
  say 'npm run build'
  "${as_owner[@]}" npm run build
fi
((release)) || [[ -f dist/safeops.cjs && -f dist/core.cjs && -f dist/completions/safeops.bash ]] || die "$src/dist is not built: run npm run build (or drop --no-build)"

# ---------- files ----------

load_manifest
ensure_dir "$libdir"

# dist/ -> PREFIX/lib/safeops. core.v8cache is made in place below, not copied; meta.json is
# build analysis only. Files an earlier install put there that this dist lacks are removed.
core_changed=0
dist_files=()
while IFS= read -r -d '' f; do
  rel=${f#dist/}
  [[ $rel == meta.json || $rel == core.v8cache || $rel == *.tmp ]] && continue
  dist_files+=("$libdir/$rel")
  mode=644
  [[ $rel == safeops.cjs ]] && mode=755
  changed=0
  put_file "$f" "$libdir/$rel" "$mode"
  ((changed)) && [[ $rel == core.cjs || $rel == safeops.cjs ]] && core_changed=1
done < <(if ((release)); then :; else find dist -type f -print0 | sort -z; fi)
for e in "${entries[@]}"; do
  [[ ${e%% *} == file ]] || continue
  path=${e#* }
  [[ $path == "$libdir"/* && $path != "$manifest" && $path != "$libdir/core.v8cache" ]] || continue
  in_dist=0
  for f in "${dist_files[@]}"; do [[ $f == "$path" ]] && in_dist=1 && break; done
  if ((!in_dist)); then
    rm -f "$path"
    forget file "$path"
  fi
done
# Directories an earlier dist had and this one does not (old chunk dirs): drop when empty.
for ((i = ${#entries[@]} - 1; i >= 0; i--)); do
  e=${entries[i]}
  path=${e#* }
  if [[ ${e%% *} == dir && $path == "$libdir"/* && ! -d $src/dist/${path#"$libdir"/} ]] && rmdir "$path" 2>/dev/null; then forget dir "$path"; fi
done

if ((release)); then
  # The single executable itself (a file, replacing the link a checkout install made).
  if [[ -L $bin ]]; then rm -f "$bin"; changed=1; fi
  put_file "$src/safeops" "$bin" 755
  forget link "$bin"
else
  put_link "$libdir/safeops.cjs" "$bin"
fi

# The code cache, made by the installed bin itself (a harmless guarded command on a temp file,
# isolated from the host's config), as scripts/build.mjs does: only when the code changed.
if ((!release)) && { ((core_changed)) || [[ ! -f $libdir/core.v8cache ]]; }; then
  tmp=$(mktemp -d)
  printf '{"discovery": {"roots": []}}\n' >"$tmp/config.json"
  : >"$tmp/victim"
  env SAFEOPS_WRITE_CODE_CACHE=core SAFEOPS_CONFIG="$tmp/config.json" SAFEOPS_AUDIT_LOG="$tmp/audit.jsonl" \
    SAFEOPS_STATE_DIR="$tmp/state" "$node" "$bin" rm "$tmp/victim" ||
    say "warning: running $bin failed; it works without a code cache, only slower to start"
  rm -rf "$tmp"
  [[ -f $libdir/core.v8cache ]] && remember file "$libdir/core.v8cache"
fi

# The man page (a release carries it; a checkout has none built).
if [[ -f man/safeops.1 ]]; then put_file man/safeops.1 "$prefix/share/man/man1/safeops.1" 644; fi
# The system configuration, as root under /usr/local or /usr: only when there is none.
if ((release)) && [[ $(id -u) == 0 && ($prefix == /usr/local || $prefix == /usr) && -f config.json ]]; then
  if [[ ! -e /etc/safeops/config.json ]]; then
    put_file config.json /etc/safeops/config.json 644
    forget file /etc/safeops/config.json
    remember conf /etc/safeops/config.json
  fi
fi

# Completions, rendered from src/contract.ts: by the build (dist/completions), or in the release.
compdir=completions
((release)) || compdir=dist/completions
put_file "$compdir/safeops.bash" "$prefix/share/bash-completion/completions/safeops" 644
put_file "$compdir/_safeops" "$prefix/share/zsh/site-functions/_safeops" 644
put_file "$compdir/safeops.fish" "$prefix/share/fish/vendor_completions.d/safeops.fish" 644

# systemd units, with the installed paths put in for the placeholders (and for a hard-coded
# /usr/local/bin/safeops, wrong under another PREFIX). The user unit is the one whose name or
# directory says "user" (systemd/safeops-user.service, systemd/user/safeops.service).
unit_text() {
  sed -e "s|@SAFEOPS_BIN@|$bin|g" -e "s|__SAFEOPS_BIN__|$bin|g" -e "s|/usr/local/bin/safeops\b|$bin|g" \
    -e "s|@NODE@|$node|g" -e "s|__NODE__|$node|g" "$1"
}
system_src='' user_src=''
for f in systemd/*.service systemd/*/*.service; do
  [[ -f $f ]] || continue
  if [[ $f == *user* ]]; then
    [[ -n $user_src ]] || user_src=$f
  else
    [[ -n $system_src ]] || system_src=$f
  fi
done
units_installed=()
if [[ -n $user_src ]]; then
  put_text "$(unit_text "$user_src")"$'\n' "$user_unit" 644
  units_installed+=("$user_unit")
fi
if [[ -n $system_src && -n $system_unit ]]; then
  put_text "$(unit_text "$system_src")"$'\n' "$system_unit" 644
  units_installed+=("$system_unit")
fi
if [[ -z $system_src && -z $user_src ]]; then say "note: this checkout has no systemd units (systemd/*.service): none installed"; fi
if [[ -n $system_src && -z $user_src ]]; then say "note: this checkout has no user unit (systemd/*user*.service): only the system unit is installed"; fi
for u in "${units_installed[@]}"; do
  if grep -qE '@[A-Z_]+@|__[A-Z_]+__' "$u"; then say "warning: $u still has a placeholder: check its ExecStart"; fi
done

# Shell rc blocks (--shell-rc), idempotent: an identical block is left alone.
rc_changed=()
if ((shell_rc)); then
  [[ -n $rc_home && -d $rc_home ]] || die "--shell-rc: no home directory for $rc_user"
  for sh in bash zsh fish; do
    rc=$(rc_file "$sh")
    [[ -f $rc ]] || command -v "$sh" >/dev/null || continue
    block=$(rc_block "$sh")
    if [[ ! -f $rc ]]; then
      rcdir=$(dirname "$rc")
      if [[ ! -d $rcdir ]]; then
        # Created as the user (through sudo the file must stay theirs).
        missing=()
        d=$rcdir
        while [[ ! -d $d ]]; do missing=("$d" "${missing[@]}"); d=$(dirname "$d"); done
        for m in "${missing[@]}"; do
          mkdir -m 0755 "$m"
          [[ $(id -u) == 0 ]] && chown "$rc_user:" "$m"
          remember dir "$m"
        done
      fi
      printf '%s\n' "$block" >"$rc"
      [[ $(id -u) == 0 ]] && chown "$rc_user:" "$rc"
      remember rcfile "$rc"
      remember rc "$rc"
      rc_changed+=("$rc")
      continue
    fi
    tmp=$(mktemp)
    if grep -qxF "$BLOCK_BEGIN" "$rc"; then
      # Replace our block where it is (a different PREFIX, a newer wording).
      awk -v b="$BLOCK_BEGIN" -v e="$BLOCK_END" -v blk="$block" '$0 == b { print blk; skip = 1; next } skip && $0 == e { skip = 0; next } !skip' "$rc" >"$tmp"
    else
      # A last line without its newline gets one (uninstall takes it away again).
      if [[ -s $rc && $(tail -c1 "$rc") != '' ]]; then
        { cat "$rc"; printf '\n%s\n' "$block"; } >"$tmp"
        remember rcnonl "$rc"
      else
        { cat "$rc"; printf '%s\n' "$block"; } >"$tmp"
      fi
    fi
    if ! cmp -s "$tmp" "$rc"; then
      rewrite_keep_owner "$rc" "$tmp"
      rc_changed+=("$rc")
    fi
    rm -f "$tmp"
    remember rc "$rc"
  done
fi

write_manifest

# ---------- services ----------

enabled=()
if [[ $(id -u) == 0 && -n $system_unit && -f $system_unit ]] && ((systemd_runs)); then
  if systemctl daemon-reload && systemctl enable --now safeops.service; then
    enabled+=("system unit (systemctl status safeops)")
  else
    say "could not enable the system unit: systemctl enable --now safeops.service failed"
  fi
elif [[ $(id -u) == 0 ]] && ((enable_service)); then
  if "$bin" watch --daemon; then enabled+=("safeops watch --daemon (stop: safeops watch --stop)"); fi
elif [[ $(id -u) != 0 ]] && ((enable_service)); then
  if [[ -f $user_unit ]] && systemctl --user daemon-reload 2>/dev/null && systemctl --user enable --now safeops.service; then
    enabled+=("user unit (systemctl --user status safeops)")
  elif "$bin" watch --daemon --user; then
    enabled+=("safeops watch --daemon --user (stop: safeops watch --stop --user)")
  fi
fi

# ---------- report ----------

say ''
if ((release)); then say "safeops $(cut -d' ' -f2 RELEASE) installed in $prefix: $bin (one executable, no Node.js needed)"; else say "safeops installed in $prefix: $bin -> $libdir/safeops.cjs"; fi
for u in "${units_installed[@]}"; do say "  unit: $u"; done
if ((${#enabled[@]})); then
  say "  watcher enabled and started: ${enabled[*]}"
elif [[ $(id -u) == 0 ]] && ((!systemd_runs)); then
  say '  the watcher is not running (systemd does not run here): start it with: safeops watch --daemon'
  say '  (where systemd runs, install.sh enables the unit itself: systemctl enable --now safeops.service)'
elif [[ -n $system_unit && -f $system_unit ]]; then
  say '  the watcher is not enabled; to start it at boot: sudo systemctl enable --now safeops.service'
elif ((${#units_installed[@]})); then
  say '  the watcher is not enabled; for your user: systemctl --user enable --now safeops.service'
fi
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) say "  note: $prefix/bin is not on your PATH: add it (e.g. in ~/.profile: PATH=\"$prefix/bin:\$PATH\")" ;;
esac
if ((shell_rc)); then
  if ((${#rc_changed[@]})); then say "  shell integration added to: ${rc_changed[*]} (open a new shell)"; else say '  shell integration: already in your rc files'; fi
else
  cat <<'EOF'

Shell integration: add the line for your shell to its rc file (or run install.sh --shell-rc):
  ~/.bashrc                    eval "$(safeops init bash)"
  ~/.zshrc                     eval "$(safeops init zsh)"
  ~/.config/fish/config.fish   safeops init fish | source
EOF
fi
say ''
say 'Try it on a disposable primary + standby: safeops demo'

// safeops_<version>-1_<arch>.deb, built with dpkg-deb from a staging tree (no debhelper): what
// goes where is in docs/release.md. The maintainer scripts are packaging/debian/{postinst,prerm,postrm}.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const DESCRIPTION = `Description: safety net for PostgreSQL hosts: live roles, guarded commands
 safeops knows, live, which local data directories belong to a running
 primary, a running standby or a stopped cluster; it paints that role into
 every operator's prompt and terminal background; and it stands between the
 operator and rm, pg_ctl, pg_ctlcluster, wal-g, pgbackrest, pg_basebackup and
 systemctl, refusing to touch a live cluster and asking for the host's name
 where an action is legal but dangerous.
 .
 This package is one self-contained executable (Node.js is built in), the
 watcher's systemd units, shell completions and a manual page.`;

/** The unit from systemd/, pointing at /usr/bin/safeops. */
function unit(root, name) {
  const text = fs.readFileSync(path.join(root, 'systemd', name), 'utf8');
  return text.replace(/@SAFEOPS_BIN@|__SAFEOPS_BIN__|\/usr\/local\/bin\/safeops\b/g, '/usr/bin/safeops');
}

/** SAFEOPS_RELEASE_MAINTAINER='Name <address>' for a real one. */
const MAINTAINER = process.env.SAFEOPS_RELEASE_MAINTAINER || 'safeops maintainers <safeops@example.org>';

const gz = (buf) => zlib.gzipSync(buf, { level: 9 }); // no name or time in the header, like gzip -9n

export function buildDeb({ exe, man, root, version, work, arch, completions }, outDir) {
  const debVersion = `${version}-1`;
  const stage = path.join(work, 'deb');
  fs.rmSync(stage, { recursive: true, force: true });
  const files = [];
  const put = (rel, content, mode = 0o644) => {
    const p = path.join(stage, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    if (Buffer.isBuffer(content) || typeof content === 'string') fs.writeFileSync(p, content);
    else fs.copyFileSync(content.from, p);
    fs.chmodSync(p, mode);
    if (!rel.startsWith('DEBIAN/')) files.push(rel);
  };
  put('usr/bin/safeops', { from: exe }, 0o755);
  put('lib/systemd/system/safeops.service', unit(root, 'safeops.service'));
  put('usr/lib/systemd/user/safeops.service', unit(root, 'safeops-user.service'));
  put('usr/share/bash-completion/completions/safeops', { from: path.join(completions, 'safeops.bash') });
  put('usr/share/zsh/vendor-completions/_safeops', { from: path.join(completions, '_safeops') });
  put('usr/share/fish/vendor_completions.d/safeops.fish', { from: path.join(completions, 'safeops.fish') });
  put('usr/share/man/man1/safeops.1.gz', gz(fs.readFileSync(man)));
  put('etc/safeops/config.json', { from: path.join(root, 'packaging/debian/config.json') });
  put('usr/share/doc/safeops/copyright', { from: path.join(root, 'packaging/debian/copyright') });
  // Tags that describe what a Node single executable is; each is explained in docs/release.md.
  put('usr/share/lintian/overrides/safeops', { from: path.join(root, 'packaging/debian/lintian-overrides') });
  let date;
  try {
    date = execFileSync('git', ['-C', root, 'log', '-1', '--format=%aD'], { encoding: 'utf8' }).trim();
  } catch {
    date = new Date(0).toUTCString().replace('GMT', '+0000');
  }
  const changelog = `safeops (${debVersion}) unstable; urgency=medium\n\n  * Release ${version}, built by npm run release.\n\n -- ${MAINTAINER}  ${date}\n`;
  put('usr/share/doc/safeops/changelog.Debian.gz', gz(Buffer.from(changelog)));

  // Control files.
  const installedKiB = files.reduce((n, f) => n + Math.ceil(fs.statSync(path.join(stage, f)).size / 1024), 0);
  // The executable is the node binary: what it links against (ldd /usr/bin/node on Debian 12).
  const control = [
    'Package: safeops',
    `Version: ${debVersion}`,
    `Architecture: ${arch.deb}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKiB}`,
    'Depends: libc6 (>= 2.28), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), init-system-helpers (>= 1.54~)',
    'Suggests: postgresql',
    'Section: admin',
    'Priority: optional',
    DESCRIPTION,
    '',
  ].join('\n');
  put('DEBIAN/control', control);
  put('DEBIAN/conffiles', '/etc/safeops/config.json\n');
  for (const s of ['postinst', 'prerm', 'postrm']) put(`DEBIAN/${s}`, { from: path.join(root, 'packaging/debian', s) }, 0o755);
  const md5 = execFileSync('md5sum', files.filter((f) => !f.startsWith('etc/')).sort(), { cwd: stage, encoding: 'utf8' });
  put('DEBIAN/md5sums', md5);
  for (const d of walkDirs(stage)) fs.chmodSync(d, 0o755);

  const deb = path.join(outDir, `safeops_${debVersion}_${arch.deb}.deb`);
  // xz like Debian's own packages; SAFEOPS_RELEASE_DEB_COMPRESS=gzip for quicker test builds.
  const compress = process.env.SAFEOPS_RELEASE_DEB_COMPRESS === 'gzip' ? ['-Zgzip', '-z6'] : ['-Zxz', '-z6'];
  execFileSync('dpkg-deb', ['--root-owner-group', ...compress, '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH || String(Math.floor(Date.parse(date) / 1000) || 0) } });
  return deb;
}

function walkDirs(dir) {
  const out = [dir];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...walkDirs(path.join(dir, e.name)));
  return out;
}

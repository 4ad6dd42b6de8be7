// safeops-<version>-linux-<arch>.tar.gz: the executable and the same files as the .deb, with
// install.sh, which installs them with no network, no Node and no npm (it sees the RELEASE file).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function buildTarball({ exe, man, root, version, work, arch, completions }, outDir) {
  const name = `safeops-${version}-linux-${arch.name}`;
  const stage = path.join(work, 'tar', name);
  fs.rmSync(path.dirname(stage), { recursive: true, force: true });
  const put = (rel, from, mode = 0o644) => {
    const p = path.join(stage, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.copyFileSync(from, p);
    fs.chmodSync(p, mode);
  };
  put('safeops', exe, 0o755);
  put('install.sh', path.join(root, 'install.sh'), 0o755);
  for (const f of fs.readdirSync(path.join(root, 'systemd'))) if (f.endsWith('.service')) put(`systemd/${f}`, path.join(root, 'systemd', f));
  // Rendered from src/contract.ts by the build (dist/completions), not the templates in completions/.
  for (const f of fs.readdirSync(completions)) put(`completions/${f}`, path.join(completions, f));
  put('man/safeops.1', man);
  put('config.json', path.join(root, 'packaging/debian/config.json'));
  put('copyright', path.join(root, 'packaging/debian/copyright'));
  put('README.md', path.join(root, 'README.md'));
  fs.writeFileSync(path.join(stage, 'RELEASE'), `safeops ${version} linux-${arch.name}\n`);
  const tarball = path.join(outDir, `${name}.tar.gz`);
  let mtime;
  try {
    mtime = execFileSync('git', ['-C', root, 'log', '-1', '--format=%cI'], { encoding: 'utf8' }).trim();
  } catch {
    mtime = '1970-01-01T00:00:00Z';
  }
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=${mtime}`, '-I', 'gzip -n', '-cf', tarball, '-C', path.dirname(stage), name], { stdio: 'inherit'});
  return tarball;
}

// Running the built CLI (dist/safeops.mjs) as a real process, as operators and shells do.
import { execa, type Options } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (SAFEOPS_REPO_ROOT when this file is bundled elsewhere, as by the bench). */
export const ROOT = process.env.SAFEOPS_REPO_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * What tests run, also as other users: the checkout itself, or a readable copy of its built files
 * when other users cannot read the checkout (test/global-setup.ts).
 */
export const RUN_ROOT = process.env.SAFEOPS_TEST_RUN_ROOT ?? ROOT;
export const BIN = path.join(RUN_ROOT, 'dist/safeops.cjs');
export const FIXTURE_BIN = path.join(RUN_ROOT, 'test/fixtures/bin');
export const SHORT_HOST = os.hostname().split('.')[0]!;

/** An isolated environment: own config, audit log and (empty) state dir. */
export interface CliEnv {
  dir: string;
  config: string;
  audit: string;
  stateDir: string;
  env: Record<string, string>;
}

/** Make a temp config that scans only `roots` and lists `clusters`, plus an audit log path. */
export function cliEnv(opts: { roots?: string[]; clusters?: string[]; protect?: unknown[]; extra?: Record<string, unknown> } = {}): CliEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-cli-'));
  fs.chmodSync(dir, 0o755);
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ discovery: { roots: opts.roots ?? [], clusters: opts.clusters ?? [] }, protect: opts.protect ?? [], ...(opts.extra ?? {}) }));
  fs.chmodSync(config, 0o644);
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir);
  const audit = path.join(dir, 'audit.jsonl');
  // Tests run safeops as root and as postgres (pg_ctl refuses root): both append to one log.
  fs.writeFileSync(audit, '');
  fs.chmodSync(audit, 0o666);
  return {
    dir,
    config,
    audit,
    stateDir,
    env: { SAFEOPS_CONFIG: config, SAFEOPS_AUDIT_LOG: audit, SAFEOPS_STATE_DIR: stateDir, PATH: `${FIXTURE_BIN}:${process.env.PATH}`, NO_COLOR: '1' },
  };
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The status a shell would see ($?): the exit code, or 128+N when killed by signal N. */
function exitCodeOf(r: { exitCode?: number; signal?: string }): number {
  if (r.exitCode !== undefined) return r.exitCode;
  return r.signal ? 128 + (os.constants.signals[r.signal as NodeJS.Signals] ?? 0) : 1;
}

/** Run `safeops args...` without a terminal; never rejects. */
export async function safeops(args: string[], env: Record<string, string>, opts: Options = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000, ...opts });
  return { exitCode: exitCodeOf(r), stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Run the CLI as another user (e.g. postgres), the way pg_ctl must be run. */
export async function safeopsAs(user: string, args: string[], env: Record<string, string>, opts: Options = {}): Promise<CliResult> {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const r = await execa('runuser', ['-u', user, '--', 'env', ...envArgs, process.execPath, BIN, ...args], { reject: false, stdin: 'ignore', cwd: '/tmp', timeout: 120_000, ...opts });
  return { exitCode: exitCodeOf(r), stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Audit records written so far. */
export function auditRecords(file: string): Array<Record<string, unknown>> {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

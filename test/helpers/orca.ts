// Starts a real `orca server` process for a test: its own data dir, a free
// port, its own kubeconfig and kubectl discovery cache. stop() kills it by
// PID and removes the directory.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const orcaBin = join(repoRoot, 'bin', 'orca');

export interface OrcaServer {
  dir: string;
  kubeconfig: string;
  url: string;
  process: ChildProcess;
  logs(): string;
  kubectl(
    args: string[],
    opts?: { input?: string; allowFail?: boolean; timeoutMs?: number },
  ): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface StartOptions {
  datastore?: string;
  extraArgs?: string[];
  /** Reuse a data dir (restart tests). */
  dir?: string;
  /** Run the node agent too (pod tests); default: control plane only. */
  agent?: boolean;
}

export async function startOrca(opts: StartOptions = {}): Promise<OrcaServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'orca-test-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  rmSync(kubeconfig, { force: true });
  const args = [
    'server',
    '--data-dir',
    join(dir, 'data'),
    '--listen',
    '127.0.0.1:0',
    '--write-kubeconfig',
    kubeconfig,
    ...(opts.agent ? [] : ['--disable-agent']),
    ...(opts.datastore ? ['--datastore-endpoint', opts.datastore] : []),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(orcaBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!existsSync(kubeconfig)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`orca server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const url = /server: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))![1];
  const cacheDir = join(dir, 'kube-cache');
  const server: OrcaServer = {
    dir,
    kubeconfig,
    url,
    process: child,
    logs: () => output,
    async kubectl(kargs, o = {}) {
      return runKubectl(['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...kargs], o);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export async function runKubectl(
  args: string[],
  o: { input?: string; allowFail?: boolean; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/usr/bin/kubectl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const r = { stdout, stderr, code: code ?? -1 };
      if (r.code !== 0 && !o.allowFail)
        reject(new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${stderr}\n${stdout}`));
      else resolvePromise(r);
    });
    child.stdin.end(o.input ?? '');
  });
}

export async function sh(cmd: string, args: string[]): Promise<string> {
  return (await execFileP(cmd, args)).stdout;
}

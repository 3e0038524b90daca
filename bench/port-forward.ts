// kubectl port-forward throughput through the stream server (figures only,
// nothing asserted):
//   node_modules/.bin/node bench/port-forward.ts [MB per connection] [connections] [--spdy]
// The "pod" is a TCP server and the client a loader, each in a process of its
// own (test harness), so this process holds only the stream server. Three
// runs: download (pod → client), upload (client → pod) and echo (both at once).
// Each prints MB/s and the CPU seconds the server and kubectl spent.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { createStreamServer } from '../src/streams/index.ts';
import { silentLogger } from '../src/util/log.ts';
import { localPodStreams } from '../test/helpers/local-pod-streams.ts';
import { runningPod, startStreamTestApi } from '../test/helpers/stream-test-api.ts';

type Mode = 'download' | 'upload' | 'echo';
const block = Buffer.alloc(1 << 20, 0x5a);

async function write(s: import('node:net').Socket, bytes: number): Promise<void> {
  for (let left = bytes; left > 0; left -= block.length) {
    if (!s.write(left >= block.length ? block : block.subarray(0, left))) await once(s, 'drain');
  }
  s.end();
}

/** Child role "pod": serves `mode` on a loopback port and prints the port. */
function pod(mode: Mode, bytes: number): void {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => s.destroy());
    if (mode === 'echo') s.pipe(s);
    else if (mode === 'download') {
      s.resume();
      void write(s, bytes);
    } else {
      s.resume();
      s.on('end', () => s.end());
    }
  });
  server.listen(0, '127.0.0.1', () => console.log((server.address() as { port: number }).port));
}

/** Child role "client": runs the connections against kubectl's local port and prints MB/s. */
async function client(mode: Mode, port: number, bytes: number, connections: number): Promise<void> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      await once(s, 'connect');
      s.on('error', () => {}); // kubectl may reset a connection it is done with
      s.resume();
      const done = once(s, 'end');
      if (mode === 'download') s.end();
      else await write(s, bytes);
      await done;
      s.end();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(((connections * bytes) / 1e6 / seconds).toFixed(0));
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The child's first line of output; the rest is read and dropped (a closed pipe would kill kubectl). */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.stdout!.once('end', () => reject(new Error('child ended without output')));
  });
}

async function run(mode: Mode, bytes: number, connections: number, spdy: boolean): Promise<void> {
  const self = process.argv[1];
  const podProc = spawn(process.execPath, [self, '--role=pod', mode, String(bytes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const podPort = Number(await firstLine(podProc));
  const streams = localPodStreams({ containers: { main: { running: true } }, ports: { 80: podPort } });
  const api = await startStreamTestApi(
    createStreamServer({ resolve: async () => streams, log: silentLogger }),
    {
      refuseWebSocket: spdy,
    },
  );
  api.pods.set('web', runningPod('web', ['main']));
  const kubectl = spawn('/usr/bin/kubectl', api.kubectlArgs(['port-forward', 'pod/web', ':80']), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const local = Number(/:(\d+) -> 80/.exec(await firstLine(kubectl))![1]);
    const cpu0 = process.cpuUsage();
    const k0 = cpuSeconds(kubectl.pid!);
    const loader = spawn(
      process.execPath,
      [self, '--role=client', mode, String(local), String(bytes), String(connections)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const mbps = await firstLine(loader);
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `${mode.padEnd(8)} ${mbps.padStart(5)} MB/s   server ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU, ` +
        `kubectl ${(cpuSeconds(kubectl.pid!) - k0).toFixed(2)} s CPU`,
    );
  } finally {
    kubectl.kill('SIGKILL');
    podProc.kill('SIGKILL');
    await streams.close();
    await api.close();
  }
}

const args = process.argv.slice(2);
const role = args.find((a) => a.startsWith('--role='))?.slice(7);
if (role === 'pod') pod(args[1] as Mode, Number(args[2]));
else if (role === 'client') await client(args[1] as Mode, Number(args[2]), Number(args[3]), Number(args[4]));
else {
  const numbers = args.filter((a) => /^\d+$/.test(a)).map(Number);
  const bytes = (numbers[0] ?? 50) << 20;
  const connections = numbers[1] ?? 4;
  const spdy = args.includes('--spdy');
  console.log(`${connections} connections x ${bytes >> 20} MB, ${spdy ? 'plain SPDY' : 'WebSocket tunnel'}`);
  for (const mode of (process.env.BENCH_MODES?.split(',') ?? ['download', 'upload', 'echo']) as Mode[])
    await run(mode, bytes, connections, spdy);
}

// Container logs as the kubelet serves them: CRI records, tail, since,
// timestamps, limits, following a file through rotation, and the checks and
// messages in front of it.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/object.ts';
import { StatusError } from '../../src/api/status.ts';
import {
  type CriRecord,
  formatLogTime,
  LogFormatter,
  parseCriRecord,
  parseLogTime,
} from '../../src/streams/cri-log.ts';
import { findTailStart, readLogFile } from '../../src/streams/log-file.ts';
import { parseLogOptions } from '../../src/streams/logs.ts';
import { checkLogAvailable, pickContainer, requireNode } from '../../src/streams/pod-checks.ts';

const rec = (line: string) => parseCriRecord(Buffer.from(line))!;

function output(formatter: LogFormatter, lines: string[]): string {
  return Buffer.concat(lines.flatMap((l) => formatter.format(rec(l)))).toString();
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'orca-logs-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('CRI log records', () => {
  it('parses full, partial, and tagged records and skips malformed lines', () => {
    const full = rec('2026-01-01T00:00:00.123456789Z stdout F hello world');
    assert.equal(full.stream, 'stdout');
    assert.equal(full.partial, false);
    assert.equal(full.text.toString(), 'hello world');
    assert.deepEqual(full.time, { seconds: Date.parse('2026-01-01T00:00:00Z') / 1000, nanos: 123456789 });
    const partial = rec('2026-01-01T00:00:00Z stderr P part');
    assert.equal(partial.partial, true);
    assert.equal(partial.stream, 'stderr');
    assert.equal(rec('2026-01-01T00:00:00Z stdout P:x more').partial, true);
    assert.equal(rec('2026-01-01T00:00:00Z stdout F ').text.length, 0);
    for (const bad of ['no timestamp here', '2026-01-01T00:00:00Z stdin F x', 'garbage stdout F x', '']) {
      assert.equal(parseCriRecord(Buffer.from(bad)), undefined, bad);
    }
  });

  it('prints timestamps with nine fractional digits and the zone as written', () => {
    assert.equal(formatLogTime('2026-01-01T00:00:00.5Z'), '2026-01-01T00:00:00.500000000Z');
    assert.equal(formatLogTime('2026-01-01T02:00:00+02:00'), '2026-01-01T02:00:00.000000000+02:00');
    assert.deepEqual(parseLogTime('2026-01-01T02:00:00.000000001+02:00'), {
      seconds: Date.parse('2026-01-01T00:00:00Z') / 1000,
      nanos: 1,
    });
  });

  it('joins partial records into one line with one timestamp', () => {
    const lines = [
      '2026-01-01T00:00:01Z stdout P a',
      '2026-01-01T00:00:02Z stdout P b',
      '2026-01-01T00:00:03Z stdout F c',
      '2026-01-01T00:00:04Z stderr F d',
    ];
    assert.equal(output(new LogFormatter({ timestamps: false }), lines), 'abc\nd\n');
    assert.equal(
      output(new LogFormatter({ timestamps: true }), lines),
      '2026-01-01T00:00:01.000000000Z abc\n2026-01-01T00:00:04.000000000Z d\n',
    );
  });

  it('skips records before since and cuts output at limitBytes', () => {
    const lines = [
      '2026-01-01T00:00:01.5Z stdout F old',
      '2026-01-01T00:00:02Z stdout F new one',
      '2026-01-01T00:00:03Z stdout F new two',
    ];
    const since = parseLogTime('2026-01-01T00:00:02Z')!;
    assert.equal(output(new LogFormatter({ timestamps: false, since }), lines), 'new one\nnew two\n');
    const limited = new LogFormatter({ timestamps: false, limitBytes: 10 });
    assert.equal(output(limited, lines), 'old\nnew on');
    assert.equal(limited.full, true);
  });
});

describe('log files', () => {
  it('finds where the last N lines start, partial records counting with their line', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, '0.log');
    const lines = [
      '2026-01-01T00:00:00Z stdout F one',
      '2026-01-01T00:00:00Z stdout P two-',
      '2026-01-01T00:00:00Z stdout F a',
      '2026-01-01T00:00:00Z stdout F three',
    ];
    writeFileSync(path, `${lines.join('\n')}\n2026-01-01T00:00:00Z stdout F unfinished`);
    const fh = await open(path);
    t.after(() => fh.close());
    const size = (await fh.stat()).size;
    const text = async (n: number) => {
      const start = await findTailStart(fh, size, n);
      const b = Buffer.alloc(size - start);
      await fh.read(b, 0, b.length, start);
      return b.toString();
    };
    assert.equal(await text(0), '');
    assert.ok((await text(1)).startsWith(lines[3]));
    assert.ok((await text(2)).startsWith(lines[1]), 'the partial record belongs to the second last line');
    assert.ok((await text(3)).startsWith(lines[0]));
    assert.ok((await text(10)).startsWith(lines[0]));
  });

  it('tails a file larger than one read block', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, '0.log');
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `2026-01-01T00:00:00Z stdout F line ${i} ${'x'.repeat(40)}`,
    );
    writeFileSync(path, `${lines.join('\n')}\n`);
    const got: string[] = [];
    await readLogFile(
      { path, exited: Promise.resolve() },
      async (records) => {
        got.push(...records.map((r) => r.text.toString()));
        return true;
      },
      { follow: false, tailLines: 3000, signal: new AbortController().signal },
    );
    assert.equal(got.length, 3000);
    assert.equal(got[0], `line 2000 ${'x'.repeat(40)}`);
  });

  it('follows a file through rotation without losing a line, until the container exits', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, '0.log');
    const line = (s: string) => `2026-01-01T00:00:00Z stdout F ${s}\n`;
    writeFileSync(path, line('first') + line('second'));
    let exit!: () => void;
    const exited = new Promise<void>((resolve) => {
      exit = resolve;
    });
    const seen: string[] = [];
    // Each step happens once the reader has shown it got everything before it.
    const steps = new Map<string, () => void>([
      ['second', () => appendFileSync(path, line('appended'))],
      [
        'appended',
        () => {
          renameSync(path, `${path}.1`);
          appendFileSync(`${path}.1`, line('late write to the renamed file'));
          writeFileSync(path, '');
          setTimeout(() => appendFileSync(path, line('in the new file')), 50);
        },
      ],
      [
        'in the new file',
        () => {
          appendFileSync(path, line('last words'));
          exit();
        },
      ],
    ]);
    const sink = async (records: CriRecord[]) => {
      for (const r of records) {
        const text = r.text.toString();
        seen.push(text);
        steps.get(text)?.();
      }
      return true;
    };
    await readLogFile({ path, exited }, sink, {
      follow: true,
      signal: new AbortController().signal,
      pollMs: 50,
    });
    assert.deepEqual(seen, [
      'first',
      'second',
      'appended',
      'late write to the renamed file',
      'in the new file',
      'last words',
    ]);
  });

  it('stops following when the client goes away', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, '0.log');
    writeFileSync(path, '2026-01-01T00:00:00Z stdout F only\n');
    const ac = new AbortController();
    const seen: string[] = [];
    await readLogFile(
      { path, exited: new Promise(() => {}) },
      async (records) => {
        seen.push(...records.map((r) => r.text.toString()));
        ac.abort();
        return true;
      },
      { follow: true, signal: ac.signal, pollMs: 50 },
    );
    assert.deepEqual(seen, ['only']);
  });
});

function pod(overrides: Partial<KubeObject> = {}): KubeObject {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'n1', initContainers: [{ name: 'init' }], containers: [{ name: 'a' }, { name: 'b' }] },
    status: {},
    ...overrides,
  };
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError);
    return `${e.code} ${e.message}`;
  }
  return 'no error';
}

describe('stream request checks', () => {
  it('names the container as the apiserver does', () => {
    assert.equal(
      message(() => pickContainer(pod(), null)),
      '400 a container name must be specified for pod web, choose one of: [init a b]',
    );
    assert.equal(
      message(() => pickContainer(pod(), 'x')),
      '400 container x is not valid for pod web',
    );
    assert.equal(pickContainer(pod(), 'init'), 'init');
    assert.equal(pickContainer(pod({ spec: { containers: [{ name: 'only' }] } }), null), 'only');
    assert.equal(
      message(() => requireNode(pod({ spec: { containers: [] } }))),
      '400 pod web does not have a host assigned',
    );
  });

  it('checks the container status as the kubelet does before serving logs', () => {
    const withStatus = (s: object) => pod({ status: { containerStatuses: [{ name: 'a', ...s }] } });
    assert.equal(
      message(() => checkLogAvailable(pod(), 'a', false)),
      '400 container "a" in pod "web" is not available',
    );
    assert.equal(
      message(() =>
        checkLogAvailable(withStatus({ state: { waiting: { reason: 'ContainerCreating' } } }), 'a', false),
      ),
      '400 container "a" in pod "web" is waiting to start: ContainerCreating',
    );
    assert.equal(
      message(() =>
        checkLogAvailable(withStatus({ state: { waiting: { reason: 'ErrImagePull' } } }), 'a', false),
      ),
      `400 container "a" in pod "web" is waiting to start: image can't be pulled`,
    );
    assert.equal(
      message(() => checkLogAvailable(withStatus({ state: { running: {} } }), 'a', true)),
      '400 previous terminated container "a" in pod "web" not found',
    );
    checkLogAvailable(withStatus({ state: { running: {} } }), 'a', false);
    checkLogAvailable(
      withStatus({
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { containerID: 'x' } },
      }),
      'a',
      true,
    );
  });

  it('validates log options as PodLogOptions', () => {
    const clock = { now: () => new Date('2026-01-01T01:00:00Z') };
    const q = (s: string) => new URLSearchParams(s);
    assert.equal(
      message(() => parseLogOptions('web', q('tailLines=-1&limitBytes=0'), clock)),
      '422 PodLogOptions "web" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, ' +
        'limitBytes: Invalid value: 0: must be greater than 0]',
    );
    assert.match(
      message(() => parseLogOptions('web', q('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), clock)),
      /^422 .*at most one of `sinceTime` or `sinceSeconds` may be specified/,
    );
    assert.match(
      message(() => parseLogOptions('web', q('tailLines=ten'), clock)),
      /^400 /,
    );
    const o = parseLogOptions('web', q('follow=true&timestamps=true&sinceSeconds=60&tailLines=5'), clock);
    assert.equal(o.follow, true);
    assert.equal(o.timestamps, true);
    assert.equal(o.tailLines, 5);
    assert.deepEqual(o.since, { seconds: Date.parse('2026-01-01T00:59:00Z') / 1000, nanos: 0 });
  });
});

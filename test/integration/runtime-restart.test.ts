// The agent restarts under running pods: a separate process creates a pod and
// is killed outright; a new runtime instance must find the pod as it is, with
// nothing restarted or doubled, and know the exit code of a container that
// ended while no agent was running.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ContainerStatus } from '../../src/runtime/index.ts';
import { processAlive } from '../../src/runtime/oci/proc.ts';
import { eventually, newPodUid, RuntimeFixture, runtimeSkip } from '../helpers/runtime-fixture.ts';

const agentCode = `
import { createOciRuntime } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../src/runtime/index.ts')).href)};
import { silentLogger } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../src/util/log.ts')).href)};
const plan = JSON.parse(process.env.ORCA_TEST_PLAN);
const rt = createOciRuntime({ ...plan.options, logger: silentLogger });
const sandboxId = await rt.createSandbox(plan.sandbox);
for (const c of plan.containers) {
  await rt.createContainer({ ...c, sandboxId });
  await rt.startContainer(c.id);
}
process.stdout.write(JSON.stringify({ sandboxId, containers: await rt.listContainers() }) + '\\n');
setInterval(() => {}, 60_000); // an agent runs until it is killed
`;

/** Runs a throwaway "agent" process that creates the plan's pod, then kills it with SIGKILL. */
async function runAgentAndKillIt(
  plan: unknown,
): Promise<{ sandboxId: string; containers: ContainerStatus[] }> {
  const agent = spawn(process.execPath, ['--input-type=module', '-e', agentCode], {
    env: { ...process.env, ORCA_TEST_PLAN: JSON.stringify(plan) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(createInterface({ input: agent.stdout }), 'line')) as [string];
    return JSON.parse(line);
  } finally {
    agent.kill('SIGKILL');
    if (agent.exitCode === null && agent.signalCode === null) await once(agent, 'exit');
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
async function startTime(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

test('a new runtime instance re-adopts what a killed agent left running', {
  skip: runtimeSkip,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const trigger = join(f.dir, 'trigger');
  await mkdir(trigger);
  const plan = {
    options: f.runtimeOptions,
    sandbox: {
      podUid: newPodUid(),
      name: 'survivor',
      namespace: 'default',
      network: { kind: 'pod', netnsPath: f.netns() },
    },
    containers: [
      {
        id: 'steady',
        name: 'steady',
        rootfs: await f.rootfs('steady'),
        args: ['sleep', '3600'],
        logPath: f.logPath('steady'),
      },
      {
        id: 'finisher',
        name: 'finisher',
        rootfs: await f.rootfs('finisher'),
        args: ['sh', '-c', 'while [ ! -e /trigger/go ]; do sleep 0.1; done; echo finishing; exit 7'],
        mounts: [{ kind: 'bind', source: trigger, destination: '/trigger' }],
        logPath: f.logPath('finisher'),
      },
    ],
  };
  const before = await runAgentAndKillIt(plan);
  const pidOf = (list: ContainerStatus[], id: string) => {
    const state = list.find((c) => c.id === id)?.state;
    assert.equal(state?.kind, 'running', `${id}: ${JSON.stringify(state)}`);
    return state as { pid: number; startedAt: string | Date };
  };
  const steady = pidOf(before.containers, 'steady');
  const finisher = pidOf(before.containers, 'finisher');
  const steadyStart = await startTime(steady.pid);

  // While no agent runs, one container ends.
  await writeFile(join(trigger, 'go'), '');
  await eventually(async () => ((await processAlive(finisher.pid)) ? undefined : true), 'finisher to exit');

  const rt = f.newRuntime();
  const sandboxes = await rt.listSandboxes();
  assert.deepEqual(
    sandboxes.map((s) => [s.id, s.state.kind]),
    [[before.sandboxId, 'ready']],
  );

  const after = await rt.listContainers();
  assert.deepEqual(after.map((c) => c.id).sort(), ['finisher', 'steady']);
  const steadyNow = pidOf(after, 'steady');
  assert.equal(steadyNow.pid, steady.pid, 'same process, not a restarted one');
  assert.equal(await startTime(steadyNow.pid), steadyStart);
  assert.equal(new Date(steadyNow.startedAt).toISOString(), new Date(steady.startedAt).toISOString());

  const ended = after.find((c) => c.id === 'finisher')!.state;
  assert.equal(ended.kind, 'exited');
  assert.equal((ended as { exitCode: number }).exitCode, 7);
  assert.equal((ended as { reason: string }).reason, 'Error');
  assert.match(await readFile(f.logPath('finisher'), 'utf8'), / stdout F finishing\n$/);

  const runcIds = execFileSync('runc', ['--root', f.runcRoot, 'list', '-q'], { encoding: 'utf8' })
    .trim()
    .split('\n');
  assert.deepEqual(runcIds.sort(), [before.sandboxId, 'finisher', 'steady'].sort(), 'nothing doubled');

  // The new instance has full control: it stops and removes what the old one made.
  await rt.stopContainer('steady', 0);
  assert.equal((await rt.containerStatus('steady')).state.kind, 'exited');
  await rt.removeSandbox(before.sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});

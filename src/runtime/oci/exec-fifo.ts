// Starting a container runc has created, without another runc process.
//
// `runc create` leaves the container's init blocked on a FIFO in the
// container's state directory (<root>/<id>/exec.fifo): the init writes one
// byte to it once somebody reads, then runs the container's program. All
// `runc start` does for such a container is read that byte and remove the
// FIFO (runc reports the container as created while the FIFO exists and as
// running after). Done here, that is two system calls instead of a whole Go
// process that also parses the mount table and finds its cgroups: three
// `runc start` runs per pod were about a seventh of the node's CPU when a
// hundred pods started at once.
//
// Only for runc, whose layout this follows; other runtimes get their own
// `start` command (see Runc.start).

import { open } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { processAlive } from './proc.ts';

const openFile = promisify(open);

/** How often the init's liveness is looked at while waiting for its byte. */
const livenessPollMs = 100;

export type ExecFifoResult = { kind: 'started' } | { kind: 'noFifo' };

/**
 * Lets the created container whose init is `initPid` run its program. Read
 * and write (O_RDWR) so that opening never blocks and the read never sees an
 * end-of-file before the init has opened its end. Rejects when the init is
 * gone without writing, as `runc start` does.
 */
export async function releaseExecFifo(fifoPath: string, initPid: number): Promise<ExecFifoResult> {
  let fd: number;
  try {
    fd = await openFile(fifoPath, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'noFifo' };
    throw err;
  }
  const fifo = new Socket({ fd, readable: true, writable: false });
  try {
    await new Promise<void>((resolve, reject) => {
      let gone = false;
      const poll = setInterval(() => {
        // A byte written just before the init ended is still in the FIFO: give it one more poll.
        if (gone) done(new Error('container process is already dead'));
        else void processAlive(initPid).then((alive) => (gone = !alive));
      }, livenessPollMs);
      const done = (err?: Error) => {
        clearInterval(poll);
        if (err) reject(err);
        else resolve();
      };
      fifo.once('data', () => done());
      fifo.once('error', done);
    });
  } finally {
    fifo.destroy();
  }
  await unlink(fifoPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return { kind: 'started' };
}

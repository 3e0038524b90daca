// The launcher's helper process (see launcher.ts): starts the programs the
// runtime asks for and answers with their results. It holds no state of its
// own and exits when its parent's channel closes.
import { runProcess } from '../../util/process-runner.ts';
import type { LauncherReply, LauncherRequest } from './launcher.ts';
import { launchMonitor } from './monitor.ts';

/** Runs under way, by request id, so a cancel can kill them. */
const running = new Map<number, AbortController>();

async function answer(request: LauncherRequest & { kind: 'run' | 'monitor' }): Promise<LauncherReply> {
  try {
    switch (request.kind) {
      case 'run': {
        const abort = new AbortController();
        running.set(request.id, abort);
        const { id, kind, file, args, ...options } = request;
        const result = await runProcess(file, args, { ...options, signal: abort.signal }).finally(() =>
          running.delete(request.id),
        );
        return { id: request.id, result };
      }
      case 'monitor':
        return { id: request.id, pid: await launchMonitor(request.launch) };
    }
  } catch (err) {
    return { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
}

process.on('message', (request: LauncherRequest) => {
  if (request.kind === 'cancel') {
    running.get(request.run)?.abort(new Error('cancelled by the caller'));
    return;
  }
  // answer() never rejects; a send that fails means the parent is gone, and so are we.
  answer(request)
    .then((reply) => process.send?.(reply))
    .catch(() => process.exit(1));
});
process.on('disconnect', () => process.exit(0));

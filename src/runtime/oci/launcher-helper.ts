// The launcher's helper process (see launcher.ts): starts the programs the
// runtime asks for and answers with their results. It holds no state of its
// own and exits when its parent's channel closes.
import { runCommand } from './command.ts';
import type { LauncherReply, LauncherRequest } from './launcher.ts';
import { launchMonitor } from './monitor.ts';

async function answer(request: LauncherRequest): Promise<LauncherReply> {
  try {
    switch (request.kind) {
      case 'run':
        return { id: request.id, result: await runCommand(request.file, request.args, request.input) };
      case 'monitor':
        return { id: request.id, pid: await launchMonitor(request.launch) };
    }
  } catch (err) {
    return { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
}

process.on('message', (request: LauncherRequest) => {
  // answer() never rejects; a send that fails means the parent is gone, and so are we.
  answer(request)
    .then((reply) => process.send?.(reply))
    .catch(() => process.exit(1));
});
process.on('disconnect', () => process.exit(0));

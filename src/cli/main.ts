// `orca` entry point: dispatches to the subcommands. Nothing else imports cli/.

import { runAgentCommand } from './agent-command.ts';
import { UsageError } from './flags.ts';
import { runImagesCommand } from './images.ts';
import { runServerCommand } from './server-command.ts';

const usage = `Usage: orca <command> [flags]

orca runs real Kubernetes pods and serves the Kubernetes API: one process is a
whole single-node cluster; more nodes join with \`orca agent\`.

Commands:
  server    Run the API server, controllers, scheduler and (unless --disable-agent) a node agent
  agent     Run a node agent that joins a cluster (--server URL --token TOKEN)
  images    Manage the local image store: import, pull, ls, rm

Run \`orca <command> --help\` for the flags of each command.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server':
      return runServerCommand(rest);
    case 'agent':
      return runAgentCommand(rest);
    case 'images':
      return runImagesCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(usage);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`orca: unknown command "${cmd}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`orca: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`orca: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

// `orca images import|ls|rm|pull`: the node's image store from the command
// line. Safe to run while `orca server`/`orca agent` uses the same data
// directory: the store coordinates through its own lock file.

import { readFile } from 'node:fs/promises';
import {
  type DockerConfigJson,
  ImageError,
  type ImageProgress,
  ImageStore,
  type ImageSummary,
  type RegistryCredentials,
} from '../images/index.ts';
import { type FlagSpec, helpText, parseFlags, UsageError } from './flags.ts';

const dataDirFlag: FlagSpec = {
  name: 'data-dir',
  type: 'string',
  default: '/var/lib/orca',
  value: 'DIR',
  help: 'Data directory holding the image store (<DIR>/images).',
};

const commands = {
  import: {
    usage: 'orca images import [flags] FILE...',
    summary:
      'Import images from archives: docker-archive (`docker save`, `skopeo copy ... docker-archive:`) or\n' +
      'OCI image layout tars. Prints the references imported.',
    flags: [dataDirFlag],
  },
  ls: {
    usage: 'orca images ls [flags]',
    summary: 'List stored images: REFERENCE DIGEST SIZE CREATED, one row per reference.',
    flags: [
      dataDirFlag,
      { name: 'quiet', type: 'boolean', help: 'Print only references.' },
      { name: 'no-trunc', type: 'boolean', help: 'Print digests in full.' },
    ],
  },
  rm: {
    usage: 'orca images rm [flags] REF...',
    summary:
      'Remove image references (name:tag, name@digest) or, given a digest or image ID prefix, the whole image.\n' +
      'Blobs and layers no image needs any more are deleted. An image whose container rootfs is mounted is\n' +
      'refused unless --force.',
    flags: [
      dataDirFlag,
      { name: 'force', type: 'boolean', help: 'Remove even if a container uses the image.' },
    ],
  },
  pull: {
    usage: 'orca images pull [flags] REF',
    summary:
      'Pull an image from its registry (OCI distribution API v2), verifying every digest. Registries on\n' +
      'localhost/127.0.0.1 are reached over http, others over https. Prints the reference and its digest.',
    flags: [
      dataDirFlag,
      {
        name: 'creds',
        type: 'string',
        value: 'USER:PASSWORD',
        help: 'Registry credentials (basic, or for a bearer token service).',
      },
      {
        name: 'docker-config',
        type: 'string',
        value: 'FILE',
        help: 'A docker config.json / kubernetes.io/dockerconfigjson file to take credentials from.',
      },
      {
        name: 'insecure-registry',
        type: 'string',
        value: 'HOST:PORT',
        help: 'Reach this registry over plain http (comma-separated for several).',
      },
      { name: 'quiet', type: 'boolean', help: 'No progress output.' },
    ],
  },
} satisfies Record<string, { usage: string; summary: string; flags: FlagSpec[] }>;

type CommandName = keyof typeof commands;

const topUsage = `Usage: orca images <command> [flags]

Manage the node's local image store.

Commands:
  import FILE...   Import docker-archive or OCI layout archives
  ls               List images
  rm REF...        Remove images
  pull REF         Pull an image from a registry

Every command takes --data-dir DIR (default /var/lib/orca).
Run \`orca images <command> --help\` for its flags.
`;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(value < 10 ? 2 : 1)}${units[unit]}`;
}

function humanAge(created: string | undefined, now: number): string {
  const at = created ? Date.parse(created) : Number.NaN;
  if (Number.isNaN(at)) return '';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  const steps: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n > 1 ? 's' : ''} ago`;
  }
  return 'Less than a minute ago';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] + 3)))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function listRows(images: ImageSummary[]): { reference: string; image: ImageSummary }[] {
  const rows: { reference: string; image: ImageSummary }[] = [];
  for (const image of images) {
    const tagged = image.references.filter((r) => !r.includes('@'));
    for (const reference of tagged.length > 0 ? tagged : image.references) rows.push({ reference, image });
  }
  return rows;
}

function progressPrinter(io: Io): (event: ImageProgress) => void {
  const lastShown = new Map<string, number>();
  const short = (digest: string) => digest.slice(0, 'sha256:'.length + 12);
  return (event) => {
    switch (event.kind) {
      case 'resolved':
        io.err(`${event.reference}: resolved to ${event.digest}\n`);
        return;
      case 'blob-exists':
        io.err(`${short(event.digest)}: already present\n`);
        return;
      case 'downloading': {
        const now = Date.now();
        if (event.completed < event.total && now - (lastShown.get(event.digest) ?? 0) < 1000) return;
        lastShown.set(event.digest, now);
        io.err(
          `${short(event.digest)}: downloading ${humanSize(event.completed)}/${humanSize(event.total)}\n`,
        );
        return;
      }
      case 'downloaded':
        io.err(`${short(event.digest)}: downloaded ${humanSize(event.size)}\n`);
        return;
      case 'unpacking':
        io.err(`${short(event.digest)}: unpacking\n`);
        return;
      case 'unpacked':
        return;
      case 'done':
        return;
    }
  };
}

async function credentialsFrom(values: Record<string, string | boolean | undefined>): Promise<{
  credentials: RegistryCredentials[];
  dockerConfigs: DockerConfigJson[];
}> {
  const credentials: RegistryCredentials[] = [];
  if (typeof values.creds === 'string') {
    const colon = values.creds.indexOf(':');
    if (colon <= 0) throw new UsageError('--creds must be USER:PASSWORD');
    credentials.push({ username: values.creds.slice(0, colon), password: values.creds.slice(colon + 1) });
  }
  const dockerConfigs: DockerConfigJson[] = [];
  if (typeof values['docker-config'] === 'string') {
    const file = values['docker-config'];
    let parsed: DockerConfigJson;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`--docker-config ${file}: ${(err as Error).message}`);
    }
    dockerConfigs.push(parsed);
  }
  return { credentials, dockerConfigs };
}

async function run(
  name: CommandName,
  values: Record<string, string | boolean | undefined>,
  args: string[],
  io: Io,
): Promise<number> {
  const store = new ImageStore({ dataDir: values['data-dir'] as string });
  switch (name) {
    case 'import': {
      if (args.length === 0) throw new UsageError('import needs at least one archive FILE');
      for (const file of args) {
        io.err(`importing ${file}\n`);
        for (const reference of await store.importArchive(file)) io.out(`${reference}\n`);
      }
      return 0;
    }
    case 'ls': {
      if (args.length > 0) throw new UsageError(`ls takes no arguments (got ${args.join(' ')})`);
      const rows = listRows(await store.list());
      if (values.quiet) {
        for (const row of rows) io.out(`${row.reference}\n`);
        return 0;
      }
      const now = Date.now();
      const cells = rows.map(({ reference, image }) => [
        reference,
        values['no-trunc'] ? image.digest : image.digest.slice(0, 'sha256:'.length + 12),
        humanSize(image.size),
        humanAge(image.created, now),
      ]);
      io.out(table([['REFERENCE', 'DIGEST', 'SIZE', 'CREATED'], ...cells]));
      return 0;
    }
    case 'rm': {
      if (args.length === 0) throw new UsageError('rm needs at least one image REF');
      let failed = 0;
      for (const ref of args) {
        try {
          const result = await store.remove(ref, { force: values.force === true });
          for (const r of result.untagged) io.out(`Untagged: ${r}\n`);
          if (result.deleted) io.out(`Deleted: ${result.deleted}\n`);
        } catch (err) {
          if (!(err instanceof ImageError)) throw err;
          io.err(`orca images rm: ${err.message}\n`);
          failed++;
        }
      }
      return failed > 0 ? 1 : 0;
    }
    case 'pull': {
      if (args.length !== 1) throw new UsageError('pull needs exactly one image REF');
      const { credentials, dockerConfigs } = await credentialsFrom(values);
      const insecure =
        typeof values['insecure-registry'] === 'string' ? values['insecure-registry'].split(',') : [];
      const result = await store.pull(args[0], {
        credentials,
        dockerConfigs,
        insecureRegistries: insecure,
        onProgress: values.quiet ? undefined : progressPrinter(io),
      });
      io.out(`${result.reference}@${result.image.digest}\n`);
      return 0;
    }
  }
}

/** Runs `orca images ARGV...`; returns the process exit code (2 for bad usage). */
export async function runImagesCommand(
  argv: string[],
  io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? io.err : io.out)(topUsage);
    return sub === undefined ? 2 : 0;
  }
  const name = (sub === 'list' ? 'ls' : sub === 'remove' || sub === 'rmi' ? 'rm' : sub) as CommandName;
  const command = commands[name];
  if (!Object.hasOwn(commands, name)) {
    io.err(`orca images: unknown command "${sub}"\n\n${topUsage}`);
    return 2;
  }
  try {
    const { values, rest: args } = parseFlags(rest, command.flags);
    if (values.help) {
      io.out(helpText(command.usage, command.summary, command.flags));
      return 0;
    }
    return await run(name, values, args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(
        `orca images ${name}: ${err.message}\n\n${helpText(command.usage, command.summary, command.flags)}`,
      );
      return 2;
    }
    if (err instanceof ImageError) {
      io.err(`orca images ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

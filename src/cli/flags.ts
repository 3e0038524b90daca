// A flag table per subcommand: parses with node:util's parseArgs and prints
// help that names every flag, its default and what it does.
import { parseArgs } from 'node:util';

export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  default?: string | boolean;
  help: string;
  /** Shown in help as the value's placeholder. */
  value?: string;
}

export class UsageError extends Error {}

export function parseFlags(
  argv: string[],
  specs: FlagSpec[],
): { values: Record<string, string | boolean | undefined>; rest: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {
    help: { type: 'boolean' },
  };
  for (const s of specs)
    options[s.name] = { type: s.type, ...(s.default !== undefined ? { default: s.default } : {}) };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, rest: positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function helpText(usage: string, summary: string, specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.type === 'string' ? ` ${s.value ?? 'VALUE'}` : ''}`;
    const def =
      s.default !== undefined && s.default !== false && s.default !== '' ? ` (default ${s.default})` : '';
    return { left, right: `${s.help}${def}` };
  });
  rows.push({ left: '  --help', right: 'Show this help.' });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return `Usage: ${usage}\n\n${summary}\n\nFlags:\n${rows.map((r) => r.left.padEnd(width) + r.right).join('\n')}\n`;
}

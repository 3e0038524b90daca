// Structured logging: one JSON line per entry with time, level, component and
// message, so operators can grep and ship them. No global logger: components
// receive one (or a child) from whoever builds them.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: Level;
  component?: string;
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = rank[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const make = (component: string): Logger => {
    const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
      if (rank[level] < min) return;
      const entry: Record<string, unknown> = { ts: new Date().toISOString(), level, component, msg };
      if (fields) {
        for (const [k, v] of Object.entries(fields)) entry[k] = v instanceof Error ? v.message : v;
      }
      write(JSON.stringify(entry));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (c) => make(component ? `${component}.${c}` : c),
    };
  };
  return make(options.component ?? 'orca');
}

/** A logger that drops everything; for tests and benchmarks that do not care. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });

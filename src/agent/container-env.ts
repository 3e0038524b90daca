// A container's environment as the kubelet computes it: envFrom sources
// first, then `env` in order (a later name wins), with `$(VAR)` in plain
// values expanded against what is defined so far, and valueFrom resolved
// from the pod, the node, ConfigMaps and Secrets.
import type { V1Container, V1EnvFromSource, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { isEnvVarName } from '../api/validation/names.ts';
import { type ConfigSource, configMapBytes, notFoundMessage, secretBytes } from './config-sources.ts';
import { ContainerConfigError } from './container-config-error.ts';
import { containerResourceValue, type PodRuntimeFields, podFieldValue } from './downward-fields.ts';
import { expand, mappingFor } from './var-expansion.ts';

export interface EnvVar {
  name: string;
  value: string;
}

export interface EnvContext {
  pod: V1Pod;
  container: V1Container;
  runtime: PodRuntimeFields;
  /** Stands in for limits a container leaves unset in resourceFieldRef. */
  nodeAllocatable: Record<string, string>;
  source: ConfigSource;
  signal?: AbortSignal;
  /** Told about envFrom keys skipped for not being variable names (a Warning event upstream). */
  onWarning?: (w: { reason: string; message: string }) => void;
}

type Loaded = Map<string, Buffer> | undefined;

async function load(
  ctx: EnvContext,
  kind: 'configmap' | 'secret',
  name: string,
  optional: boolean,
): Promise<Loaded> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const obj =
    kind === 'configmap'
      ? await ctx.source.configMap(ns, name, ctx.signal)
      : await ctx.source.secret(ns, name, ctx.signal);
  if (obj) {
    // Env vars see only a ConfigMap's text data; binaryData is for volumes.
    return kind === 'configmap' ? configMapBytes({ ...obj, binaryData: undefined }) : secretBytes(obj);
  }
  if (optional) return undefined;
  throw new ContainerConfigError(notFoundMessage(kind, name));
}

async function addEnvFrom(ctx: EnvContext, from: V1EnvFromSource, env: Map<string, string>): Promise<void> {
  const ref = from.configMapRef ?? from.secretRef;
  if (!ref?.name) return;
  const kind = from.configMapRef ? 'configmap' : 'secret';
  const data = await load(ctx, kind, ref.name, ref.optional === true);
  if (!data) return;
  const invalid: string[] = [];
  for (const key of [...data.keys()].sort()) {
    const name = (from.prefix ?? '') + key;
    if (isEnvVarName(name).length) invalid.push(name);
    else env.set(name, data.get(key)!.toString('utf8'));
  }
  if (invalid.length && ctx.onWarning) {
    const ns = ctx.pod.metadata?.namespace ?? 'default';
    ctx.onWarning({
      reason: 'InvalidEnvironmentVariableNames',
      message: `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${kind === 'configmap' ? 'configMap' : 'secret'} ${ns}/${ref.name} were skipped since they are considered invalid environment variable names.`,
    });
  }
}

/** The value of one `env` entry, or undefined when an optional source is missing (the variable is skipped). */
async function envValue(
  ctx: EnvContext,
  v: V1EnvVar,
  defined: Map<string, string>,
): Promise<string | undefined> {
  if (v.value) return expand(v.value, mappingFor(defined));
  const from = v.valueFrom;
  if (!from) return '';
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  try {
    if (from.fieldRef) return podFieldValue(ctx.pod, from.fieldRef, ctx.runtime);
    if (from.resourceFieldRef)
      return containerResourceValue(from.resourceFieldRef, ctx.pod, ctx.container, ctx.nodeAllocatable);
  } catch (err) {
    throw new ContainerConfigError((err as Error).message);
  }
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (!keyRef) return '';
  const kind = from.configMapKeyRef ? 'configmap' : 'secret';
  const optional = keyRef.optional === true;
  const data = await load(ctx, kind, keyRef.name ?? '', optional);
  if (!data) return undefined;
  const value = data.get(keyRef.key);
  if (value !== undefined) return value.toString('utf8');
  if (optional) return undefined;
  throw new ContainerConfigError(
    `couldn't find key ${keyRef.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${keyRef.name}`,
  );
}

// TODO(services): add service link variables (FOO_SERVICE_HOST …, enableServiceLinks) once Services are served.
/** The variables the agent sets (image Env is merged later, under these). */
export async function containerEnv(ctx: EnvContext): Promise<EnvVar[]> {
  const env = new Map<string, string>();
  for (const from of ctx.container.envFrom ?? []) await addEnvFrom(ctx, from, env);
  for (const v of ctx.container.env ?? []) {
    const value = await envValue(ctx, v, env);
    if (value !== undefined) env.set(v.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

/**
 * Image variables first, then the container's: a name both define keeps the
 * image's position with the container's value (how containerd merges them).
 */
export function mergeImageEnv(imageEnv: string[] | undefined, env: EnvVar[]): string[] {
  const merged = new Map<string, string>();
  for (const line of imageEnv ?? []) {
    const eq = line.indexOf('=');
    if (eq > 0) merged.set(line.slice(0, eq), line.slice(eq + 1));
    else if (line) merged.set(line, '');
  }
  for (const { name, value } of env) merged.set(name, value);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

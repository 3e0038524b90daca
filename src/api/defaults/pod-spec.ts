// Defaults every pod spec gets, whether in a Pod or in a workload template.
// (Pod-only defaults, which upstream keeps out of templates, live in pod.ts.)
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { defaultContainer } from './containers.ts';
import { canonicalizeRequirements, canonicalizeResourceList } from './quantities.ts';
import { defaultVolume } from './volumes.ts';

export const defaultTerminationGracePeriodSeconds = 30;
export const defaultSchedulerName = 'default-scheduler';

export function defaultPodSpec(spec: V1PodSpec | undefined): void {
  if (!spec) return;
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!spec.securityContext) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    spec.terminationGracePeriodSeconds = defaultTerminationGracePeriodSeconds;
  }
  if (!spec.schedulerName) spec.schedulerName = defaultSchedulerName;
  // serviceAccount is the deprecated spelling; the two are kept in step.
  const legacy = (spec as { serviceAccount?: string }).serviceAccount;
  if (!spec.serviceAccountName && legacy) spec.serviceAccountName = legacy;
  if (spec.serviceAccountName) (spec as { serviceAccount?: string }).serviceAccount = spec.serviceAccountName;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c as V1Container);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  canonicalizeResourceList(spec.overhead);
  canonicalizeRequirements(spec.resources);
}

// Nodes, namespaces, configuration, identity, storage claims and leases.
import type {
  V1ConfigMap,
  V1Lease,
  V1Namespace,
  V1Node,
  V1PersistentVolumeClaim,
  V1Secret,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { ageColumn, column, fieldDoc, nameColumn, wideColumn } from './columns.ts';
import { since } from './format.ts';
import { asModel, type Printer } from './types.ts';

export const namespacePrinter: Printer = {
  columns: () => [nameColumn(), column('Status', 'string', 'The phase of the namespace.'), ageColumn()],
  cells: (obj, now) => {
    const ns = asModel<V1Namespace>(obj);
    return [ns.metadata?.name ?? '', ns.status?.phase ?? '', since(ns.metadata?.creationTimestamp, now)];
  },
};

/** Labels that name a node's roles: node-role.kubernetes.io/ROLE and kubernetes.io/role=ROLE. */
const roleLabelPrefix = 'node-role.kubernetes.io/';
const legacyRoleLabel = 'kubernetes.io/role';

function nodeRoles(node: V1Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(roleLabelPrefix)) {
      const role = key.slice(roleLabelPrefix.length);
      if (role) roles.add(role);
    } else if (key === legacyRoleLabel && value) {
      roles.add(value);
    }
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

/** "Ready", "NotReady" or "Unknown" from the Ready condition, plus ",SchedulingDisabled" when cordoned. */
function nodeStatus(node: V1Node): string {
  // The last Ready condition wins, as upstream indexes conditions by type.
  const readyCondition = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  const parts = [readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeAddress(node: V1Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

export const nodePrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Status', 'string', 'Whether the node is ready, and whether scheduling on it is disabled.'),
    column('Roles', 'string', "The roles given by the node's role labels."),
    ageColumn(),
    column('Version', 'string', fieldDoc('V1NodeSystemInfo', 'kubeletVersion')),
    wideColumn('Internal-IP', 'string', fieldDoc('V1NodeStatus', 'addresses')),
    wideColumn('External-IP', 'string', fieldDoc('V1NodeStatus', 'addresses')),
    wideColumn('OS-Image', 'string', fieldDoc('V1NodeSystemInfo', 'osImage')),
    wideColumn('Kernel-Version', 'string', fieldDoc('V1NodeSystemInfo', 'kernelVersion')),
    wideColumn('Container-Runtime', 'string', fieldDoc('V1NodeSystemInfo', 'containerRuntimeVersion')),
  ],
  cells: (obj, now) => {
    const node = asModel<V1Node>(obj);
    const info = node.status?.nodeInfo;
    return [
      node.metadata?.name ?? '',
      nodeStatus(node),
      nodeRoles(node),
      since(node.metadata?.creationTimestamp, now),
      info?.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const configMapPrinter: Printer = {
  columns: () => [nameColumn(), column('Data', 'string', fieldDoc('V1ConfigMap', 'data')), ageColumn()],
  cells: (obj, now) => {
    const cm = asModel<V1ConfigMap>(obj);
    const keys = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return [cm.metadata?.name ?? '', keys, since(cm.metadata?.creationTimestamp, now)];
  },
};

export const secretPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Type', 'string', fieldDoc('V1Secret', 'type')),
    column('Data', 'string', fieldDoc('V1Secret', 'data')),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const secret = asModel<V1Secret>(obj);
    // stringData is write-only sugar merged into data; count a key once either way.
    const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
    return [
      secret.metadata?.name ?? '',
      secret.type ?? '',
      keys.size,
      since(secret.metadata?.creationTimestamp, now),
    ];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Secrets', 'string', fieldDoc('V1ServiceAccount', 'secrets')),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const sa = asModel<V1ServiceAccount>(obj);
    return [sa.metadata?.name ?? '', sa.secrets?.length ?? 0, since(sa.metadata?.creationTimestamp, now)];
  },
};

/** Access modes in their short forms, in a fixed order, each once. */
function accessModesText(modes: string[] | undefined): string {
  const short: [string, string][] = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  const present = new Set(modes ?? []);
  return short
    .filter(([mode]) => present.has(mode))
    .map(([, abbreviation]) => abbreviation)
    .join(',');
}

/** The beta annotation still overrides spec.storageClassName, as it does upstream. */
const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

export const persistentVolumeClaimPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Status', 'string', fieldDoc('V1PersistentVolumeClaimStatus', 'phase')),
    column('Volume', 'string', fieldDoc('V1PersistentVolumeClaimSpec', 'volumeName')),
    column('Capacity', 'string', fieldDoc('V1PersistentVolumeClaimStatus', 'capacity')),
    column('Access Modes', 'string', fieldDoc('V1PersistentVolumeClaimStatus', 'accessModes')),
    column('StorageClass', 'string', 'The storage class of the claim.'),
    column('VolumeAttributesClass', 'string', 'The volume attributes class of the claim.'),
    ageColumn(),
    wideColumn('VolumeMode', 'string', fieldDoc('V1PersistentVolumeClaimSpec', 'volumeMode')),
  ],
  cells: (obj, now) => {
    const pvc = asModel<V1PersistentVolumeClaim>(obj);
    const bound = Boolean(pvc.spec?.volumeName);
    const annotations = pvc.metadata?.annotations ?? {};
    const storageClass =
      betaStorageClassAnnotation in annotations
        ? annotations[betaStorageClassAnnotation]
        : (pvc.spec?.storageClassName ?? '');
    return [
      pvc.metadata?.name ?? '',
      pvc.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
      pvc.spec?.volumeName ?? '',
      // Capacity and access modes describe the bound volume; an unbound claim shows neither.
      bound ? String(pvc.status?.capacity?.storage ?? '0') : '',
      bound ? accessModesText(pvc.status?.accessModes) : '',
      storageClass,
      pvc.spec?.volumeAttributesClassName ?? '<unset>',
      since(pvc.metadata?.creationTimestamp, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
};

export const leasePrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Holder', 'string', fieldDoc('V1LeaseSpec', 'holderIdentity')),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const lease = asModel<V1Lease>(obj);
    return [
      lease.metadata?.name ?? '',
      lease.spec?.holderIdentity ?? '',
      since(lease.metadata?.creationTimestamp, now),
    ];
  },
};

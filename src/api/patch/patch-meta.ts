// How the served types take part in strategic merge patch and server-side
// apply. models.json (from @kubernetes/client-node) carries no patch
// metadata, so these are the facts upstream declares on its Go types in
// k8s.io/api and apimachinery meta/v1 — the `patchStrategy`/`patchMergeKey`
// struct tags and the `+listType`, `+listMapKey`, `+mapType`, `+structType`
// markers — written down per model id and JSON field name.
//
// Defaults when a field is absent here, as upstream: a list is atomic (SMP
// replaces it, SSA owns it whole), a map is granular, a struct is granular.

export type PatchStrategy = 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
export type ListType = 'atomic' | 'set' | 'map';

export interface PatchMeta {
  /** Strategic merge patch strategy; absent means the default (replace lists, merge maps). */
  strategy?: PatchStrategy;
  /** Key SMP matches list items by (lists of objects with strategy merge). */
  mergeKey?: string;
  /** Server-side apply list semantics. */
  listType?: ListType;
  /** Keys of a `map` list; an item is identified by all of them. */
  listMapKeys?: string[];
  /** `atomic` for maps that are owned and replaced as one value. */
  mapType?: 'atomic';
}

type Table = Record<string, Record<string, PatchMeta>>;

const atomic: PatchMeta = { listType: 'atomic' };
const set: PatchMeta = { listType: 'set' };
const mergedBy = (mergeKey: string, ...extraKeys: string[]): PatchMeta => ({
  strategy: 'merge',
  mergeKey,
  listType: 'map',
  listMapKeys: [mergeKey, ...extraKeys],
});
const conditions = mergedBy('type');

const containerLists: Record<string, PatchMeta> = {
  command: atomic,
  args: atomic,
  ports: mergedBy('containerPort', 'protocol'),
  envFrom: atomic,
  env: mergedBy('name'),
  resizePolicy: atomic,
  restartPolicyRules: atomic,
  volumeMounts: mergedBy('mountPath'),
  volumeDevices: mergedBy('devicePath'),
};

const table: Table = {
  // meta/v1
  V1ObjectMeta: {
    finalizers: { strategy: 'merge', listType: 'set' },
    ownerReferences: mergedBy('uid'),
    managedFields: atomic,
  },
  V1LabelSelector: { matchExpressions: atomic },
  V1LabelSelectorRequirement: { values: atomic },
  V1StatusDetails: { causes: atomic },
  V1DeleteOptions: { dryRun: atomic },

  // core/v1
  V1NamespaceSpec: { finalizers: atomic },
  V1NamespaceStatus: { conditions },
  V1PodSpec: {
    volumes: { ...mergedBy('name'), strategy: 'merge,retainKeys' },
    initContainers: mergedBy('name'),
    containers: mergedBy('name'),
    ephemeralContainers: mergedBy('name'),
    imagePullSecrets: mergedBy('name'),
    tolerations: atomic,
    hostAliases: mergedBy('ip'),
    readinessGates: atomic,
    topologySpreadConstraints: mergedBy('topologyKey', 'whenUnsatisfiable'),
    schedulingGates: mergedBy('name'),
    resourceClaims: { ...mergedBy('name'), strategy: 'merge,retainKeys' },
    nodeSelector: { mapType: 'atomic' },
  },
  V1PodStatus: {
    conditions,
    hostIPs: { strategy: 'merge', mergeKey: 'ip', listType: 'atomic' },
    podIPs: mergedBy('ip'),
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: { ...mergedBy('name'), strategy: 'merge,retainKeys' },
  },
  V1Container: containerLists,
  V1EphemeralContainer: containerLists,
  V1ContainerStatus: { allocatedResourcesStatus: mergedBy('name'), volumeMounts: mergedBy('mountPath') },
  V1ResourceStatus: { resources: { listType: 'map', listMapKeys: ['resourceID'] } },
  V1ResourceRequirements: { claims: { listType: 'map', listMapKeys: ['name'] } },
  V1PodDNSConfig: { nameservers: atomic, searches: atomic, options: atomic },
  V1HostAlias: { hostnames: atomic },
  V1PodSecurityContext: { supplementalGroups: atomic, sysctls: atomic },
  V1TopologySpreadConstraint: { matchLabelKeys: atomic },
  V1Capabilities: { add: atomic, drop: atomic },
  V1ExecAction: { command: atomic },
  V1HTTPGetAction: { httpHeaders: atomic },
  V1NodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  V1PodAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  V1PodAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  V1PodAffinityTerm: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  V1NodeSelector: { nodeSelectorTerms: atomic },
  V1NodeSelectorTerm: { matchExpressions: atomic, matchFields: atomic },
  V1NodeSelectorRequirement: { values: atomic },
  V1ConfigMapVolumeSource: { items: atomic },
  V1SecretVolumeSource: { items: atomic },
  V1DownwardAPIVolumeSource: { items: atomic },
  V1ProjectedVolumeSource: { sources: atomic },
  V1ConfigMapProjection: { items: atomic },
  V1SecretProjection: { items: atomic },
  V1DownwardAPIProjection: { items: atomic },
  V1CephFSVolumeSource: { monitors: atomic },
  V1RBDVolumeSource: { monitors: atomic },
  V1ISCSIVolumeSource: { portals: atomic },
  V1FCVolumeSource: { targetWWNs: atomic, wwids: atomic },
  V1NodeSpec: { podCIDRs: { strategy: 'merge', listType: 'set' }, taints: atomic },
  V1NodeStatus: {
    conditions,
    addresses: mergedBy('type'),
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
  },
  V1ContainerImage: { names: atomic },
  V1ServiceSpec: {
    ports: mergedBy('port', 'protocol'),
    selector: { mapType: 'atomic' },
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  V1ServiceStatus: { conditions },
  V1LoadBalancerStatus: { ingress: atomic },
  V1LoadBalancerIngress: { ports: atomic },
  V1Endpoints: { subsets: atomic },
  V1EndpointSubset: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  V1ServiceAccount: { secrets: mergedBy('name'), imagePullSecrets: atomic },
  V1PersistentVolumeClaimSpec: { accessModes: atomic },
  V1PersistentVolumeClaimStatus: { accessModes: atomic, conditions },

  // apps/v1
  V1DeploymentSpec: { strategy: { strategy: 'retainKeys' } },
  V1DeploymentStatus: { conditions },
  V1ReplicaSetStatus: { conditions },
  V1StatefulSetSpec: { volumeClaimTemplates: atomic },
  V1StatefulSetStatus: { conditions },
  V1DaemonSetStatus: { conditions },

  // batch/v1: job conditions merge by type under SMP but are atomic for SSA.
  V1JobStatus: { conditions: { strategy: 'merge', mergeKey: 'type', listType: 'atomic' } },
  V1CronJobStatus: { active: atomic },
  V1PodFailurePolicy: { rules: atomic },
  V1PodFailurePolicyRule: { onPodConditions: atomic },
  V1PodFailurePolicyOnExitCodesRequirement: { values: set },
  V1SuccessPolicy: { rules: atomic },
  V1UncountedTerminatedPods: { succeeded: set, failed: set },

  // discovery.k8s.io/v1
  V1EndpointSlice: { endpoints: atomic, ports: atomic },
  V1Endpoint: { addresses: set },
  V1EndpointHints: { forZones: atomic, forNodes: atomic },
};

/**
 * Structs marked `+structType=atomic`: server-side apply owns and replaces
 * them as one value (e.g. a Deployment's `spec.selector` shows as `f:selector: {}`).
 */
const atomicStructs = new Set([
  'V1LabelSelector',
  'V1OwnerReference',
  'V1ObjectReference',
  'V1LocalObjectReference',
  'V1TypedLocalObjectReference',
  'V1ObjectFieldSelector',
  'V1ResourceFieldSelector',
  'V1ConfigMapKeySelector',
  'V1SecretKeySelector',
  'V1EndpointAddress',
  'CoreV1EndpointPort',
  'V1NodeSelector',
  'V1NodeSelectorTerm',
]);

/**
 * Values the schema defaults for list-map key fields: an item that omits one
 * is identified as if it had the default (a container port without protocol
 * is `{"containerPort":80,"protocol":"TCP"}`).
 */
const keyDefaults: Record<string, Record<string, unknown>> = {
  V1ContainerPort: { protocol: 'TCP' },
  V1ServicePort: { protocol: 'TCP' },
};

/** The patch metadata of `field` on the model `modelId`, when it differs from the defaults. */
export function patchMetaOf(modelId: string, field: string): PatchMeta | undefined {
  return table[modelId]?.[field];
}

/** Whether a struct model is owned and replaced as a whole by server-side apply. */
export function isAtomicStruct(modelId: string): boolean {
  return atomicStructs.has(modelId);
}

/** The default value of a list-map key field of an item model, if the schema defaults it. */
export function keyDefaultOf(itemModelId: string, field: string): unknown {
  return keyDefaults[itemModelId]?.[field];
}

/** Every model id with a non-default entry, for OpenAPI generation. */
export function modelsWithPatchMeta(): string[] {
  return Object.keys(table);
}

/** The non-default fields of one model, by JSON field name. */
export function patchMetaFieldsOf(modelId: string): Readonly<Record<string, PatchMeta>> {
  return table[modelId] ?? {};
}

/** Every struct model marked atomic (OpenAPI writes them as `x-kubernetes-map-type: atomic`). */
export function atomicStructModels(): string[] {
  return [...atomicStructs];
}

/** Every item model with defaulted key fields, and those fields. */
export function keyDefaultModels(): Readonly<Record<string, Record<string, unknown>>> {
  return keyDefaults;
}

// Labels the agent puts on sandboxes and containers so that it (and a
// restarted agent) can tell which pod and which container each one is.
export const labels = {
  podUid: 'orca.pod.uid',
  podName: 'orca.pod.name',
  podNamespace: 'orca.pod.namespace',
  container: 'orca.container.name',
} as const;

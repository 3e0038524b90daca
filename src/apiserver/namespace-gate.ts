// Objects may only be created in a namespace that exists and is not being
// deleted: upstream's NamespaceLifecycle admission.
import type { KubeObject } from '../api/object.ts';
import type { ResourceInfo } from '../api/resources.ts';
import { errors, StatusError } from '../api/status.ts';
import type { NamespaceGate } from './registry/types.ts';

export function namespaceGate(lookup: (name: string) => Promise<KubeObject | undefined>): NamespaceGate {
  return {
    async checkCreate(namespace: string, info: ResourceInfo, name: string) {
      const ns = await lookup(namespace);
      if (!ns) throw errors.notFound({ resource: 'namespaces', name: namespace });
      if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
        const what = info.group ? `${info.plural}.${info.group}` : info.plural;
        throw new StatusError(
          'Forbidden',
          `${what} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          {
            name,
            kind: info.plural,
            causes: [
              {
                reason: 'NamespaceTerminating',
                message: `namespace ${namespace} is being terminated`,
                field: 'metadata.namespace',
              },
            ],
          },
        );
      }
    },
  };
}

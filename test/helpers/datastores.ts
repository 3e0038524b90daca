// The two datastores every control-plane integration suite runs on: the
// embedded SQLite default and a real etcd server on loopback.
import { startEtcd } from './etcd.ts';
import { type OrcaServer, startOrca } from './orca.ts';

export interface Datastore {
  name: 'sqlite' | 'etcd';
  start(): Promise<OrcaServer & { stopAll(): Promise<void> }>;
}

export const datastores: Datastore[] = [
  {
    name: 'sqlite',
    async start() {
      const s = await startOrca();
      return Object.assign(s, { stopAll: () => s.stop() });
    },
  },
  {
    name: 'etcd',
    async start() {
      const etcd = await startEtcd();
      try {
        const s = await startOrca({ datastore: etcd.endpoint });
        return Object.assign(s, {
          async stopAll() {
            await s.stop();
            await etcd.stop();
          },
        });
      } catch (err) {
        await etcd.stop();
        throw err;
      }
    },
  },
];

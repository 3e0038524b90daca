// The runtime folder's public face: the contract, and a factory for the OCI
// implementation (runc or crun under conmon). A fake runtime for scale tests
// will sit beside it with the same contract.

import { OciRuntime, type OciRuntimeOptions } from './oci/runtime.ts';
import type { Runtime } from './types.ts';

export { collectExec, type ExecResult } from './exec-result.ts';
export { HelperLauncher, inProcessLauncher, type Launcher } from './oci/launcher.ts';
export type { OciRuntimeOptions } from './oci/runtime.ts';
export type * from './types.ts';

export function createOciRuntime(options: OciRuntimeOptions): Runtime {
  return new OciRuntime(options);
}

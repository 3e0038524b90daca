// Why a container could not be made, in the words pod status uses: the
// waiting reason (CreateContainerConfigError for anything wrong with the
// pod's own config, CreateContainerError for what only fails at creation)
// and a message the agent shows as `Error: <message>` in events.

export type ContainerConfigReason = 'CreateContainerConfigError' | 'CreateContainerError';

export class ContainerConfigError extends Error {
  readonly reason: ContainerConfigReason;

  constructor(message: string, reason: ContainerConfigReason = 'CreateContainerConfigError') {
    super(message);
    this.name = 'ContainerConfigError';
    this.reason = reason;
  }
}

export const isContainerConfigError = (e: unknown): e is ContainerConfigError =>
  e instanceof ContainerConfigError;

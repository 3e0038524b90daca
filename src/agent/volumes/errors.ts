// Volume failures as the agent reports them: one FailedMount event per
// volume, worded as upstream words it, while the pod waits in
// ContainerCreating and the agent retries.

export interface VolumeFailure {
  volume: string;
  message: string;
}

/** The FailedMount event message for one volume. */
export function failedMountMessage(f: VolumeFailure): string {
  return `MountVolume.SetUp failed for volume "${f.volume}" : ${f.message}`;
}

/** Thrown by setUp when any volume could not be prepared; the others were. */
export class VolumeSetupError extends Error {
  readonly failures: VolumeFailure[];

  constructor(failures: VolumeFailure[]) {
    super(failures.map((f) => `volume "${f.volume}": ${f.message}`).join('; '));
    this.name = 'VolumeSetupError';
    this.failures = failures;
  }
}

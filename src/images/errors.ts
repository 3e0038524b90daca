// Image failures as typed values. The agent maps `reason` onto the waiting
// reasons kubelet reports (InvalidReference → InvalidImageName, anything from a
// pull → ErrImagePull), and the CLI onto exit codes; the message is what a user
// sees in `kubectl describe pod` or on the terminal, so it names the image.

export type ImageErrorReason =
  | 'InvalidReference' // the string is not an image reference
  | 'NotFound' // no such image locally, or the registry has no such manifest/blob
  | 'Unauthorized' // the registry refused our credentials (or asked for some)
  | 'DigestMismatch' // content did not hash to the digest that named it
  | 'InvalidImage' // malformed manifest, config, archive or layer
  | 'Unsupported' // a media type, digest algorithm or platform we do not handle
  | 'InUse' // refusing to remove an image a container uses
  | 'Registry'; // the registry or the network failed in some other way

export class ImageError extends Error {
  readonly reason: ImageErrorReason;

  constructor(reason: ImageErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.reason = reason;
  }
}

export function isImageError(err: unknown, reason?: ImageErrorReason): err is ImageError {
  return err instanceof ImageError && (reason === undefined || err.reason === reason);
}

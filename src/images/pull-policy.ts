// imagePullPolicy, as kubelet applies it.

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Whether to contact the registry before starting a container. */
export function shouldPull(policy: PullPolicy, present: boolean): boolean {
  switch (policy) {
    case 'Always':
      return true;
    case 'IfNotPresent':
      return !present;
    case 'Never':
      return false;
  }
}

/**
 * The default when a container leaves imagePullPolicy empty: Always for the
 * ":latest" tag or no tag (and no digest), IfNotPresent otherwise.
 */
export function defaultPullPolicy(image: string): PullPolicy {
  const withoutDigest = image.split('@')[0];
  const hasDigest = image.includes('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > lastSlash ? withoutDigest.slice(colon + 1) : undefined;
  if (hasDigest) return 'IfNotPresent';
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

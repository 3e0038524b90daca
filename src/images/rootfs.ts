// A container's root filesystem: an overlay mount of the image's unpacked
// layers (read-only, top layer first) under a writable upper directory that
// belongs to the container alone. Layout inside the container directory:
//   rootfs/  the mount point handed to runc
//   upper/   the container's changes
//   work/    overlayfs scratch space (same filesystem as upper/)
//   l/       symbolic links 0, 1, … to the image's layers, top one first
// The overlay is mounted from inside the container directory with paths
// relative to it (lowerdir=l/0:l/1:…,upperdir=upper,workdir=work). The
// kernel shows the options as given in every read of /proc/*/mountinfo, and
// runc, mount and umount read that file several times per container: with
// absolute paths each overlay line was about three times as long, and a node
// with many pods spent a noticeable share of its CPU producing and parsing it.
// Short names also leave room for hundreds of layers in one page of options.
// A rootfs lease keeps the layers from collection while the mount exists,
// even across an agent restart.

import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { runCommand } from '../util/process-runner.ts';
import type { StoreContext } from './context.ts';
import { sha256Of } from './digest.ts';
import { ImageError } from './errors.ts';
import type { ImageRecord } from './index-file.ts';
import { ensureLayers } from './ingest.ts';
import { layerPath } from './layout.ts';
import { removeLease, writeLease } from './leases.ts';
import { withStoreLock } from './lock.ts';
import { isMountPoint } from './mounts.ts';

// mount(2) takes its options in one page; stay clear of the 4096-byte limit.
const maxMountOptions = 4000;

export interface PreparedRootfs {
  /** The mounted root filesystem, for the OCI runtime spec's root.path. */
  rootfs: string;
  /** Unmounts and removes rootfs/, upper/ and work/. */
  release(): Promise<void>;
  /** Same as release(). */
  cleanup(): Promise<void>;
}

interface ContainerPaths {
  rootfs: string;
  upper: string;
  work: string;
  empty: string;
  /** The directory of links to the layers, as the lowerdir paths name them. */
  layerLinks: string;
  lease: string;
}

function containerPaths(containerDir: string): ContainerPaths {
  const dir = resolve(containerDir);
  return {
    rootfs: join(dir, 'rootfs'),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    empty: join(dir, 'empty'),
    layerLinks: join(dir, 'l'),
    lease: `rootfs-${sha256Of(dir).slice('sha256:'.length, 'sha256:'.length + 32)}.json`,
  };
}

export async function prepareRootfs(
  ctx: StoreContext,
  image: ImageRecord,
  containerDir: string,
  signal?: AbortSignal,
): Promise<PreparedRootfs> {
  const paths = containerPaths(containerDir);
  const handle: PreparedRootfs = {
    rootfs: paths.rootfs,
    release: () => releaseRootfs(ctx, containerDir),
    cleanup: () => releaseRootfs(ctx, containerDir),
  };
  if (await isMountPoint(paths.rootfs)) return handle; // prepared before (e.g. by an agent that restarted)

  const chainIDs = image.layers.map((l) => l.chainID);
  await withStoreLock(
    ctx.layout,
    () =>
      writeLease(ctx.layout, paths.lease, {
        kind: 'rootfs',
        owner: ctx.owner,
        target: paths.rootfs,
        image: image.digest,
        chainIDs,
      }),
    signal,
  );
  try {
    await ensureLayers(ctx, undefined, image.layers, undefined, signal);
    for (const dir of [paths.rootfs, paths.upper, paths.work])
      await mkdir(dir, { recursive: true, mode: 0o755 });
    await rm(paths.layerLinks, { recursive: true, force: true });
    await mkdir(paths.layerLinks);
    const layers = [...chainIDs].reverse().map((id) => resolve(layerPath(ctx.layout, id)));
    const lowers: string[] = [];
    for (const [i, layer] of layers.entries()) {
      await symlink(layer, join(paths.layerLinks, String(i)));
      lowers.push(`l/${i}`);
    }
    if (lowers.length === 0) {
      await mkdir(paths.empty, { recursive: true });
      lowers.push('empty');
    }
    const options = `lowerdir=${lowers.join(':')},upperdir=upper,workdir=work`;
    if (options.length > maxMountOptions) {
      throw new ImageError(
        'Unsupported',
        `image has too many layers (${chainIDs.length}) for one overlay mount`,
      );
    }
    await runCommand(ctx.runner, 'mount', ['-t', 'overlay', 'overlay', '-o', options, paths.rootfs], {
      cwd: dirname(paths.rootfs),
    });
  } catch (err) {
    await releaseRootfs(ctx, containerDir).catch(() => {});
    throw err;
  }
  return handle;
}

/** Unmounts a container's rootfs and removes its directories; safe to repeat. */
export async function releaseRootfs(ctx: StoreContext, containerDir: string): Promise<void> {
  const paths = containerPaths(containerDir);
  if (await isMountPoint(paths.rootfs)) {
    try {
      await runCommand(ctx.runner, 'umount', [paths.rootfs]);
    } catch {
      // Still busy (a process holds a file open): detach it now, the kernel
      // frees it when the last user goes.
      await runCommand(ctx.runner, 'umount', ['--lazy', paths.rootfs]);
    }
  }
  if (await isMountPoint(paths.rootfs)) {
    throw new ImageError('InUse', `${paths.rootfs} is still mounted after unmounting it`);
  }
  for (const dir of [paths.rootfs, paths.upper, paths.work, paths.empty, paths.layerLinks])
    await rm(dir, { recursive: true, force: true });
  await withStoreLock(ctx.layout, () => removeLease(ctx.layout, paths.lease));
}

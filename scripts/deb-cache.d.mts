// Types of scripts/deb-cache.mjs for the TypeScript tests that call it.
export interface CachedDeb {
  package: string;
  version: string;
  architecture: string;
  deb: string;
  sha256: string;
}
export declare const CACHE_DIR: string;
export declare const DEBS_DIR: string;
export declare const DEB_ROOT: string;
export declare const QEMU_XEN_BINARY: string;
export declare const DEB_SETS: Record<'libxen-dev' | 'qemu-xen', { roots: string[]; purpose: string }>;
export declare class DebCacheError extends Error {}
export declare function ensureDebSet(name: keyof typeof DEB_SETS, options?: { log?: (line: string) => void }): { root: string; packages: CachedDeb[] };
export declare function readManifest(): { sets: Record<string, CachedDeb[]> };
export declare function debField(deb: string, field: string): string;
export declare function libraryPath(root?: string): string;
export declare function checkQemuXen(options?: { log?: (line: string) => void }): {
  binary: string;
  libraryPath: string;
  version: string;
  packageVersion: string | undefined;
  packages: CachedDeb[];
};

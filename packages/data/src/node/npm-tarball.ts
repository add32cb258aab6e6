import { createHash } from 'node:crypto';
import { GanError } from '@gan/core';

/** A package version in an npm registry, and the integrity of its tarball (`npm view <name>@<version> dist`). */
export interface NpmTarball {
  name: string;
  version: string;
  /** Subresource-integrity string, e.g. `sha512-<base64>` (the `dist.integrity` of the registry). */
  integrity: string;
}

const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

/** The registry npm itself would use: `$npm_config_registry` when set, else the public registry. */
export function npmRegistry(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_config_registry || env.NPM_CONFIG_REGISTRY || DEFAULT_REGISTRY;
}

/** The tarball URL of a package version: `<registry>/<name>/-/<name without scope>-<version>.tgz`. */
export function npmTarballUrl(tarball: NpmTarball, registry = npmRegistry()): string {
  const base = registry.replace(/\/+$/, '');
  const file = tarball.name.replace(/^@[^/]+\//, '');
  return `${base}/${tarball.name}/-/${file}-${tarball.version}.tgz`;
}

/** The tarball file name `npm pack` writes: `<name without scope>-<version>.tgz`. */
export function npmTarballFileName(tarball: NpmTarball): string {
  return `${tarball.name.replace(/^@/, '').replace('/', '-')}-${tarball.version}.tgz`;
}

/**
 * Why `bytes` do not match a subresource-integrity string (`sha512-…`, `sha1-…`; when it lists several,
 * the strongest is checked), or `undefined` when they match.
 */
export function integrityProblem(bytes: Uint8Array, integrity: string): string | undefined {
  const strength = ['sha1', 'sha256', 'sha384', 'sha512'];
  const hashes = integrity
    .trim()
    .split(/\s+/)
    .map((entry) => {
      const dash = entry.indexOf('-');
      return { algorithm: entry.slice(0, dash), digest: entry.slice(dash + 1).replace(/\?.*$/, '') };
    })
    .filter(({ algorithm }) => strength.includes(algorithm))
    .sort((a, b) => strength.indexOf(b.algorithm) - strength.indexOf(a.algorithm));
  const strongest = hashes[0];
  if (!strongest)
    throw new GanError('INVALID_ARGUMENT', `Expected an integrity string such as sha512-…, got "${integrity}".`);
  const actual = createHash(strongest.algorithm).update(bytes).digest('base64');
  if (actual === strongest.digest) return undefined;
  return `integrity mismatch: expected ${strongest.algorithm}-${strongest.digest}, got ${strongest.algorithm}-${actual}`;
}

export interface FetchTarballConfig {
  /** Give up when no bytes arrive for this long, in milliseconds. Defaults to `60000`. */
  idleTimeoutMs?: number;
  /** Receives the download's start and progress (every quarter). Defaults to none. */
  log?: (message: string) => void;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function describeFailure(error: unknown, idleTimeoutMs: number): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return `no data for ${idleTimeoutMs / 1000} s`;
  }
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
}

/**
 * Downloads `url` into memory, logging progress, and checks it against `integrity`. Throws
 * GanError('NETWORK') saying why (unreachable, HTTP status, stalled, incomplete, integrity mismatch).
 */
export async function fetchTarball(
  url: string,
  integrity: string,
  config: FetchTarballConfig = {},
): Promise<Uint8Array> {
  const { idleTimeoutMs = 60_000, log } = config;
  const fail = (why: string) => new GanError('NETWORK', `Could not download ${url}: ${why}.`);
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const chunks: Uint8Array[] = [];
  let received = 0;
  let declared: number | undefined;
  try {
    const response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw fail(`HTTP ${response.status} ${response.statusText}`.trim());
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    declared = Number.isFinite(length) && length > 0 ? length : undefined;
    log?.(`Downloading ${url}${declared ? ` (${megabytes(declared)})` : ''}`);
    let reported = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), idleTimeoutMs);
      chunks.push(value);
      received += value.length;
      const quarter = declared ? Math.floor((received * 4) / declared) : 0;
      if (quarter > reported && quarter < 4) {
        log?.(`  ${quarter * 25}% (${megabytes(received)} of ${megabytes(declared as number)})`);
        reported = quarter;
      }
    }
  } catch (error) {
    if (GanError.isInstance(error)) throw error;
    throw fail(describeFailure(error, idleTimeoutMs));
  } finally {
    clearTimeout(timer);
  }
  if (declared !== undefined && declared !== received) {
    throw fail(`incomplete: expected ${declared} bytes, got ${received}`);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const problem = integrityProblem(bytes, integrity);
  if (problem) throw fail(`${problem} (a proxy or mirror that changed it?)`);
  log?.(`Downloaded ${megabytes(received)}; integrity checked`);
  return bytes;
}

import { createHash } from 'node:crypto';
import { GanError } from '@gan/core';
import { writeFileAtomic } from '@gan/core/node';
import { isGzip } from './read-file.js';

export interface DownloadFileConfig {
  /** Mirrors of the same file, tried in order until one gives a file that passes the checks. */
  urls: readonly string[];
  /** Where to write the file. It appears only when complete (written to a temporary name, then renamed). */
  destination: string;
  /** Expected MD5 (hex) of the file. Defaults to no check. */
  md5?: string;
  /** Require the gzip magic bytes 1F 8B. Defaults to `false`. */
  gzip?: boolean;
  /** Time allowed for one mirror (connect + transfer), in milliseconds. Defaults to `120000`. */
  timeoutMs?: number;
  /** Receives progress messages. Defaults to none. */
  log?: (message: string) => void;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timed out after ${timeoutMs / 1000} s`;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
}

/** Fetches one URL and checks length, gzip magic and MD5; returns the bytes or the reason it failed. */
async function fetchChecked(url: string, config: DownloadFileConfig, timeoutMs: number): Promise<Uint8Array | string> {
  let bytes: Uint8Array;
  let declared: number | undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    if (!response.ok) return `HTTP ${response.status} ${response.statusText}`.trim();
    const length = response.headers.get('content-length');
    declared = length === null ? undefined : Number(length);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return describeFailure(error, timeoutMs);
  }
  if (declared !== undefined && Number.isFinite(declared) && declared !== bytes.length) {
    return `incomplete: expected ${declared} bytes, got ${bytes.length}`;
  }
  if (config.gzip && !isGzip(bytes)) return 'not a gzip file (an error page?)';
  if (config.md5) {
    const md5 = createHash('md5').update(bytes).digest('hex');
    if (md5 !== config.md5) return `checksum mismatch: expected MD5 ${config.md5}, got ${md5}`;
  }
  return bytes;
}

/**
 * Downloads a file from the first mirror that serves it intact (size as announced, gzip magic and MD5
 * when asked). Throws GanError('NETWORK') listing each mirror and why it failed.
 */
export async function downloadFile(config: DownloadFileConfig): Promise<void> {
  const { urls, destination, timeoutMs = 120_000, log } = config;
  const failures: string[] = [];
  for (const url of urls) {
    log?.(`Downloading ${url}`);
    const result = await fetchChecked(url, config, timeoutMs);
    if (typeof result === 'string') {
      failures.push(`${url}: ${result}`);
      continue;
    }
    try {
      await writeFileAtomic(destination, result);
    } catch (cause) {
      throw new GanError('NOT_FOUND', `Cannot write ${destination}: ${(cause as Error).message}.`, { cause });
    }
    log?.(`Saved ${destination} (${result.length} bytes)`);
    return;
  }
  throw new GanError('NETWORK', `Could not download ${destination} from any mirror (${failures.join('; ')}).`);
}

import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The user cache folder of a dataset: `$XDG_CACHE_HOME/gan/<name>` when XDG_CACHE_HOME is set,
 * else `~/.cache/gan/<name>`.
 */
export function datasetCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'gan', name);
}

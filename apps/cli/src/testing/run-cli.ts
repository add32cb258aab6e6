import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** The built CLI that the tests run (build it with `npx tsup` in apps/cli first). */
export const cli = resolve(here, '../../dist/index.js');

/** The MNIST test digits in ../shared beside the repository. */
export const mnistDir = resolve(here, '../../../../../shared/data/mnist');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `gan ...args` in a child process and resolves to its exit code and output (never rejects on a non-zero exit). */
export async function gan(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as CliResult;
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

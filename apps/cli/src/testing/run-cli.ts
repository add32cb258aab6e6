import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** The built CLI that the tests run (build it with `npx tsup` in apps/cli first). */
export const cli = resolve(here, '../../dist/index.js');

/**
 * The MNIST test digits in ../shared beside the repository (the shared data folder of the machines this project
 * runs on); they are not in the repository. Tests that need them skip without them.
 */
export const mnistDir = resolve(here, '../../../../../shared/data/mnist');

/** Whether the t10k image and label files are in {@link mnistDir}. */
export const hasMnist = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].every((file) =>
  existsSync(join(mnistDir, file)),
);

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

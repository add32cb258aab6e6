import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { evalCommand, evalUsage } from './eval-command.js';
import { interpolateCommand, interpolateUsage } from './interpolate-command.js';
import { logCommand, logUsage } from './log-command.js';
import { sampleCommand, sampleUsage } from './sample-command.js';
import { exportCommand, exportUsage, importCommand, importUsage } from './torch-commands.js';
import { trainCommand, trainUsage } from './train-command.js';

const usage = `gan — train and sample GANs with TensorFlow.js

Commands:
  gan train [options]    train a GAN (no options: the quick-start DCGAN on the built-in shapes, ~3 minutes)
  gan sample --from DIR  draw samples from a trained generator
  gan eval --from DIR    measure a generator: FID, KID, Inception Score, precision/recall
  gan interpolate --from DIR  walk the latent space between noise vectors (PNG strip)
  gan log DIR            summarise a run's log.jsonl and plot its losses
  gan import --model NAME --from FILE --out DIR  a run folder from PyTorch weights (state_dict or safetensors)
  gan export --from DIR --out FILE  a run's generator as PyTorch weights, with model.py

${trainUsage}

${sampleUsage}

${evalUsage}

${interpolateUsage}

${logUsage}

${importUsage}

${exportUsage}`;

async function main(argv: string[]): Promise<void> {
  // Production mode: tfjs's own console notes (the "looks like you are running TensorFlow.js in Node.js" banner,
  // deprecation notes) stay off the terminal; the CLI says what matters in its own lines.
  tf.env().set('PROD', true);
  const [command, ...rest] = argv;
  switch (command) {
    case 'train':
      return trainCommand(rest);
    case 'sample':
      return sampleCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'interpolate':
      return interpolateCommand(rest);
    case 'log':
      return logCommand(rest);
    case 'import':
      return importCommand(rest);
    case 'export':
      return exportCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return;
    default:
      throw new GanError(
        'UNKNOWN_NAME',
        `Unknown command "${command}". Known commands: train, sample, eval, interpolate, log, import, export. Run "gan help" for options.`,
      );
  }
}

main(process.argv.slice(2)).then(
  // The wasm backend's worker threads would keep Node alive after the work is done.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    if (GanError.isInstance(error)) {
      console.error(`gan: ${error.message}`);
      process.exit(error.code === 'INVALID_ARGUMENT' || error.code === 'UNKNOWN_NAME' ? 2 : 1);
    }
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`gan: ${(error as Error).message}. Run "gan help" for the options.`);
      process.exit(2);
    }
    // A failure of the system (a full disk, a folder that cannot be written) is one line, naming the path.
    const system = error as NodeJS.ErrnoException;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && typeof system.syscall === 'string') {
      const hint =
        code === 'ENOSPC' || code === 'EDQUOT' ? ' The disk is full: make room and run the command again.' : '';
      console.error(
        `gan: ${system.message}${system.path && !system.message.includes(system.path) ? ` (${system.path})` : ''}.${hint}`,
      );
      process.exit(1);
    }
    console.error(error);
    process.exit(1);
  },
);

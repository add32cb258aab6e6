/** A one-line progress bar with losses and ETA on a TTY; one line per epoch otherwise (CI logs stay readable). */
export interface Progress {
  step(
    epoch: number,
    stepInEpoch: number,
    stepsPerEpoch: number,
    losses: { discriminator: number; generator: number },
  ): void;
  epochDone(line: string): void;
  message(line: string): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(rest).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function createProgress(totalEpochs: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const interactive = Boolean(stream.isTTY);
  const started = Date.now();
  let stepsDone = 0;
  let lastDraw = 0;
  return {
    step(epoch, stepInEpoch, stepsPerEpoch, losses) {
      stepsDone++;
      if (!interactive) return;
      const now = Date.now();
      if (now - lastDraw < 100 && stepInEpoch < stepsPerEpoch) return;
      lastDraw = now;
      const totalSteps = totalEpochs * stepsPerEpoch;
      const elapsed = (now - started) / 1000;
      const eta = (elapsed / stepsDone) * (totalSteps - stepsDone);
      const width = 24;
      const filled = Math.round((stepInEpoch / stepsPerEpoch) * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      stream.write(
        `\r\x1b[2Kepoch ${epoch}/${totalEpochs} ${bar} ${stepInEpoch}/${stepsPerEpoch}  D ${losses.discriminator.toFixed(4)}  G ${losses.generator.toFixed(4)}  ETA ${formatDuration(eta)}`,
      );
    },
    epochDone(line) {
      stream.write(interactive ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
    message(line) {
      stream.write(interactive ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}

export { formatDuration };

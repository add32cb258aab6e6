/** A live chart of the discriminator's and the generator's losses. */
export interface LossChart {
  add(step: number, discriminatorLoss: number, generatorLoss: number): void;
  clear(): void;
}

/** Draws both losses against the step on `canvas`, rescaling the axes to the data (at most `capacity` points kept). */
export function lossChart(canvas: HTMLCanvasElement, capacity = 2000): LossChart {
  const steps: number[] = [];
  const discriminator: number[] = [];
  const generator: number[] = [];

  const render = () => {
    const context = canvas.getContext('2d');
    if (!context) return;
    const { width, height } = canvas;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    const finite = [...discriminator, ...generator].filter(Number.isFinite);
    if (steps.length < 2 || finite.length === 0) return;
    const low = Math.min(0, ...finite);
    const high = Math.max(...finite, low + 1e-6);
    const first = steps[0] as number;
    const last = steps[steps.length - 1] as number;
    const x = (step: number) => 30 + ((step - first) / Math.max(last - first, 1)) * (width - 40);
    const y = (value: number) => height - 15 - ((value - low) / (high - low)) * (height - 25);
    context.fillStyle = '#555';
    context.font = '10px sans-serif';
    context.fillText(high.toFixed(2), 2, 12);
    context.fillText(low.toFixed(2), 2, height - 15);
    context.fillText(`step ${last}`, width - 60, height - 3);
    for (const [values, color] of [
      [discriminator, '#1f77b4'],
      [generator, '#ff7f0e'],
    ] as const) {
      context.strokeStyle = color;
      context.beginPath();
      values.forEach((value, i) => {
        if (!Number.isFinite(value)) return;
        const px = x(steps[i] as number);
        const py = y(value);
        if (i === 0) context.moveTo(px, py);
        else context.lineTo(px, py);
      });
      context.stroke();
    }
  };

  return {
    add(step, discriminatorLoss, generatorLoss) {
      steps.push(step);
      discriminator.push(discriminatorLoss);
      generator.push(generatorLoss);
      if (steps.length > capacity) {
        // Keep every other point: the chart still spans the whole run.
        for (const series of [steps, discriminator, generator]) {
          const kept = series.filter((_, i) => i % 2 === 0);
          series.length = 0;
          series.push(...kept);
        }
      }
      render();
    },
    clear() {
      steps.length = 0;
      discriminator.length = 0;
      generator.length = 0;
      render();
    },
  };
}

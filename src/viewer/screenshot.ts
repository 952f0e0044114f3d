/** Saves exactly the frame target (no overlay, no canvas colour management) as a PNG download. */
import { encodePng } from './png';
import type { Viewer } from './viewer';

export async function downloadScreenshot(viewer: Viewer): Promise<void> {
  const frame = await viewer.readFrame();
  const png = encodePng(frame.width, frame.height, frame.data);
  const url = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
  const link = document.createElement('a');
  link.href = url;
  const stem = (viewer.current?.name ?? 'nerve').replace(/\.[^.]+$/, '');
  link.download = `${stem}-${frame.width}x${frame.height}.png`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

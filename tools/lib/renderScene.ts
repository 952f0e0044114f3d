/**
 * The work of `npm run render` (tools/render.ts): one frame of the real app in headless Chromium,
 * written as a PNG of exactly the frame target (no overlay). Throws with the message on any
 * problem: missing file, bad scene, load error, WebGPU error, page error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { assertNoProblems, openAppSession } from './appSession';
import { parseRenderArgs, renderSize } from './cliArgs';
import { loadSceneInput } from './sceneInput';

export async function render(argv: string[]): Promise<{ width: number; height: number; out: string }> {
  const args = parseRenderArgs(argv);
  const input = loadSceneInput(args.input, args);
  const size = renderSize(args, input.camera);
  const session = await openAppSession();
  try {
    const { page, server } = session;
    const baseUrl = server.localUrl(input.baseDir) + '/';
    const error = await page.evaluate(
      async ({ scene, baseUrl, size }) => {
        window.nerve.setSize(size.width, size.height);
        const error = await window.nerve.openSceneObject(scene, baseUrl);
        // Dynamic content starts playing in the viewer; the image is of the scene's time.
        window.nerve.setTime(scene.time);
        return error;
      },
      { scene: input.scene, baseUrl, size },
    );
    if (error) throw new Error(error);
    // An image (a GaussianImage) renders at its own size unless the command or a camera says otherwise.
    const nativeSize = await page.evaluate(() => window.nerve.nativeSize);
    if (nativeSize && !input.camera && (args.width === undefined || args.height === undefined)) {
      const imageSize = renderSize(args, nativeSize);
      await page.evaluate(({ width, height }) => window.nerve.setSize(width, height), imageSize);
    }
    const frame = await page.evaluate(async () => {
      await window.nerve.renderFrames(1);
      return window.nerve.readFrame();
    });
    await assertNoProblems(session);
    const lateError = await page.evaluate(() => window.nerve.error);
    if (lateError) throw new Error(lateError);
    const png = new PNG({ width: frame.width, height: frame.height });
    png.data = Buffer.from(frame.base64, 'base64');
    const out = resolve(args.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, PNG.sync.write(png));
    return { width: frame.width, height: frame.height, out };
  } finally {
    await session.close();
  }
}


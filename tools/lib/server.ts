/**
 * A tiny static HTTP server on 127.0.0.1 for the command-line tools: the built app at `/`, and the
 * local files the user names at `/@local/<absolute path>`, so a scene file's relative paths
 * (../assets/x.ply) resolve to the files beside it. Sizes are sent so the page shows progress.
 * It lives only as long as the command and listens on loopback only.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.map': 'application/json',
};

const LOCAL_PREFIX = '/@local';

export interface StaticServer {
  url: string;
  /** The URL at which the page can fetch a local file. */
  localUrl(path: string): string;
  close(): Promise<void>;
}

export async function serveStatic(appDir: string): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let file: string;
    if (pathname.startsWith(`${LOCAL_PREFIX}/`)) file = normalize(pathname.slice(LOCAL_PREFIX.length));
    else {
      file = normalize(join(appDir, pathname === '/' ? 'index.html' : pathname));
      if (!file.startsWith(resolve(appDir))) file = '';
    }
    let size = -1;
    try {
      const stat = statSync(file);
      if (stat.isFile()) size = stat.size;
    } catch {
      // Missing: answered with 404 below.
    }
    if (req.method !== 'GET' || size < 0) {
      res.writeHead(req.method !== 'GET' ? 405 : 404, { 'content-type': 'text/plain' });
      res.end(req.method !== 'GET' ? 'GET only' : `not found: ${pathname}`);
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('static server has no port');
  const url = `http://127.0.0.1:${address.port}/`;
  return {
    url,
    localUrl: (path) => `${url.slice(0, -1)}${LOCAL_PREFIX}${resolve(path).split('/').map(encodeURIComponent).join('/')}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/**
 * Where assets come from (a URL, a user's file, or several files such as a dropped folder) and how
 * their bytes reach a method: streamed, counted for the progress bar, cancellable through one
 * AbortSignal, with the first bytes peeked for format sniffing. Also the progress bar itself and the
 * drop / file-picker inputs, which walk dropped folders.
 */
import { bundleFromEntries, type AssetBundle } from '../formats/bundle';

/** `bundle`: an asset of several files (a SOG folder), read file by file; `size` is their total. */
export type AssetRef = SingleAssetRef | { kind: 'bundle'; bundle: AssetBundle; size: number };
/** One file: by URL or a user's file. */
export type SingleAssetRef = { kind: 'url'; url: string } | { kind: 'file'; file: File };

/** A dropped or picked file and its path in what the user gave ('folder/meta.json' for a folder's files, else the name). */
export interface PickedFile {
  file: File;
  path: string;
}

/** A drop larger than this many files is refused (a folder dropped by mistake, e.g. a home directory). */
export const MAX_DROPPED_FILES = 10_000;

export function assetName(ref: AssetRef): string {
  if (ref.kind === 'file') return ref.file.name;
  if (ref.kind === 'bundle') return ref.bundle.name;
  const path = ref.url.split(/[?#]/)[0]!;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || ref.url;
}

/**
 * Servers with a single-page-app fallback (vite dev/preview, most static hosts) answer a missing
 * file with index.html and status 200; name that instead of feeding HTML to a parser.
 */
function checkNotHtmlFallback(response: Response, url: string): void {
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/html') && !/\.html?$/i.test(new URL(url, location.href).pathname)) {
    throw new Error(`Could not load ${url}: the server sent an HTML page instead (HTTP ${response.status}); the file is probably missing`);
  }
}

/** The bytes of a single-file asset as a stream, with the total size when known. */
export async function openAssetStream(ref: AssetRef, signal: AbortSignal): Promise<{ stream: ReadableStream<Uint8Array>; size?: number }> {
  if (ref.kind === 'bundle') throw new Error(`${ref.bundle.name} is several files; it opens as a bundle, not a stream`);
  if (ref.kind === 'file') return { stream: ref.file.stream(), size: ref.file.size };
  let response: Response;
  try {
    response = await fetch(ref.url, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`Could not fetch ${ref.url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`Could not load ${ref.url}: HTTP ${response.status} ${response.statusText}`.trim());
  checkNotHtmlFallback(response, ref.url);
  if (!response.body) throw new Error(`Could not load ${ref.url}: the response has no body`);
  // Content-Length counts compressed bytes when the server compresses; then the total is unknown.
  const length = Number(response.headers.get('content-length'));
  const compressed = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  return { stream: response.body, size: length > 0 && !compressed ? length : undefined };
}

/** Reads a JSON document from a URL or a file, with the source named in every error. */
export async function readJson(ref: SingleAssetRef, signal?: AbortSignal): Promise<unknown> {
  const name = ref.kind === 'file' ? ref.file.name : ref.url;
  let text: string;
  if (ref.kind === 'file') text = await ref.file.text();
  else {
    let response: Response;
    try {
      response = await fetch(ref.url, { signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new Error(`Could not fetch ${name}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new Error(`Could not load ${name}: HTTP ${response.status} ${response.statusText}`.trim());
    checkNotHtmlFallback(response, ref.url);
    text = await response.text();
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Wraps `stream` so every chunk is counted (`onBytes(total)`) and reading stops with an AbortError
 * once `signal` fires. The first `headBytes` bytes are read up front and returned for sniffing;
 * the returned stream still yields them.
 */
export async function meteredStream(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  onBytes: (total: number) => void,
  headBytes: number,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const pending: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  let total = 0;
  while (headLength < headBytes && !done) {
    signal.throwIfAborted();
    const chunk = await reader.read();
    if (chunk.done) done = true;
    else {
      pending.push(chunk.value);
      headLength += chunk.value.byteLength;
    }
  }
  const head = new Uint8Array(Math.min(headLength, headBytes));
  let offset = 0;
  for (const chunk of pending) {
    if (offset >= head.length) break;
    const part = chunk.subarray(0, head.length - offset);
    head.set(part, offset);
    offset += part.length;
  }
  const onAbort = () => void reader.cancel(signal.reason).catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const metered = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (signal.aborted) {
        controller.error(signal.reason);
        return;
      }
      let chunk = pending.shift();
      if (!chunk && !done) {
        const next = await reader.read().catch((error: unknown) => {
          if (signal.aborted) return { done: true as const, value: undefined, aborted: true };
          throw error;
        });
        if ('aborted' in next) {
          controller.error(signal.reason);
          return;
        }
        if (next.done) done = true;
        else chunk = next.value;
      }
      if (!chunk) {
        signal.removeEventListener('abort', onAbort);
        controller.close();
        return;
      }
      total += chunk.byteLength;
      onBytes(total);
      controller.enqueue(chunk);
    },
    cancel(reason) {
      signal.removeEventListener('abort', onAbort);
      return reader.cancel(reason);
    },
  });
  return { head, stream: metered };
}

/**
 * A bundle over picked files, read on demand. When every path is inside one folder (a dropped
 * folder), that folder is the bundle's name and is stripped from the paths, so the folder's
 * `meta.json` is `meta.json`.
 */
export function bundleFromPicked(files: readonly PickedFile[]): AssetBundle {
  const top = files[0]?.path.split('/')[0] ?? '';
  const shared = files.length > 0 && files.every((f) => f.path.includes('/') && f.path.split('/')[0] === top);
  const name = shared ? top : `${files.length} files`;
  const entries = new Map(files.map((f) => [shared ? f.path.slice(top.length + 1) : f.path, f.file]));
  return bundleFromEntries(name, entries, async (file) => new Uint8Array(await file.arrayBuffer()));
}

/** `bundle` with every read counted (`onBytes(total)`) and refused once `signal` fires. */
export function meteredBundle(bundle: AssetBundle, signal: AbortSignal, onBytes: (total: number) => void): AssetBundle {
  let total = 0;
  return {
    name: bundle.name,
    paths: bundle.paths,
    async read(path) {
      signal.throwIfAborted();
      const bytes = await bundle.read(path);
      signal.throwIfAborted();
      total += bytes.byteLength;
      onBytes(total);
      return bytes;
    },
  };
}

/**
 * The entries of a drop (DataTransferItem.webkitGetAsEntry), taken while the drop event is being
 * dispatched: the browser empties the list afterwards. Null when some item has none (a synthetic
 * DataTransfer, an old browser): then `dataTransfer.files` is all there is.
 */
export function dropEntries(data: DataTransfer): FileSystemEntry[] | null {
  const items = [...data.items].filter((item) => item.kind === 'file');
  const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
  return entries.length > 0 && entries.every((e) => e !== null) ? (entries as FileSystemEntry[]) : null;
}

/** Every file below `entries`, folders walked depth first, each with its path from the drop ('folder/sub/name'). */
export async function readDropEntries(entries: readonly FileSystemEntry[]): Promise<PickedFile[]> {
  const files: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      if (files.length >= MAX_DROPPED_FILES) throw new Error(`The drop holds more than ${MAX_DROPPED_FILES} files; drop the scene's folder or files only`);
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      files.push({ file, path: entry.fullPath.replace(/^\/+/, '') || entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries hands out a folder in batches; an empty batch ends it.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** The progress bar: name, bytes read (of total), a bar and a cancel button. */
export class ProgressView {
  private readonly root: HTMLElement;
  private readonly label: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly bytes: HTMLElement;
  private onCancel: (() => void) | null = null;

  constructor(parent: HTMLElement) {
    this.root = document.createElement('div');
    this.root.id = 'progress';
    this.root.hidden = true;
    this.root.innerHTML = '<div class="progress-label"></div><div class="progress-track"><div class="progress-bar"></div></div><div class="progress-row"><span class="progress-bytes"></span><button type="button">Cancel</button></div>';
    parent.append(this.root);
    this.label = this.root.querySelector('.progress-label')!;
    this.bar = this.root.querySelector('.progress-bar')!;
    this.bytes = this.root.querySelector('.progress-bytes')!;
    this.root.querySelector('button')!.addEventListener('click', () => this.onCancel?.());
  }

  show(name: string, onCancel: () => void): void {
    this.label.textContent = `Loading ${name}`;
    this.onCancel = onCancel;
    this.update(0, undefined);
    this.root.hidden = false;
  }

  update(read: number, total: number | undefined): void {
    if (total) {
      this.bar.style.width = `${Math.min(100, (100 * read) / total).toFixed(1)}%`;
      this.bar.classList.remove('indeterminate');
      this.bytes.textContent = `${formatBytes(read)} of ${formatBytes(total)}`;
    } else {
      this.bar.style.width = '100%';
      this.bar.classList.add('indeterminate');
      this.bytes.textContent = formatBytes(read);
    }
  }

  /** After the bytes: the method builds GPU buffers. */
  preparing(): void {
    this.label.textContent = this.label.textContent!.replace(/^Loading/, 'Preparing');
  }

  hide(): void {
    this.root.hidden = true;
    this.onCancel = null;
  }
}

/**
 * Drag-and-drop anywhere on the page (files or folders) plus hidden file inputs for the "open file"
 * and "open folder" buttons. Files arrive as a promise: a dropped folder is walked after the event.
 */
export class FileInputs {
  private readonly input: HTMLInputElement;
  private readonly folderInput: HTMLInputElement;
  private depth = 0;

  constructor(
    private readonly dropTarget: HTMLElement,
    private readonly onFiles: (files: Promise<PickedFile[]>) => void,
  ) {
    const makeInput = (id: string, folder: boolean) => {
      const input = document.createElement('input');
      input.type = 'file';
      input.multiple = true;
      input.webkitdirectory = folder;
      input.hidden = true;
      input.id = id;
      document.body.append(input);
      input.addEventListener('change', () => {
        // webkitRelativePath is 'folder/name' for a picked folder's files, '' for picked files.
        const files = [...(input.files ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
        input.value = '';
        if (files.length) this.onFiles(Promise.resolve(files));
      });
      return input;
    };
    this.input = makeInput('file-input', false);
    this.folderInput = makeInput('folder-input', true);
    window.addEventListener('dragenter', (e) => {
      e.preventDefault();
      this.depth++;
      this.dropTarget.classList.add('dropping');
    });
    window.addEventListener('dragleave', () => {
      if (--this.depth <= 0) this.endDrag();
    });
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      this.endDrag();
      const data = e.dataTransfer;
      if (!data) return;
      const entries = dropEntries(data);
      const files = [...data.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
      if (entries) this.onFiles(readDropEntries(entries));
      else if (files.length) this.onFiles(Promise.resolve(files));
    });
  }

  pick(): void {
    this.input.click();
  }

  pickFolder(): void {
    this.folderInput.click();
  }

  private endDrag(): void {
    this.depth = 0;
    this.dropTarget.classList.remove('dropping');
  }
}

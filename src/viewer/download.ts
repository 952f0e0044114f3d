/** Hands a Blob to the browser as a file download named `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The download has started reading the Blob by then; revoking frees it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Saves what the viewer shows as `format` (e.g. '.ply'); returns the file name. */
export function downloadExport(viewer: { exportCurrent(format: string): { blob: Blob; fileName: string } }, format: string): string {
  const { blob, fileName } = viewer.exportCurrent(format);
  downloadBlob(blob, fileName);
  return fileName;
}

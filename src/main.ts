import { createGpuContext, type AdapterSummary } from './gpu/context';

interface NerveDebug {
  ready: boolean;
  error: string | null;
  adapter: AdapterSummary | null;
  features: string[];
}

const debug: NerveDebug = { ready: false, error: null, adapter: null, features: [] };
(window as unknown as { nerve: NerveDebug }).nerve = debug;

function showMessage(text: string, kind: 'error' | 'info'): void {
  const box = document.getElementById('message')!;
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
}

async function start(): Promise<void> {
  try {
    const context = await createGpuContext(navigator.gpu, (info) => showMessage(`GPU device lost: ${info.message}`, 'error'));
    debug.adapter = context.adapterInfo;
    debug.features = [...context.device.features];
    const a = context.adapterInfo;
    showMessage(`WebGPU adapter: ${a.vendor} ${a.architecture} ${a.description}\nfeatures: ${debug.features.join(', ')}`, 'info');
    debug.ready = true;
  } catch (error) {
    debug.error = (error as Error).message;
    showMessage(debug.error, 'error');
  }
}

void start();

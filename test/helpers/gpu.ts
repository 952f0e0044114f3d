/**
 * Real WebGPU in Node through Dawn (`webgpu` package) on SwiftShader.
 *
 * `gpuTest` gives every test a fresh device inside a validation error scope. While the test runs,
 * every new buffer is filled with a poison pattern (so code that relies on zero-initialisation
 * fails), uncaptured errors fail the test, and every buffer, texture and query set created is
 * destroyed afterwards, then the device itself.
 *
 * There is no skipping: without an adapter the test fails and says how to get one.
 */
import { create, globals } from 'webgpu';
import { test } from 'vitest';
import { createGpuContext } from '../../src/gpu/context';

Object.assign(globalThis, globals);

export const NO_ADAPTER_HELP =
  'No WebGPU adapter in Node. The GPU tests run on SwiftShader from Debian\'s chromium package: ' +
  'install it (apt-get install -y chromium) and run through `npm test`, which sets ' +
  'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json and LD_LIBRARY_PATH=/usr/lib/chromium ' +
  '(override with NERVE_VK_ICD / NERVE_VK_LIB).';

/** 0xDEADBEEF as bytes: a NaN-free but absurd u32 (3735928559) and a huge negative f32 (-6.26e18). */
export const POISON_WORD = 0xdeadbeef;

let gpu: GPU | undefined;
let adapterPromise: Promise<GPUAdapter> | undefined;

export function nodeGpu(): GPU {
  gpu ??= create([]) as GPU;
  return gpu;
}

export function getAdapter(): Promise<GPUAdapter> {
  adapterPromise ??= nodeGpu()
    .requestAdapter()
    .then((adapter) => {
      if (!adapter) throw new Error(NO_ADAPTER_HELP);
      return adapter;
    });
  return adapterPromise;
}

export interface TestDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** Uncaptured errors seen so far. */
  errors: string[];
}

export interface DeviceOptions {
  /** Poison new buffers (default true). */
  poison?: boolean;
}

export async function openTestDevice(options: DeviceOptions = {}): Promise<TestDevice> {
  await getAdapter();
  // The same adapter, features and limits as the app, so tests exercise what users run.
  const { adapter, device } = await createGpuContext(nodeGpu());
  const errors: string[] = [];
  device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
    errors.push(event.error.message);
  };

  const created: Array<GPUBuffer | GPUTexture | GPUQuerySet> = [];
  const createBuffer = device.createBuffer.bind(device);
  const poison = options.poison ?? true;
  device.createBuffer = (desc: GPUBufferDescriptor): GPUBuffer => {
    const mappable = (desc.usage & (GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE)) !== 0;
    if (!poison || desc.mappedAtCreation || mappable || desc.size % 4 !== 0) {
      const buffer = createBuffer(desc);
      created.push(buffer);
      return buffer;
    }
    const buffer = createBuffer({ ...desc, mappedAtCreation: true });
    new Uint32Array(buffer.getMappedRange()).fill(POISON_WORD);
    buffer.unmap();
    created.push(buffer);
    return buffer;
  };
  const createTexture = device.createTexture.bind(device);
  device.createTexture = (desc: GPUTextureDescriptor): GPUTexture => {
    const texture = createTexture(desc);
    created.push(texture);
    return texture;
  };
  const createQuerySet = device.createQuerySet.bind(device);
  device.createQuerySet = (desc: GPUQuerySetDescriptor): GPUQuerySet => {
    const querySet = createQuerySet(desc);
    created.push(querySet);
    return querySet;
  };
  (device as unknown as { [closeSymbol]: () => void })[closeSymbol] = () => {
    for (const object of created) object.destroy();
    created.length = 0;
  };
  return { device, adapter, errors };
}

const closeSymbol = Symbol('closeTestDevice');

export async function closeTestDevice({ device }: TestDevice): Promise<void> {
  await device.queue.onSubmittedWorkDone();
  (device as unknown as { [closeSymbol]: () => void })[closeSymbol]();
  device.destroy();
}

/** Runs `body` with a fresh device; fails on validation or uncaptured errors. */
export async function withTestDevice<T>(body: (t: TestDevice) => Promise<T>, options?: DeviceOptions): Promise<T> {
  const t = await openTestDevice(options);
  t.device.pushErrorScope('validation');
  t.device.pushErrorScope('out-of-memory');
  try {
    const result = await body(t);
    await t.device.queue.onSubmittedWorkDone();
    const oom = await t.device.popErrorScope();
    const validation = await t.device.popErrorScope();
    const problems = [validation?.message, oom?.message, ...t.errors].filter(Boolean);
    if (problems.length) throw new Error(`WebGPU errors during test:\n${problems.join('\n')}`);
    return result;
  } finally {
    await closeTestDevice(t);
  }
}

/** vitest `test` with a `gpu` fixture: a fresh, checked device per test. */
export const gpuTest = test.extend<{ gpu: TestDevice }>({
  // eslint-disable-next-line no-empty-pattern
  gpu: async ({}, use) => {
    await withTestDevice(async (t) => {
      await use(t);
    });
  },
});

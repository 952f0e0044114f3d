/**
 * Acquires the WebGPU adapter and device with the features and limits nerve uses, and turns every
 * way that can fail into a message a user can act on.
 */

export interface GpuFeatures {
  timestampQuery: boolean;
  subgroups: boolean;
  shaderF16: boolean;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}

export interface GpuContext {
  adapter: GPUAdapter;
  device: GPUDevice;
  features: GpuFeatures;
  adapterInfo: AdapterSummary;
}

export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** Limits we raise to what the adapter offers: big scenes need big storage buffers. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16'];

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number; isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter ?? false,
    subgroupMinSize: info.subgroupMinSize,
    subgroupMaxSize: info.subgroupMaxSize,
  };
}

/**
 * @param gpu `navigator.gpu` in the browser; the Dawn `GPU` object in Node.
 * @param onLost called when the device is lost for any reason other than our own destroy().
 */
export async function createGpuContext(
  gpu: GPU | undefined,
  onLost?: (info: GPUDeviceLostInfo) => void,
): Promise<GpuContext> {
  if (!gpu) {
    throw new GpuUnavailableError(
      'This browser does not expose WebGPU (navigator.gpu is missing). Use a recent Chrome, Edge or ' +
        'Firefox, or Safari 26+, over https or localhost; on Linux Chrome may need ' +
        '--enable-unsafe-webgpu --enable-features=Vulkan.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError(
      'WebGPU is present but no GPU adapter is available (blocklisted driver, disabled hardware ' +
        'acceleration, or a headless browser without --use-webgpu-adapter=swiftshader).',
    );
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ label: 'nerve.device', requiredFeatures, requiredLimits });
  } catch (error) {
    throw new GpuUnavailableError(`The GPU adapter refused to create a device: ${(error as Error).message}`);
  }
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') onLost?.(info);
  });
  return {
    adapter,
    device,
    adapterInfo: summarizeAdapter(adapter),
    features: {
      timestampQuery: device.features.has('timestamp-query'),
      subgroups: device.features.has('subgroups'),
      shaderF16: device.features.has('shader-f16'),
    },
  };
}

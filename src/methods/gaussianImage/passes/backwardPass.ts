/**
 * Stages `rasterizeBackward` and `paramGradients` of a training step.
 *
 * How gradients are reduced per Gaussian without float atomics (WGSL has none): rasterize_backward
 * runs one thread per (tile, Gaussian) intersection, which sums that Gaussian's contributions over
 * the tile's pixels in registers and writes them to the intersection's own slot of `isectGrad`
 * (every slot has exactly one writer). Slots are numbered in Gaussian order by the scan (Gaussian
 * i owns [offsets[i − 1], offsets[i])), so param_gradients sums each Gaussian's contiguous range
 * in a fixed order and applies the chain rule. No atomics, no fixed-point scaling or overflow analysis, and bit-for-bit
 * reproducible steps; the price is 32 bytes per intersection of extra memory.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline, workgroupGrid } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { ImageFrame } from '../frame';
import { ISECT_GRAD_BYTES } from '../layout';
import { BindGroupCache } from './bindGroupCache';
import type { ProjectPass } from './projectPass';
import type { TileBinning } from './tileBinning';
import backwardSource from '../../../../shaders/gaussianImage/rasterize_backward.wgsl?raw';
import gradientsSource from '../../../../shaders/gaussianImage/param_gradients.wgsl?raw';

const WORKGROUP_SIZE = 256;
/**
 * rasterize_backward threads per tile. Timed on SwiftShader (kodim03 384×256, 2,000 Gaussians, ~41
 * entries per tile, interleaved, median of 14): 4 and 8 threads 98-99 ms, 16 and 32 105-106 ms.
 */
const BACKWARD_THREADS = 8;

export class BackwardPass {
  /** dL/d(raw parameter), 8 floats per Gaussian in slot order. */
  grads: GPUBuffer | null;
  /** Per intersection slot, the 8 projected-quantity gradients of one tile. */
  isectGrad: GPUBuffer | null = null;

  private readonly memory: GpuMemory;
  private readonly backwardPipeline: GPUComputePipeline;
  private readonly gradientsPipeline: GPUComputePipeline;
  private readonly backwardBindGroups = new BindGroupCache();
  private readonly gradientsBindGroups = new BindGroupCache();

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: ImageFrame,
    private readonly project: ProjectPass,
    private readonly binning: TileBinning,
    private readonly params: GPUBuffer,
    private readonly pixelGrad: GPUBuffer,
    maxGaussians: number,
  ) {
    this.memory = GpuMemory.of(device);
    this.grads = this.memory.createBuffer({
      label: 'GaussianImageBackward.grads',
      size: maxGaussians * 32,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    this.backwardPipeline = createComputePipeline(device, {
      label: 'GaussianImageBackward.backwardPipeline',
      code: backwardSource,
      constants: { THREADS: BACKWARD_THREADS },
    });
    this.gradientsPipeline = createComputePipeline(device, {
      label: 'GaussianImageBackward.gradientsPipeline',
      code: gradientsSource,
      constants: { WORKGROUP_SIZE },
    });
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    if (!this.isectGrad || this.isectGrad.size < this.binning.capacity * ISECT_GRAD_BYTES) {
      this.memory.release(this.isectGrad);
      this.isectGrad = this.memory.createBuffer({
        label: 'GaussianImageBackward.isectGrad',
        size: Math.max(1, this.binning.capacity) * ISECT_GRAD_BYTES,
        usage: GPUBufferUsage.STORAGE,
      });
    }
    const b = this.binning;
    const backwardResources = [this.frame.uniforms!, b.ranges, b.gaussianFromIsect!, this.project.projected!, this.project.tileRects!, this.project.tileOffsets!, this.pixelGrad, this.isectGrad];
    const backwardBindGroup = this.backwardBindGroups.get(backwardResources, () =>
      this.device.createBindGroup({
        label: 'GaussianImageBackward.backwardBindGroup',
        layout: this.backwardPipeline.getBindGroupLayout(0),
        // uniforms, tile_ranges, gaussian_from_isect, projected, tile_rects, tile_offsets, pixel_grad, isect_grad
        entries: bufferEntries(...backwardResources),
      }),
    );
    const gradientsResources = [this.frame.uniforms!, this.project.tileOffsets!, this.isectGrad, this.params, this.grads!];
    const gradientsBindGroup = this.gradientsBindGroups.get(gradientsResources, () =>
      this.device.createBindGroup({
        label: 'GaussianImageBackward.gradientsBindGroup',
        layout: this.gradientsPipeline.getBindGroupLayout(0),
        // uniforms, tile_offsets, isect_grad, params, grads
        entries: bufferEntries(...gradientsResources),
      }),
    );

    let pass = beginComputePass(encoder, 'rasterizeBackward', timer);
    pass.setPipeline(this.backwardPipeline);
    pass.setBindGroup(0, backwardBindGroup);
    pass.dispatchWorkgroups(this.frame.tiles.x, this.frame.tiles.y);
    pass.end();

    const [x, y] = workgroupGrid(Math.ceil(this.frame.gaussianCount / WORKGROUP_SIZE), this.device.limits.maxComputeWorkgroupsPerDimension);
    pass = beginComputePass(encoder, 'paramGradients', timer);
    pass.setPipeline(this.gradientsPipeline);
    pass.setBindGroup(0, gradientsBindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.grads);
    this.memory.release(this.isectGrad);
    this.grads = this.isectGrad = null;
    this.backwardBindGroups.clear();
    this.gradientsBindGroups.clear();
  }
}

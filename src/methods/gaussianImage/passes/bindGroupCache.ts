/**
 * Rebuilds a bind group only when one of the objects it binds changed (identity comparison):
 * passes call `get` every frame with their current inputs, at the cost of an array comparison.
 */
export class BindGroupCache {
  private resources: readonly unknown[] = [];
  private bindGroup: GPUBindGroup | null = null;

  get(resources: readonly unknown[], create: () => GPUBindGroup): GPUBindGroup {
    const same = this.bindGroup !== null && resources.length === this.resources.length && resources.every((r, i) => r === this.resources[i]);
    if (!same) {
      this.bindGroup = create();
      this.resources = [...resources];
    }
    return this.bindGroup!;
  }

  clear(): void {
    this.bindGroup = null;
    this.resources = [];
  }
}

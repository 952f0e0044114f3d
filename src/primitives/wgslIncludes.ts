/** Registers the WGSL chunks the primitives' kernels `#include`; imported by every primitive that needs them. */
import { registerWgslInclude } from '../gpu/wgsl';
import gridSource from '../../shaders/primitives/grid.wgsl?raw';
import workgroupScanSource from '../../shaders/primitives/workgroup_scan.wgsl?raw';
import sortControlSource from '../../shaders/primitives/sort_control.wgsl?raw';

registerWgslInclude('primitives_grid', gridSource);
registerWgslInclude('workgroup_scan', workgroupScanSource);
registerWgslInclude('sort_control', sortControlSource);

/**
 * The lil-gui panel: scene (method switcher, open file / folder / URL, screenshot, save as in the
 * formats the open method writes), camera (mode, presets,
 * reset, field of view), render settings (background, continuous redraw, overlay), the timeline of
 * dynamic content (timeline.ts) and the current method's own params, which its definition builds.
 * Every change requests a redraw.
 */
import GUI, { type Controller } from 'lil-gui';
import { methods } from '../methods/registry';
import type { Overlay } from './overlay';
import { TimelineGui } from './timeline';
import type { Viewer } from './viewer';

export interface GuiActions {
  openFile(): void;
  openFolder(): void;
  openUrl(): void;
  screenshot(): void;
  /** Downloads the open content written as `format` (an extension such as '.ply'). */
  saveAs(format: string): void;
}

export class ViewerGui {
  readonly gui: GUI;
  private readonly state = {
    method: '',
    preset: -1,
    fovDegrees: 50,
    pixelRatioCap: 2,
  };
  private presetController: Controller;
  private readonly cameraFolder: GUI;
  private methodFolder: GUI | null = null;
  private readonly timelineGui: TimelineGui;
  private readonly sceneFolder: GUI;
  private saveControllers: Controller[] = [];

  constructor(
    private readonly viewer: Viewer,
    overlay: Overlay,
    private readonly actions: GuiActions,
  ) {
    this.gui = new GUI({ title: 'nerve' });
    // On small screens the panel would cover the picture: start folded.
    if (window.innerWidth < 700) this.gui.close();
    this.gui.onChange(() => viewer.requestRedraw());

    const scene = this.gui.addFolder('Scene');
    this.sceneFolder = scene;
    const methodOptions = Object.fromEntries(methods.map((m) => [m.label, m.id]));
    scene
      .add(this.state, 'method', methodOptions)
      .name('method')
      .onChange((id: string) => void viewer.switchMethod(id));
    scene.add(actions, 'openFile').name('open file… (or drop)');
    scene.add(actions, 'openFolder').name('open folder… (SOG)');
    scene.add(actions, 'openUrl').name('open URL…');
    scene.add(actions, 'screenshot').name('screenshot (PNG)');

    this.cameraFolder = this.gui.addFolder('Camera');
    this.cameraFolder.add(viewer.controls, 'mode', ['orbit', 'fly']).name('controls');
    this.presetController = this.addPresetController({});
    this.cameraFolder.add({ reset: () => viewer.resetView() }, 'reset').name('reset view');
    this.cameraFolder
      .add(this.state, 'fovDegrees', 10, 120, 1)
      .name('field of view (°)')
      .onChange((deg: number) => {
        viewer.view.fovY = (deg * Math.PI) / 180;
      });

    const render = this.gui.addFolder('Render');
    render.addColor(viewer, 'background').name('background');
    render.add(viewer, 'continuous').name('continuous redraw');
    render
      .add(this.state, 'pixelRatioCap', 0.25, 3, 0.25)
      .name('max pixel ratio')
      .onChange((cap: number) => {
        viewer.pixelRatioCap = cap;
      });
    render.add({ overlay: overlay.visible }, 'overlay').name('overlay (H)').onChange((on: boolean) => overlay.toggle(on));
    this.timelineGui = new TimelineGui(this.gui, viewer.timeline, () => viewer.requestRedraw());
  }

  /** Called when a scene or method goes live: method switcher, camera presets, method params. */
  refresh(): void {
    const current = this.viewer.current;
    if (!current) return;
    this.state.method = current.definition.id;
    this.state.fovDegrees = Math.round((this.viewer.view.fovY * 180) / Math.PI);
    this.gui.controllersRecursive().forEach((c) => c.updateDisplay());

    this.presetController.destroy();
    const options: Record<string, number> = { '(free view)': -1 };
    current.presets.forEach((p, i) => (options[`${i}: ${p.name}`] = i));
    this.state.preset = -1;
    this.presetController = this.addPresetController(options);

    this.timelineGui.refresh();
    for (const controller of this.saveControllers) controller.destroy();
    this.saveControllers = this.viewer.exportFormats.map((format) =>
      this.sceneFolder.add({ save: () => this.actions.saveAs(format) }, 'save').name(`save as ${format}`),
    );
    this.methodFolder?.destroy();
    this.methodFolder = this.gui.addFolder(current.definition.label);
    const features = this.viewer.gpu!.features;
    current.definition.buildGui(this.methodFolder, current.instance.params, features);
  }

  private addPresetController(options: Record<string, number>): Controller {
    const controller = this.cameraFolder
      .add(this.state, 'preset', options)
      .name('camera preset')
      .onChange((index: number) => {
        if (index >= 0) this.viewer.showPreset(index);
      });
    // Keep the preset list under the mode switch, where it was first added.
    const modeRow = this.cameraFolder.controllers[0]!.domElement;
    modeRow.after(controller.domElement);
    return controller;
  }

  destroy(): void {
    this.gui.destroy();
  }
}

/**
 * Mouse, touch and keyboard input on the canvas, turned into changes of a `ViewState` (view.ts).
 *
 *   orbit mode: drag rotates about the target, right-drag / shift-drag / middle-drag pans, wheel zooms
 *   fly mode:   drag looks around, wheel moves forward
 *   both:       W/S forward/back, A/D left/right, Q/E down/up (Shift: 4x faster)
 *   touch:      one finger rotates (orbit) or looks (fly), two fingers pinch to zoom and pan
 */
import { look, orbit, pan, translate, zoom, type ViewState } from './view';

export type ControlMode = 'orbit' | 'fly';

const MOVE_KEYS: Record<string, [number, number, number]> = {
  KeyW: [0, 0, 1],
  KeyS: [0, 0, -1],
  KeyA: [-1, 0, 0],
  KeyD: [1, 0, 0],
  KeyQ: [0, -1, 0],
  KeyE: [0, 1, 0],
};

export class ViewControls {
  mode: ControlMode = 'orbit';
  /** World units per second for the movement keys; set from the scene size. */
  moveSpeed = 1;
  /** Closest the orbit may zoom in. */
  minDistance = 1e-3;

  private readonly pointers = new Map<number, { x: number; y: number }>();
  private readonly keys = new Set<string>();
  private pinchSpan = 0;
  private fast = false;
  private readonly listeners: Array<[EventTarget, string, EventListener, AddEventListenerOptions?]> = [];

  /**
   * @param onInput called after every change the user makes (the viewer redraws and drops any
   *   pinned preset camera).
   */
  constructor(
    private readonly element: HTMLElement,
    private readonly getView: () => ViewState,
    private readonly onInput: () => void,
  ) {
    this.listen(element, 'pointerdown', (e) => this.pointerDown(e as PointerEvent));
    this.listen(element, 'pointermove', (e) => this.pointerMove(e as PointerEvent));
    this.listen(element, 'pointerup', (e) => this.pointerUp(e as PointerEvent));
    this.listen(element, 'pointercancel', (e) => this.pointerUp(e as PointerEvent));
    this.listen(element, 'wheel', (e) => this.wheel(e as WheelEvent), { passive: false });
    this.listen(element, 'contextmenu', (e) => e.preventDefault());
    this.listen(window, 'keydown', (e) => this.keyDown(e as KeyboardEvent));
    this.listen(window, 'keyup', (e) => {
      this.keys.delete((e as KeyboardEvent).code);
      this.fast = (e as KeyboardEvent).shiftKey;
    });
    this.listen(window, 'blur', () => this.keys.clear());
  }

  /** True while a movement key is held: the render loop keeps drawing and calls `update`. */
  get moving(): boolean {
    return this.keys.size > 0;
  }

  /** Applies held movement keys for `seconds` of elapsed time. */
  update(seconds: number): void {
    if (this.keys.size === 0) return;
    let right = 0;
    let up = 0;
    let forward = 0;
    for (const code of this.keys) {
      const m = MOVE_KEYS[code];
      if (!m) continue;
      right += m[0];
      up += m[1];
      forward += m[2];
    }
    const step = this.moveSpeed * seconds * (this.fast ? 4 : 1);
    translate(this.getView(), right * step, up * step, forward * step);
    this.onInput();
  }

  destroy(): void {
    for (const [target, type, listener, options] of this.listeners) target.removeEventListener(type, listener, options);
    this.listeners.length = 0;
  }

  private listen(target: EventTarget, type: string, listener: EventListener, options?: AddEventListenerOptions): void {
    target.addEventListener(type, listener, options);
    this.listeners.push([target, type, listener, options]);
  }

  private pointerDown(e: PointerEvent): void {
    this.element.setPointerCapture(e.pointerId);
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (this.pointers.size === 2) this.pinchSpan = this.span();
    this.element.focus({ preventScroll: true });
  }

  private pointerMove(e: PointerEvent): void {
    const last = this.pointers.get(e.pointerId);
    if (!last) return;
    const height = this.element.clientHeight;
    const view = this.getView();
    if (this.pointers.size === 1) {
      const dx = e.clientX - last.x;
      const dy = e.clientY - last.y;
      const panning = e.shiftKey || (e.buttons & 2) !== 0 || (e.buttons & 4) !== 0;
      if (panning) pan(view, dx, dy, height);
      else if (this.mode === 'orbit') orbit(view, dx, dy, height);
      else look(view, dx, dy, height);
      last.x = e.clientX;
      last.y = e.clientY;
    } else if (this.pointers.size === 2) {
      // Pinch: the midpoint moves by half of this finger's motion; the span sets the zoom.
      const before = this.midpoint();
      last.x = e.clientX;
      last.y = e.clientY;
      const after = this.midpoint();
      pan(view, after.x - before.x, after.y - before.y, height);
      const span = this.span();
      if (this.pinchSpan > 0 && span > 0) zoom(view, this.pinchSpan / span, this.minDistance);
      this.pinchSpan = span;
    } else {
      return;
    }
    this.onInput();
  }

  private pointerUp(e: PointerEvent): void {
    this.pointers.delete(e.pointerId);
    if (this.element.hasPointerCapture(e.pointerId)) this.element.releasePointerCapture(e.pointerId);
    this.pinchSpan = this.pointers.size === 2 ? this.span() : 0;
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    // Pixels, lines or pages: normalise to about 100 units per notch.
    const delta = e.deltaY * (e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? 400 : 1);
    const view = this.getView();
    if (this.mode === 'orbit') zoom(view, Math.exp(delta * 0.0015), this.minDistance);
    else translate(view, 0, 0, -delta * 0.002 * this.moveSpeed);
    this.onInput();
  }

  private keyDown(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
    this.fast = e.shiftKey;
    if (e.ctrlKey || e.metaKey || e.altKey || !(e.code in MOVE_KEYS)) return;
    this.keys.add(e.code);
    this.onInput();
  }

  private midpoint(): { x: number; y: number } {
    let x = 0;
    let y = 0;
    for (const p of this.pointers.values()) {
      x += p.x;
      y += p.y;
    }
    return { x: x / this.pointers.size, y: y / this.pointers.size };
  }

  private span(): number {
    const [a, b] = [...this.pointers.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  }
}

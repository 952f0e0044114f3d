import type { NerveHooks } from './hooks';

declare global {
  interface Window {
    /** Debug and automation hooks (src/viewer/hooks.ts). */
    nerve: NerveHooks;
  }
}

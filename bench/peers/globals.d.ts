import type { PeerBenchHooks } from '../../tools/lib/peersProtocol';

declare global {
  interface Window {
    /** Automation surface of the peers benchmark page (bench/peers/main.ts). */
    peerBench: PeerBenchHooks;
  }
}

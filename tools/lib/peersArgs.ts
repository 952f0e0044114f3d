/**
 * Command line of `npm run bench:peers`: every option checked, with a message that names it and
 * shows the usage. Pure, unit tested.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './cliArgs';
import { PEER_IDS, type PeerId } from './peersProtocol';

/** Scenes run when none are named, relative to the repository root; the second is skipped when shared/ is not beside the repo. */
export const DEFAULT_PEER_SCENES = ['scenes/donut.json', '../shared/data/splats/ply/fruit_drops_sh3.ply'] as const;

export const PEERS_USAGE = `usage: npm run bench:peers -- [scene.json | asset.ply ...] [options]
  (default scenes: ${DEFAULT_PEER_SCENES.join(', ')})
  --frames N           measured frames per renderer (default 30)
  --warmup N           frames drawn first and not measured (default 5)
  --width W --height H render size (default 1280x720)
  --peers a,b          peers to run: ${PEER_IDS.join(', ')} (default all)
  --settle-timeout S   seconds a peer may take to load and settle its sort (default 180)
  --json out.json      write the results as JSON
  --images dir         write every renderer's image and the CPU reference as PNGs`;

export interface PeersArgs {
  /** As given; empty means the defaults. */
  scenes: string[];
  frames: number;
  warmup: number;
  width: number;
  height: number;
  peers: PeerId[];
  settleTimeoutMs: number;
  json?: string;
  images?: string;
}

function integer(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} ${value}: expected an integer in [${min}, ${max}]\n${PEERS_USAGE}`);
  return n;
}

export function parsePeersArgs(argv: string[]): PeersArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        frames: { type: 'string' },
        warmup: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        peers: { type: 'string' },
        'settle-timeout': { type: 'string' },
        json: { type: 'string' },
        images: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${PEERS_USAGE}`);
  }
  const { values, positionals } = parsed;
  let peers: PeerId[] = [...PEER_IDS];
  if (values.peers !== undefined) {
    const names = values.peers.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !(PEER_IDS as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length) {
      throw new UsageError(`--peers ${values.peers}: ${unknown.length ? `unknown ${unknown.join(', ')}; ` : ''}choose from ${PEER_IDS.join(', ')}`);
    }
    peers = [...new Set(names)] as PeerId[];
  }
  if (values.json !== undefined && !values.json.toLowerCase().endsWith('.json')) throw new UsageError(`--json ${values.json}: name the output *.json`);
  return {
    scenes: positionals,
    frames: integer(values.frames, 'frames', 1, 10_000, 30),
    warmup: integer(values.warmup, 'warmup', 0, 10_000, 5),
    width: integer(values.width, 'width', 16, 8192, 1280),
    height: integer(values.height, 'height', 16, 8192, 720),
    peers,
    settleTimeoutMs: 1000 * integer(values['settle-timeout'], 'settle-timeout', 1, 3600, 180),
    json: values.json,
    images: values.images,
  };
}

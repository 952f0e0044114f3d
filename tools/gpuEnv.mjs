#!/usr/bin/env node
// Runs a command with the environment Dawn needs in Node to find SwiftShader's Vulkan (the same
// defaults as vite.config.ts). Needed because the loader reads LD_LIBRARY_PATH only at process start.
// Usage: node tools/gpuEnv.mjs <command> [args...]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const vkLib = process.env.NERVE_VK_LIB ?? '/usr/lib/chromium';
const vkIcd = process.env.NERVE_VK_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';
const env = { ...process.env };
if (!env.VK_ICD_FILENAMES && existsSync(vkIcd)) env.VK_ICD_FILENAMES = vkIcd;
if (existsSync(vkLib) && !(env.LD_LIBRARY_PATH ?? '').split(':').includes(vkLib)) {
  env.LD_LIBRARY_PATH = [vkLib, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node tools/gpuEnv.mjs <command> [args...]');
  process.exit(2);
}
const result = spawnSync(command, args, { stdio: 'inherit', env, shell: false });
if (result.error) {
  console.error(result.error.message);
  process.exit(1);
}
process.exit(result.status ?? 1);

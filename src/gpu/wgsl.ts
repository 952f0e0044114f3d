/**
 * A tiny WGSL preprocessor: named includes and #ifdef flags, so shared WGSL lives in one file and
 * variants (SUBGROUPS, INDIRECT, ...) need no string building in TS.
 *
 *   #include "name"        replaced by the registered source of `name` (once per shader)
 *   #ifdef FLAG / #ifndef FLAG / #else / #endif   kept or dropped by the set of defined flags
 *
 * Tunable numbers go through WGSL `override` constants and pipeline `constants`, not through here.
 */

const includes = new Map<string, string>();

/** Registers a shared WGSL chunk under a name for `#include "name"`. Re-registering the same text is a no-op. */
export function registerWgslInclude(name: string, source: string): void {
  const existing = includes.get(name);
  if (existing !== undefined && existing !== source) throw new Error(`WGSL include '${name}' registered twice with different text`);
  includes.set(name, source);
}

export function preprocessWgsl(source: string, defines: Iterable<string> = []): string {
  const flags = new Set(defines);
  const included = new Set<string>();
  const expand = (text: string, depth: number): string[] => {
    if (depth > 16) throw new Error('WGSL include nesting deeper than 16');
    const out: string[] = [];
    // Each stack entry: is this branch active, and has the enclosing region been active.
    const stack: Array<{ active: boolean; parentActive: boolean }> = [];
    const active = () => stack.every((s) => s.active);
    for (const line of text.split('\n')) {
      const directive = line.trim().match(/^#(ifdef|ifndef|else|endif|include)\b\s*(.*)$/);
      if (!directive) {
        if (active()) out.push(line);
        continue;
      }
      const [, kind, arg] = directive;
      switch (kind) {
        case 'ifdef':
        case 'ifndef': {
          const parentActive = active();
          const has = flags.has(arg!.trim());
          stack.push({ active: kind === 'ifdef' ? has : !has, parentActive });
          break;
        }
        case 'else': {
          const top = stack.at(-1);
          if (!top) throw new Error('WGSL #else without #ifdef');
          top.active = !top.active;
          break;
        }
        case 'endif':
          if (!stack.pop()) throw new Error('WGSL #endif without #ifdef');
          break;
        case 'include': {
          if (!active()) break;
          const name = arg!.trim().replace(/^"|"$/g, '');
          const body = includes.get(name);
          if (body === undefined) throw new Error(`WGSL include '${name}' is not registered`);
          if (!included.has(name)) {
            included.add(name);
            out.push(...expand(body, depth + 1));
          }
          break;
        }
      }
    }
    if (stack.length) throw new Error('WGSL #ifdef without #endif');
    return out;
  };
  return expand(source, 0).join('\n');
}

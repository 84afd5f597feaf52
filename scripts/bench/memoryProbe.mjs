/**
 * Preloaded into the server by the memory scenario (`node --import scripts/bench/memoryProbe.mjs …`), never
 * by the product. On SIGUSR2 it appends one JSON line to MEMORY_PROBE_FILE with what holds the process's
 * memory: `process.memoryUsage()` (RSS, V8 heap, external, array buffers), V8's heap by space and, for every
 * WebAssembly memory (PGlite's), its size and how much of it is resident. It does nothing between signals, so it neither
 * allocates nor wakes the process while it idles: what the idle figures show is the server's own behaviour.
 *
 * A WebAssembly memory never shrinks, and its pages count in RSS only once touched, so both figures matter:
 * the size is the ceiling, the resident part what the machine pays.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.MEMORY_PROBE_FILE;
if (!file) throw new Error('memoryProbe.mjs: set MEMORY_PROBE_FILE');

/** Weak, so the probe never keeps a memory alive. */
const memories = [];
const NativeMemory = WebAssembly.Memory;
function Memory(descriptor) {
  const memory = new NativeMemory(descriptor);
  memories.push(new WeakRef(memory));
  return memory;
}
Memory.prototype = NativeMemory.prototype;
WebAssembly.Memory = Memory;

/**
 * The resident kB of the mapping that is exactly `sizeKb` long: V8 maps a WebAssembly memory's accessible
 * pages as one region of its current size, followed by inaccessible guard pages.
 */
function residentKbOfMapping(sizeKb) {
  let size = -1;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (line.startsWith('Size:')) size = Number(line.split(/\s+/)[1]);
    else if (line.startsWith('Rss:') && size === sizeKb) return Number(line.split(/\s+/)[1]);
  }
  return undefined;
}

process.on('SIGUSR2', () => {
  const usage = process.memoryUsage();
  const wasm = [];
  for (const ref of memories) {
    const memory = ref.deref();
    if (!memory) continue;
    const bytes = memory.buffer.byteLength;
    const residentKb = residentKbOfMapping(bytes / 1024);
    wasm.push({ bytes, residentBytes: residentKb === undefined ? null : residentKb * 1024 });
  }
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = usage;
  const heapSpaces = Object.fromEntries(
    getHeapSpaceStatistics().map((space) => [
      space.space_name,
      { size: space.space_size, used: space.space_used_size },
    ]),
  );
  appendFileSync(
    file,
    `${JSON.stringify({ atMs: Date.now(), rss, heapTotal, heapUsed, external, arrayBuffers, wasm, heapSpaces })}\n`,
  );
});

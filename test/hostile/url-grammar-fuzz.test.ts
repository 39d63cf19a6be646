import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../src/core/errors/kiln-error.js';
import { parseCloudflareOptions } from '../../src/core/images/parse-cloudflare-options.js';
import { parseGetstreamParams } from '../../src/core/images/parse-getstream-params.js';
import { parseUploadcareOps } from '../../src/core/images/parse-uploadcare-ops.js';
import { BOUNDARY_VALUES, Fuzzer } from '../support/fuzz.js';

// Every URL grammar, fed random and boundary input: the only failure allowed is a KilnError with a
// 4xx status, and no single parse may take long (no catastrophic backtracking, no hang). Long inputs
// stop at 16 KB: Node refuses longer request lines (431) before any parser sees them.
const CASES = Number(process.env.KILN_FUZZ_CASES ?? 4000);
const SEED = Number(process.env.KILN_FUZZ_SEED ?? 20240501);

const CF_OPTIONS = [
  'width',
  'height',
  'w',
  'h',
  'fit',
  'gravity',
  'g',
  'quality',
  'q',
  'format',
  'f',
  'dpr',
  'blur',
  'sharpen',
  'brightness',
  'contrast',
  'saturation',
  'gamma',
  'rotate',
  'flip',
  'trim',
  'background',
  'metadata',
  'anim',
  'compression',
  'onerror',
  'zoom',
  'face-zoom',
  'slow-connection-quality',
  'scq',
  'trim.top',
  'trim.left',
];
const CF_WORDS = [
  'scale-down',
  'contain',
  'cover',
  'crop',
  'pad',
  'auto',
  'left',
  'right',
  'top',
  'bottom',
  'face',
  'avif',
  'webp',
  'json',
  'h',
  'v',
  'hv',
  '0.5x0.5',
  'border',
  'rgba(0,0,0,0.5)',
  '%23fff',
];
const UC_OPS = [
  'preview',
  'resize',
  'smart_resize',
  'scale_crop',
  'crop',
  'stretch',
  'setfill',
  'format',
  'quality',
  'progressive',
  'strip_meta',
  'blur',
  'sharp',
  'enhance',
  'grayscale',
  'invert',
  'brightness',
  'contrast',
  'saturation',
  'gamma',
  'rotate',
  'autorotate',
  'flip',
  'mirror',
  'border_radius',
  'trim',
  'json',
  'main_colors',
  'inline',
  'rasterize',
  'srgb',
  'max_icc_size',
  'blur_region',
  'zoom_objects',
  'filter',
  'overlay',
];
const UC_ARGS = [
  '100x100',
  '50px50p',
  'center',
  'smart',
  'faces',
  '0,0',
  'yes',
  'no',
  'webp',
  'auto',
  'on',
  'off',
  '90',
  '-90',
  '10p',
  'ffffff',
  '1x',
  'x1',
  '2048x2048',
  '100000x100000',
];

function expectOnlyClientErrors(name: string, parse: () => unknown, input: unknown) {
  const started = performance.now();
  try {
    parse();
  } catch (err) {
    if (!(err instanceof KilnError) || err.status < 400 || err.status >= 500) {
      assert.fail(
        `${name} threw ${(err as Error)?.name}: ${(err as Error)?.message} for ${JSON.stringify(input)} (seed ${SEED})`,
      );
    }
  }
  const ms = performance.now() - started;
  assert.ok(ms < 200, `${name} took ${ms.toFixed(0)} ms for ${JSON.stringify(input).slice(0, 200)}`);
}

describe('URL grammars under fuzzing: KilnError 4xx or a plan, never anything else', () => {
  it('parseCloudflareOptions', () => {
    const f = new Fuzzer(SEED);
    for (let i = 0; i < CASES; i++) {
      const items = Array.from({ length: 1 + f.int(6) }, () => {
        const r = f.random();
        if (r < 0.1) return f.chars(20, ',=');
        const value = f.random() < 0.5 ? f.value() : f.pick(CF_WORDS);
        return `${f.pick(CF_OPTIONS)}${f.random() < 0.9 ? '=' : ''}${value}`;
      });
      const text = items.join(f.random() < 0.9 ? ',' : f.pick([',,', ', ', ';']));
      const format = f.random() < 0.5 ? 'auto' : 'original';
      expectOnlyClientErrors(
        'parseCloudflareOptions',
        () => parseCloudflareOptions(text, { defaultFormat: format }),
        text,
      );
    }
    for (const v of BOUNDARY_VALUES) {
      expectOnlyClientErrors('parseCloudflareOptions', () => parseCloudflareOptions(v), v);
      for (const o of CF_OPTIONS)
        expectOnlyClientErrors(
          'parseCloudflareOptions',
          () => parseCloudflareOptions(`${o}=${v}`),
          `${o}=${v}`,
        );
    }
    expectOnlyClientErrors(
      'parseCloudflareOptions',
      () => parseCloudflareOptions('width=1,'.repeat(2000)),
      'long',
    );
  });

  it('parseUploadcareOps', () => {
    const f = new Fuzzer(SEED + 1);
    for (let i = 0; i < CASES; i++) {
      const ops = Array.from({ length: 1 + f.int(6) }, () => {
        if (f.random() < 0.1) return f.chars(24, '/-');
        const args = Array.from({ length: f.int(4) }, () => (f.random() < 0.5 ? f.pick(UC_ARGS) : f.value()));
        return [f.pick(UC_OPS), ...args].join('/');
      });
      const chain = `-/${ops.join(f.random() < 0.9 ? '/-/' : '/')}/`;
      expectOnlyClientErrors('parseUploadcareOps', () => parseUploadcareOps(chain), chain);
    }
    for (const v of BOUNDARY_VALUES) {
      expectOnlyClientErrors('parseUploadcareOps', () => parseUploadcareOps(v), v);
      for (const o of UC_OPS)
        expectOnlyClientErrors(
          'parseUploadcareOps',
          () => parseUploadcareOps(`-/${o}/${v}/`),
          `-/${o}/${v}/`,
        );
    }
    expectOnlyClientErrors(
      'parseUploadcareOps',
      () => parseUploadcareOps('-/preview/10x10/'.repeat(1000)),
      'long',
    );
  });

  it('parseGetstreamParams', () => {
    const f = new Fuzzer(SEED + 2);
    const names = ['w', 'h', 'resize', 'crop', 'api_key', 'Signature', 'x'];
    for (let i = 0; i < CASES; i++) {
      const query: Record<string, string | string[]> = {};
      for (let n = f.int(5); n > 0; n--) {
        const value =
          f.random() < 0.5
            ? f.value()
            : f.pick(['clip', 'crop', 'scale', 'fill', 'top,left', 'center', 'bottom,top', '100']);
        query[f.pick(names)] = f.random() < 0.1 ? [value, f.value()] : value;
      }
      expectOnlyClientErrors('parseGetstreamParams', () => parseGetstreamParams(query), query);
      const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
      expectOnlyClientErrors('parseGetstreamParams', () => parseGetstreamParams(search), search.toString());
    }
    for (const v of BOUNDARY_VALUES) {
      for (const name of ['w', 'h', 'resize', 'crop']) {
        expectOnlyClientErrors('parseGetstreamParams', () => parseGetstreamParams({ [name]: v }), {
          [name]: v,
        });
      }
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { generateCloudflareOptions } from '../../../src/core/images/generate-cloudflare-options.js';
import { parseCloudflareOptions } from '../../../src/core/images/parse-cloudflare-options.js';
import { canonicalKey, type ResizeStep } from '../../../src/core/images/transform-plan.js';

const key = (s: string) => canonicalKey(parseCloudflareOptions(s));

describe('parseCloudflareOptions', () => {
  it('parses sizes, fit and gravity', () => {
    const plan = parseCloudflareOptions('width=400,height=300,fit=cover,gravity=0.25x0.75');
    assert.deepEqual(plan.geometry, [
      {
        op: 'resize',
        width: 400,
        height: 300,
        fit: 'cover',
        withoutEnlargement: false,
        gravity: { kind: 'focus', x: 0.25, y: 0.75 },
      },
    ]);
    const r = (s: string) => parseCloudflareOptions(s).geometry.at(-1) as ResizeStep;
    assert.deepEqual([r('w=1').fit, r('w=1').withoutEnlargement], ['contain', true]);
    assert.deepEqual([r('w=1,fit=crop').fit, r('w=1,fit=crop').withoutEnlargement], ['cover', true]);
    assert.equal(r('w=1,fit=pad').fit, 'pad');
    assert.equal(r('w=1,fit=squeeze').fit, 'fill');
    assert.deepEqual(r('w=1,h=1,fit=cover,g=auto').gravity, { kind: 'smart', strategy: 'attention' });
    assert.deepEqual(r('w=1,g=left').gravity, { kind: 'align', x: 0, y: 0.5 });
  });

  it('parses output, tone and effects', () => {
    const p = parseCloudflareOptions(
      'f=webp,q=100,blur=50,sharpen=2,brightness=1.2,contrast=0.8,gamma=1.5,metadata=keep,anim=false,background=%23ff000080',
    );
    assert.equal(p.output.format, 'webp');
    assert.equal(p.output.lossless, true);
    assert.equal(p.effects.blur, 25);
    assert.equal(p.effects.sharpen, 1);
    assert.deepEqual(p.adjust, { brightness: 1.2, contrast: 0.8, gamma: 1.5 });
    assert.equal(p.metadata, 'keep');
    assert.equal(p.animation, 'first-frame');
    assert.deepEqual(p.background, { r: 255, g: 0, b: 0, alpha: 0.502 });
    assert.equal(parseCloudflareOptions('format=jpeg').output.progressive, true);
    assert.equal(parseCloudflareOptions('format=baseline-jpeg').output.progressive, undefined);
    assert.equal(parseCloudflareOptions('quality=low').output.quality, 45);
    assert.equal(parseCloudflareOptions('w=10').output.quality, 85);
    assert.equal(parseCloudflareOptions('w=10').output.format, 'original');
    assert.equal(parseCloudflareOptions('w=10', { defaultFormat: 'auto' }).output.format, 'auto');
  });

  it('orders trim, flip, rotate before the resize', () => {
    const ops = parseCloudflareOptions('w=100,rotate=90,flip=hv,trim=1;2;3;4').geometry.map((s) => s.op);
    assert.deepEqual(ops, ['trim', 'flip', 'flip', 'rotate', 'resize']);
  });

  it('gives two spellings of the same options one canonical key', () => {
    assert.equal(key('width=200,height=100,fit=cover,quality=85'), key('h=100,w=200,fit=cover'));
    assert.equal(key('w=200,dpr=2'), key('width=400'));
    assert.equal(key('w=100,g=top'), key('w=100,gravity=0.5x0')); // gravity is moot without a cut
    assert.notEqual(key('w=100,h=100,fit=cover,g=top'), key('w=100,h=100,fit=cover,gravity=0.5x0'));
    assert.equal(key('w=100,brightness=1,contrast=0'), key('w=100'));
    assert.notEqual(key('w=100'), key('w=101'));
  });

  it('rejects unknown and out-of-range options, naming them', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /At least one/],
      ['wdth=100', /Unknown image option "wdth"/],
      ['width=0', /width=0/],
      ['width=12001', /width/],
      ['width=abc', /width/],
      ['fit=stretch', /fit=stretch/],
      ['quality=101', /quality/],
      ['format=bmp', /format=bmp/],
      ['dpr=3', /dpr/],
      ['blur=251', /blur/],
      ['sharpen=11', /sharpen/],
      ['rotate=45', /rotate/],
      ['flip=x', /flip/],
      ['gravity=2x0.5', /gravity/],
      ['trim=1;2;3', /trim/],
      ['background=notacolour', /background/],
      ['metadata=all', /metadata/],
      ['anim=yes', /anim/],
      ['width', /needs a value/],
    ];
    for (const [text, message] of bad) {
      assert.throws(
        () => parseCloudflareOptions(text),
        (e: unknown) => e instanceof KilnError && e.code === 'invalid_input' && message.test(e.message),
        text,
      );
    }
  });

  it('round-trips through the generator', () => {
    for (const text of [
      'width=400,height=300,fit=cover,gravity=left',
      'w=100,fit=scale-down,format=avif,quality=70',
      'h=50,fit=pad,background=%23000000,format=png',
      'w=300,h=300,fit=crop,g=0.3x0.6,rotate=270,flip=h,blur=10,sharpen=3,brightness=1.5,contrast=1.2,gamma=2,saturation=0',
      'trim=10;0;10;0,w=20,metadata=copyright,anim=false,format=baseline-jpeg',
      'w=100,h=100,fit=squeeze,format=json',
    ]) {
      const plan = parseCloudflareOptions(text);
      const generated = generateCloudflareOptions(plan);
      assert.equal(
        canonicalKey(parseCloudflareOptions(generated)),
        canonicalKey(plan),
        `${text} -> ${generated}`,
      );
    }
  });
});

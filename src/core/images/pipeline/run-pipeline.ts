/**
 * The pipeline: small named steps over one sharp instance, with geometry computed up front.
 * orient -> crop -> resize -> pad -> colourspace -> adjustments -> effects -> border radius -> encode.
 * A second stage (materialised raw pixels) is used only when sharp cannot order the steps in one pass:
 * auto-trim before geometry, arbitrary rotation after it, rounded corners flattened into JPEG.
 */
import sharp, { type Sharp } from 'sharp';
import { WHITE } from '../color.js';
import { assertOutputSize, type ImageLimits, toImageError } from '../image-guard.js';
import type { SourceMeta } from '../source-meta.js';
import { type ConcreteFormat, normalizePlan, type TransformPlan } from '../transform-plan.js';
import { adjustments } from './adjustments.js';
import { borderRadius } from './border-radius.js';
import { colourspace } from './colourspace.js';
import { computeGeometry } from './compute-geometry.js';
import { crop } from './crop.js';
import { effects } from './effects.js';
import { encode, flattenIfOpaqueFormat } from './encode.js';
import { encodeWithinBytes } from './encode-within-bytes.js';
import { imageInfoJson, mainColors } from './info-output.js';
import { orient } from './orient.js';
import { pad } from './pad.js';
import type { PipelineContext } from './pipeline-context.js';
import { pixelate, type RawImage } from './pixelate.js';
import { resize } from './resize.js';
import { rotateArbitrary } from './rotate-arbitrary.js';

export interface PipelineResult {
  data: Buffer;
  width: number;
  height: number;
  format: ConcreteFormat;
}

export async function runPipeline(
  input: Buffer,
  source: SourceMeta,
  rawPlan: TransformPlan,
  format: ConcreteFormat,
  limits: ImageLimits,
): Promise<PipelineResult> {
  try {
    return await run(input, source, normalizePlan(rawPlan), format, limits);
  } catch (err) {
    throw toImageError(err);
  }
}

async function run(
  input: Buffer,
  source: SourceMeta,
  plan: TransformPlan,
  format: ConcreteFormat,
  limits: ImageLimits,
): Promise<PipelineResult> {
  const timeout = { seconds: limits.timeoutSeconds };
  const multiFrame = source.pages > 1 && plan.animation === 'keep' && (format === 'gif' || format === 'webp');
  const openSource = (animated: boolean): Sharp =>
    sharp(input, { limitInputPixels: limits.maxInputPixels, animated }).timeout(timeout);
  // Replaced by a raw-pixel opener when a stage runs first (trim, mirror); those drop animation.
  let open = openSource;
  let size = { width: source.width, height: source.height };

  if (plan.autoTrim) {
    const oriented = open(false);
    const { data, info } = await (plan.autoOrient ? oriented.autoOrient() : oriented)
      .trim({ threshold: plan.autoTrim.threshold })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const raw = { width: info.width, height: info.height, channels: info.channels };
    open = () => sharp(data, { raw }).timeout(timeout);
    size = { width: info.width, height: info.height };
    plan = { ...plan, autoOrient: false };
  }

  let geometry = computeGeometry(size, plan);
  assertOutputSize(geometry.width, geometry.height, limits);
  if (geometry.orient.flop && format !== 'json') {
    // sharp mirrors after a lone extract but before one that follows a rotation: orient in a stage of
    // its own so the extract always sees the oriented frame.
    const oriented = open(false);
    const { data, info } = await (plan.autoOrient ? oriented.autoOrient() : oriented)
      .flop()
      .rotate(geometry.orient.angle)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const raw = { width: info.width, height: info.height, channels: info.channels };
    open = () => sharp(data, { raw }).timeout(timeout);
    geometry = { ...geometry, orient: { flop: false, angle: 0 } };
    plan = { ...plan, autoOrient: false };
  }
  const ctx: PipelineContext = {
    plan,
    geometry,
    source,
    format,
    background: plan.background ?? WHITE,
    animated:
      multiFrame &&
      open === openSource &&
      geometry.orient.angle % 180 === 0 &&
      plan.rotate === undefined &&
      !plan.effects.borderRadius &&
      !plan.effects.pixelate &&
      !plan.output.maxBytes,
  };
  if (format === 'json') {
    const data = Buffer.from(JSON.stringify(imageInfoJson(source, geometry)));
    return { data, width: geometry.width, height: geometry.height, format };
  }

  let img = open(ctx.animated);
  for (const step of [orient, crop, resize, pad, colourspace, adjustments, effects]) img = step(img, ctx);

  if (format === 'main_colors') {
    const colors = await mainColors(borderRadius(img, ctx, geometry), plan.output.colorCount ?? 4);
    const data = Buffer.from(JSON.stringify({ ...imageInfoJson(source, geometry), main_colors: colors }));
    return { data, width: geometry.width, height: geometry.height, format };
  }

  const twoStage =
    plan.rotate !== undefined ||
    (plan.effects.borderRadius !== undefined && format === 'jpeg') ||
    plan.effects.pixelate !== undefined ||
    plan.output.maxBytes !== undefined;
  if (twoStage) {
    const first = await borderRadius(img, ctx, geometry).raw().toBuffer({ resolveWithObject: true });
    let raw: RawImage = {
      data: first.data,
      width: first.info.width,
      height: first.info.height,
      channels: first.info.channels,
    };
    if (plan.effects.pixelate) raw = await pixelate(raw, plan.effects.pixelate, limits.timeoutSeconds);
    img = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).timeout(
      timeout,
    );
    img = rotateArbitrary(img, ctx);
  } else {
    img = borderRadius(img, ctx, geometry);
  }
  img = flattenIfOpaqueFormat(img, ctx);
  const { data, info } = plan.output.maxBytes
    ? await encodeWithinBytes(img, ctx, plan.output.maxBytes)
    : await encode(img, ctx).toBuffer({ resolveWithObject: true });
  const height = ctx.animated && info.pageHeight ? info.pageHeight : info.height;
  return { data, width: info.width, height, format };
}

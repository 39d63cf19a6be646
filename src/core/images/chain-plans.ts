import { normalizePlan, type TransformPlan } from './transform-plan.js';

/**
 * The plan that does `first`, then `then`, to the same source: geometry steps run in order (the
 * pipeline folds them into one extract/resize/extend, so the source is decoded once), the later
 * plan's output, tone and effect settings win. This lets a variant of a variant be rendered from the
 * original, without generation loss (Stream: thumbnail, then crop, then scale).
 */
export function chainPlans(firstPlan: TransformPlan, thenPlan: TransformPlan): TransformPlan {
  // Each plan's dpr scales its own steps: fold it in before the steps are mixed.
  const first = normalizePlan(firstPlan);
  const then = normalizePlan(thenPlan);
  return {
    ...then,
    autoOrient: first.autoOrient && then.autoOrient,
    geometry: [...first.geometry, ...then.geometry],
    dpr: 1,
    background: then.background ?? first.background,
    adjust: { ...first.adjust, ...then.adjust },
    effects: { ...first.effects, ...then.effects },
  };
}

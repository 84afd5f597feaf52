/**
 * Tunables shared by several modules. A value used by one module only is named next to it instead.
 */

/** Retry-After when limits cannot be checked (limiter store down): it usually comes back within seconds. */
export const LIMITER_UNAVAILABLE_RETRY_AFTER_S = 5;

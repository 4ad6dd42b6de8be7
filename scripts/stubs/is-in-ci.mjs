// Ink's `is-in-ci`: with CI or CONTINUOUS_INTEGRATION set, Ink draws nothing until it unmounts,
// so an operator whose shell exports CI=1 would face a confirmation screen that never shows its
// question. safeops decides for itself whether there is a terminal (src/guard/confirm.ts): the
// screen is only mounted on one, and there it must always draw.
export default false;

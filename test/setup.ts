// Pin colour behaviour for every test (as gemini-cli does): frames must not depend on the
// environment the suite happens to run in.
delete process.env.NO_COLOR;
// Ink reads these when it is imported (the bundle stubs that out: scripts/stubs/is-in-ci.mjs;
// tests import Ink from node_modules, so they are cleared here instead).
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
process.env.FORCE_COLOR = process.env.FORCE_COLOR ?? '1';

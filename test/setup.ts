// Pin colour behaviour for every test (as gemini-cli does): frames must not depend on the
// environment the suite happens to run in.
delete process.env.NO_COLOR;
delete process.env.CI;
process.env.FORCE_COLOR = process.env.FORCE_COLOR ?? '1';

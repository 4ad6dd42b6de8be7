// Ink imports react-devtools-core only when DEV=true; safeops never enables it. This stub keeps
// the bundle self-contained (no runtime node_modules needed).
export default { initialize() {}, connectToDevTools() {} };

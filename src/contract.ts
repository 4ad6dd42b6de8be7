// What the parts of safeops that show roles must agree on (status, the confirmation screen, the
// shells' prompt segment): each role's colour in text. The prompt's background colours are
// configurable (config shell.colors); these are the fixed text colours, by the same roles.
/** Text colour per role (chalk and Ink colour names). A standby is blue everywhere. */
export const ROLE_TEXT_COLOUR = {
  primary: 'red',
  unknown: 'yellow',
  recovering: 'yellow',
  standby: 'blue',
  stopped: 'gray',
} as const;

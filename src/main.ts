// Entry point (placeholder until the dispatcher lands).
process.stdout.write('safeops\n');

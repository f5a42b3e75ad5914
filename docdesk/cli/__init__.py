"""The `docdesk` command line: scriptable commands over the core, and the entry to the app."""

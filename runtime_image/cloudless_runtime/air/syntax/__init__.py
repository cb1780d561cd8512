"""AIR text to syntax tree: lexer, parser, static validation and canonical rendering."""

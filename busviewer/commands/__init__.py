"""Handlers of the command-line sub-commands: thin wrappers over core/io/ml functions."""
